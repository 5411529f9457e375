import Foundation
import JSON
import JSONRPC
import RPCClient
import TestSupport
import Testing

/// What the socket does at its edges, checked against the real daemon binary.
@Suite(.serialized, .ownThread) struct SocketBehaviourTests {
    @Test func socatOneLinerPrintsAnOkHealthReply() throws {
        let daemon = try DaemonProcess()
        let run = try runProcess(
            URL(fileURLWithPath: "/usr/bin/socat"), ["-t2", "-", "UNIX-CONNECT:\(daemon.socketPath)"],
            stdin: #"{"jsonrpc":"2.0","id":1,"method":"health"}"# + "\n")
        #expect(run.status == 0)
        let reply = try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(reply["id"] == 1)
        #expect(reply["result"]?["status"] == "ok")
        DaemonProcess.checkAgainstSchema(method: "health", outcome: .success(reply["result"] ?? nil))
    }

    @Test func scriptsHealthcheckExitsZeroOnlyWhenOk() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/healthcheck")
        let daemon = try DaemonProcess()
        #expect(try runProcess(script, [daemon.socketPath]).status == 0)
        try daemon.terminate()
        #expect(try runProcess(script, [daemon.socketPath]).status != 0)
    }

    @Test func aHalfClosingClientGetsEveryReplyIncludingAnUnterminatedLastLine() throws {
        let daemon = try DaemonProcess()
        let connection = try daemon.connect()
        var lines: [String] = []
        for id in 1...20 {
            lines.append(#"{"jsonrpc":"2.0","id":\#(id),"method":"upsertWorkspace","params":{"id":"w\#(id)","name":"n"}}"#)
        }
        try connection.send(lines.joined(separator: "\n") + "\n" + #"{"jsonrpc":"2.0","id":"last","method":"listAccounts"}"#)
        connection.shutdownWrite()
        let replies = try connection.readAllLines().map { try JSONParser.parse($0) }
        #expect(replies.map { $0["id"] } == (1...20).map { JSON.int($0) } + ["last"])
        #expect(replies.allSatisfy { $0["result"] != nil })
    }

    @Test func repliesOnOneConnectionComeInRequestOrderSoReadsSeeEarlierWrites() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        let connection = try daemon.connect()
        try connection.send("""
            {"jsonrpc":"2.0","id":1,"method":"upsertPosts","params":{"posts":[{"id":"fresh","accountId":"ig","externalPostId":"f1","postedAt":"2026-11-23T00:00:00Z"}]}}
            {"jsonrpc":"2.0","id":2,"method":"latestMetrics","params":{"postIds":["fresh"]}}

            """)
        connection.shutdownWrite()
        let replies = try connection.readAllLines().map { try JSONParser.parse($0) }
        #expect(replies.map { $0["id"] } == [1, 2])
        #expect(replies.last?["result"]?["metrics"] == [[
            "postId": "fresh", "platform": "instagram", "capturedAt": nil, "impressions": nil, "views": nil,
            "reach": nil, "likes": nil, "comments": nil, "shares": nil, "saves": nil, "engagementRate": nil,
        ]])
    }

    /// Request lines cut short, or with a byte replaced by an invalid UTF-8 byte, a NUL or a quote, all along
    /// the line: the daemon answers each with well-formed JSON (or not at all, for what parses as a
    /// notification), keeps the connection in order, and serves others afterwards.
    @Test func aStreamOfBrokenRequestsGetsWellFormedAnswersAndHurtsNobody() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        let seeds = [
            #"{"jsonrpc":"2.0","id":1,"method":"latestMetrics","params":{"postIds":["ig-0","tt-1"]}}"#,
            #"{"jsonrpc":"2.0","id":"h","method":"history","params":["ig-0","2026-11-01T00:00:00Z",null,5]}"#,
            #"[{"jsonrpc":"2.0","id":2,"method":"listPosts","params":{"limit":2}},{"jsonrpc":"2.0","method":"health"}]"#,
            #"{"jsonrpc":"2.0","id":3,"method":"importMetrics","params":{"snapshots":[{"postId":"ig-0","capturedAt":"2026-11-24T00:00:00Z","views":1}]}}"#,
        ]
        var lines: [[UInt8]] = []
        for seed in seeds.map({ Array($0.utf8) }) {
            // Every other position keeps the replies well inside the socket buffers while nothing reads them.
            for position in stride(from: 0, to: seed.count, by: 2) {
                lines.append(Array(seed[..<position]))
                for replacement: UInt8 in [0xFF, 0x00, UInt8(ascii: "\"")] {
                    var broken = seed
                    broken[position] = replacement
                    lines.append(broken)
                }
            }
        }
        let connection = try daemon.connect()
        for line in lines {
            try connection.send(line + [0x0A])
        }
        try connection.send(#"{"jsonrpc":"2.0","id":"last","method":"health"}"# + "\n")
        connection.shutdownWrite()
        let replies = try connection.readAllLines()
        #expect(replies.count > lines.count / 2)
        #expect(replies.count <= lines.count + 1)
        for reply in replies {
            guard let json = try? JSONParser.parse(reply) else {
                Issue.record("not JSON: \(String(decoding: reply, as: UTF8.self))")
                continue
            }
            let entries: [JSON] = if case .array(let items) = json { items } else { [json] }
            #expect(entries.allSatisfy { $0["jsonrpc"] == "2.0" && $0["id"] != nil })
        }
        #expect(replies.last.flatMap { try? JSONParser.parse($0) }?["id"] == "last", "answered in order, to the end")
        #expect(try daemon.result("health")["status"] == "ok")
    }

    @Test func aLineOverTheDefaultOneMebibyteLimitGetsAnErrorThenTheConnectionCloses() throws {
        let daemon = try DaemonProcess()
        let connection = try daemon.connect()
        try connection.send(#"{"jsonrpc":"2.0","id":1,"method":"health"}"# + "\n")
        let padding = String(repeating: "x", count: 1 << 20)
        try? connection.send(#"{"jsonrpc":"2.0","id":2,"method":"health","params":{"pad":"\#(padding)"}}"# + "\n")
        let replies = try connection.readAllLines().map { try JSONParser.parse($0) }
        #expect(replies.count == 2)
        #expect(replies.first?["result"]?["status"] == "ok")
        #expect(replies.last?["error"]?["code"] == -32600)
        #expect(replies.last?["error"]?["data"]?["limitBytes"] == .int(1 << 20))
        #expect(replies.last?["id"] == nil as JSON)
        // Other clients are unaffected.
        #expect(try daemon.result("health")["status"] == "ok")
    }

    @Test func theLineLimitIsConfigurableAndALineJustUnderItPasses() throws {
        let daemon = try DaemonProcess(arguments: ["--max-request-bytes", "2048"])
        let connection = try daemon.connect()
        let request = #"{"jsonrpc":"2.0","id":1,"method":"upsertWorkspace","params":{"id":"w","name":"PAD"}}"#
        let nearLimit = String(repeating: "n", count: 1000)
        #expect(try connection.call("upsertWorkspace", params: ["id": "w", "name": .string(nearLimit)]).get()["created"] == true)
        try connection.send(request.replacingOccurrences(of: "PAD", with: String(repeating: "n", count: 3000)) + "\n")
        let reply = try JSONParser.parse(try #require(try connection.readLine()))
        #expect(reply["error"]?["data"]?["limitBytes"] == 2048)
        #expect(try connection.readLine() == nil)
    }

    @Test func aSilentOrSlowClientNeverDelaysOthers() throws {
        let daemon = try DaemonProcess()
        // One client sends half a request and stalls; another floods requests without reading replies.
        let stalled = try daemon.connect()
        try stalled.send(#"{"jsonrpc":"2.0","id":1,"me"#)
        let flooder = try daemon.connect()
        let flood = String(repeating: #"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"# + "\n", count: 2000)
        try flooder.send(flood)
        let started = Date()
        for _ in 0..<20 {
            #expect(try daemon.result("health")["status"] == "ok")
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func idleConnectionsAreClosedAfterTheTimeout() throws {
        let daemon = try DaemonProcess(arguments: ["--idle-timeout", "1"])
        let idle = try daemon.connect(timeoutSeconds: 10)
        let started = Date()
        #expect(try idle.readLine() == nil)
        #expect(Date().timeIntervalSince(started) < 8)
    }

    @Test func connectionsBeyondTheCapAreToldSoAndClosed() throws {
        let daemon = try DaemonProcess(arguments: ["--max-connections", "2"])
        // The readiness probe's connection may still be closing: wait until two fresh ones are admitted.
        var first = try daemon.connect()
        var second = try daemon.connect()
        try waitUntilBlocking("two connections are admitted", timeout: 10) {
            first = try daemon.connect()
            second = try daemon.connect()
            return (try? first.call("health").get()) != nil && (try? second.call("health").get()) != nil
        }
        let third = try daemon.connect()
        let refusal = try JSONParser.parse(try #require(try third.readLine()))
        #expect(refusal["error"]?["code"] == -32000)
        #expect(try third.readLine() == nil)
        #expect(try first.call("health").get()["status"] == "ok")
    }

    @Test func theSocketIsOwnerOnlyByDefaultAndGroupWritableOnRequest() throws {
        let daemon = try DaemonProcess()
        #expect(try permissions(daemon.socketPath) == 0o600)
        #expect(try permissions(daemon.databasePath) == 0o600)
        let shared = try DaemonProcess(arguments: ["--group-access"])
        #expect(try permissions(shared.socketPath) == 0o660)
    }

    @Test func startUpRefusesASocketWhereALiveDaemonAnswers() throws {
        let daemon = try DaemonProcess()
        let second = try runProcess(
            DaemonProcess.executable("metricsd"),
            ["--socket", daemon.socketPath, "--database", daemon.directory.appendingPathComponent("other.sqlite").path])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another daemon is already listening on \(daemon.socketPath)"))
        #expect(try daemon.result("health")["status"] == "ok")
    }

    @Test func startUpReplacesAStaleSocketFileButNotARegularFile() throws {
        let directory = try DaemonProcess.makeTemporaryDirectory()
        let socketPath = directory.appendingPathComponent("d.sock").path
        try makeStaleSocket(at: socketPath)
        let daemon = try DaemonProcess(directory: directory)
        #expect(try daemon.result("health")["status"] == "ok")

        let regular = directory.appendingPathComponent("plain").path
        FileManager.default.createFile(atPath: regular, contents: Data("keep me".utf8))
        let refused = try runProcess(DaemonProcess.executable("metricsd"), ["--socket", regular, "--database", daemon.databasePath + "2"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("exists and is not a socket"))
        #expect(try String(contentsOfFile: regular, encoding: .utf8) == "keep me")
    }

    @Test func startUpSaysClearlyWhenTheSocketPathIsTooLong() throws {
        let path = "/tmp/" + String(repeating: "a", count: 120) + ".sock"
        let run = try runProcess(DaemonProcess.executable("metricsd"), ["--socket", path, "--database", "/tmp/unused-\(UUID()).sqlite"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("socket path is 130 bytes, but this OS allows at most 107"))
    }

    @Test func sigtermClosesTheListenerAndExitsZero() throws {
        let daemon = try DaemonProcess()
        let open = try daemon.connect()
        #expect(try open.call("health").get()["status"] == "ok")
        #expect(try daemon.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        #expect(try open.readLine() == nil)
        #expect(daemon.stderrText().contains("stopped"))
    }

    private func permissions(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// Binds a socket and closes it without unlinking: what a daemon killed with SIGKILL leaves behind.
    private func makeStaleSocket(at path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(result == 0)
    }
}
