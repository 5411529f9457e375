import JSON
import JSONRPC
import MetricsCore
import Testing

/// Whatever a client sends, the dispatcher answers with one well-formed JSON-RPC line or (for notifications
/// and blank lines) nothing, and never traps: the daemon must not die of a client's mistake. Seeded mutations
/// of valid requests, so a failure names an input that reproduces.
@Suite struct MalformedInputTests {

    let dispatcher = RPCDispatcher(
        methods: [
            .inline("echo", parameters: ["value", "other"]) { fields, _ in fields.object["value"] ?? .null },
            .inline("count", parameters: ["items"]) { fields, _ in
                .int(try fields.strings("items", maxCount: 10, maxLength: 16).count)
            },
            .task("later", parameters: ["value"]) { fields, _ in fields.object["value"] ?? .null },
        ],
        mapError: { _, _ in RPCError(code: -32099, message: "mapped") })

    static let seeds: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"value":[1,2.5e3,"x\u00e9\n",true,null,{"a":{}}]}}"#,
        #"{"jsonrpc":"2.0","id":"abc","method":"count","params":{"items":["a","b","c"]}}"#,
        #"{"jsonrpc":"2.0","id":null,"method":"later","params":[{"deep":[[[]]]}]}"#,
        #"[{"jsonrpc":"2.0","id":1,"method":"echo","params":[1,2]},{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","id":2,"method":"later"}]"#,
        #"{"jsonrpc":"2.0","method":"count","params":{"items":[]}}"#,
        #"{"jsonrpc":"2.0","id":12345678901234567890,"method":"nope"}"#,
    ]

    /// Bytes that tend to matter to a JSON parser, inserted or substituted at random places.
    static let interesting: [UInt8] = Array(#"{}[]",:\"0-.eE+ntfu"#.utf8) + [0x00, 0x0A, 0x7F, 0x80, 0xC3, 0xE2, 0xF0, 0xFF]

    /// The reply entries for `line` (one for a single request, several for a batch), or none, after checking
    /// the reply is one well-formed line.
    @discardableResult
    private func check(_ line: [UInt8]) async -> [JSON] {
        let bytes: [UInt8]
        switch dispatcher.handle(line: line) {
        case .none: return []
        case .reply(let reply): bytes = reply
        case .pending(let work):
            guard let reply = await work() else { return [] }
            bytes = reply
        }
        let input = String(decoding: line.prefix(200), as: UTF8.self)
        #expect(bytes.last == 0x0A, "reply without its newline for \(input.debugDescription)")
        #expect(!bytes.dropLast().contains(0x0A), "reply spans lines for \(input.debugDescription)")
        let reply: JSON
        do {
            reply = try JSONParser.parse(Array(bytes.dropLast()))
        } catch {
            Issue.record("reply is not JSON for \(input.debugDescription): \(String(decoding: bytes, as: UTF8.self))")
            return []
        }
        let entries: [JSON] = if case .array(let items) = reply { items } else { [reply] }
        #expect(!entries.isEmpty)
        for entry in entries {
            #expect(entry["jsonrpc"] == "2.0", "for \(input.debugDescription)")
            #expect(entry["id"] != nil, "every reply carries an id (null when unknown) for \(input.debugDescription)")
            #expect((entry["result"] == nil) != (entry["error"] == nil), "result xor error for \(input.debugDescription)")
        }
        return entries
    }

    /// What one reply entry says: "result", or its error code.
    static func outcome(_ entry: JSON) -> String {
        if entry["result"] != nil { return "result" }
        if case .number(let code)? = entry["error"]?["code"] { return code.literal }
        return "malformed"
    }

    /// Also counts what the replies said: a dispatcher that answered nothing, or answered everything alike,
    /// would pass the per-reply checks, so each kind of answer these mutations produce has a floor, at about half
    /// of what the seeded run gives (20,000 lines; 20,238 reply entries, of which 17,672 -32700, 1,605 -32600,
    /// 293 -32601, 81 -32602 and 587 results; 120 lines, not blank, answered with nothing: notifications).
    @Test func mutatedRequestsAlwaysGetAWellFormedReplyOrNone() async {
        var random = SplitMix64(seed: 2026)
        var outcomes: [String: Int] = [:]
        var silent = 0
        for round in 0..<20_000 {
            var line = Array(Self.seeds[round % Self.seeds.count].utf8)
            for _ in 0...random.below(4) {
                let position = line.isEmpty ? 0 : random.below(line.count)
                switch random.below(5) {
                case 0 where !line.isEmpty: line.remove(at: position)
                case 1: line.insert(Self.interesting[random.below(Self.interesting.count)], at: position)
                case 2 where !line.isEmpty: line[position] = Self.interesting[random.below(Self.interesting.count)]
                case 3: line = Array(line.prefix(position))
                default: line.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                }
            }
            // The framer never hands over a newline inside a line.
            line.removeAll { $0 == 0x0A }
            let entries = await check(line)
            // Blank lines get nothing too; notifications are the silence worth counting.
            if entries.isEmpty, line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) { silent += 1 }
            for entry in entries { outcomes[Self.outcome(entry), default: 0] += 1 }
        }
        #expect(outcomes.values.reduce(0, +) >= 10_000, "\(outcomes)")
        #expect(outcomes["-32700", default: 0] >= 8_000, "parse errors: \(outcomes)")
        #expect(outcomes["-32600", default: 0] >= 800, "invalid requests: \(outcomes)")
        #expect(outcomes["-32601", default: 0] >= 120, "unknown methods: \(outcomes)")
        #expect(outcomes["-32602", default: 0] >= 40, "invalid params: \(outcomes)")
        #expect(outcomes["result", default: 0] >= 250, "results: \(outcomes)")
        #expect(outcomes["malformed", default: 0] == 0, "\(outcomes)")
        #expect(silent >= 60, "notifications get no reply: \(silent) lines answered with nothing")
    }

    /// Each shape gets exactly the one answer the spec asks for, never a walk down 100,000 levels or a
    /// conversion of 100,000 digits: a single error reply with its code and a null id (the request could not be
    /// read, so no id either); a batch of notifications only, nothing; a request whose id is a huge number, its
    /// result, with the id echoed as written.
    @Test func pathologicalShapesAreRefusedNotFollowed() async {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let wide = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"echo"}"#, count: 5_000).joined(separator: ",") + "]"
        let digits = String(repeating: "9", count: 100_000)
        let hugeNumber = #"{"jsonrpc":"2.0","id":"# + digits + #","method":"echo"}"#
        let refused: [(line: String, code: Int)] = [
            (deep, -32700), ("\u{FEFF}{}", -32700), ("\"\\ud800\"", -32700), ("[1,]", -32700), ("{\"a\" 1}", -32700),
            ("nul", -32700), ("-", -32700), ("1e999999999", -32600), ("[]", -32600), ("[1]", -32600),
        ]
        for (line, code) in refused {
            let label = String(line.prefix(24)).debugDescription
            let entries = await check(Array(line.utf8))
            #expect(entries.count == 1, "\(label): one reply entry, got \(entries.count)")
            #expect(entries.first.map(Self.outcome) == String(code), "\(label)")
            #expect(entries.first?["id"] == JSON.null, "\(label)")
        }
        let echoed = await check(Array(hugeNumber.utf8))
        #expect(echoed.count == 1)
        #expect(echoed.first.map(Self.outcome) == "result")
        #expect(echoed.first?["id"].map(JSONWriter.string) == digits, "the id comes back digit for digit")
        // A batch of notifications only: no reply at all, not an empty array.
        guard case .none = dispatcher.handle(line: Array(wide.utf8)) else {
            Issue.record("a batch of notifications got a reply")
            return
        }
    }
}
