import JSONRPC
import Testing

/// Whatever a client sends, the dispatcher answers with one well-formed JSON-RPC line or (for notifications
/// and blank lines) nothing, and never traps: the daemon must not die of a client's mistake. Seeded mutations
/// of valid requests, so a failure names an input that reproduces.
@Suite struct MalformedInputTests {
    /// SplitMix64: a few lines, and the same sequence on every run and machine.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

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

    private func check(_ line: [UInt8]) async {
        let bytes: [UInt8]
        switch dispatcher.handle(line: line) {
        case .none: return
        case .reply(let reply): bytes = reply
        case .pending(let work):
            guard let reply = await work() else { return }
            bytes = reply
        }
        let input = String(decoding: line, as: UTF8.self)
        #expect(bytes.last == 0x0A, "reply without its newline for \(input.debugDescription)")
        #expect(!bytes.dropLast().contains(0x0A), "reply spans lines for \(input.debugDescription)")
        let reply: JSON
        do {
            reply = try JSONParser.parse(Array(bytes.dropLast()))
        } catch {
            Issue.record("reply is not JSON for \(input.debugDescription): \(String(decoding: bytes, as: UTF8.self))")
            return
        }
        let entries: [JSON] = if case .array(let items) = reply { items } else { [reply] }
        #expect(!entries.isEmpty)
        for entry in entries {
            #expect(entry["jsonrpc"] == "2.0", "for \(input.debugDescription)")
            #expect(entry["id"] != nil, "every reply carries an id (null when unknown) for \(input.debugDescription)")
            #expect((entry["result"] == nil) != (entry["error"] == nil), "result xor error for \(input.debugDescription)")
        }
    }

    @Test func mutatedRequestsAlwaysGetAWellFormedReplyOrNone() async {
        var random = Random(state: 2026)
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
            await check(line)
        }
    }

    @Test func pathologicalShapesAreRefusedNotFollowed() async {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let wide = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"echo"}"#, count: 5_000).joined(separator: ",") + "]"
        let hugeNumber = #"{"jsonrpc":"2.0","id":"# + String(repeating: "9", count: 100_000) + #","method":"echo"}"#
        for line in [deep, wide, hugeNumber, "\u{FEFF}{}", "\"\\ud800\"", "[1,]", "{\"a\" 1}", "nul", "-", "1e999999999"] {
            await check(Array(line.utf8))
        }
        // A batch of notifications only: no reply at all, not an empty array.
        guard case .none = dispatcher.handle(line: Array(wide.utf8)) else {
            Issue.record("a batch of notifications got a reply")
            return
        }
    }
}
