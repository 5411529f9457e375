import Foundation
import JSON
import JSONRPC
import TestSupport
import Testing

/// Access control through the socket, as the services it concerns see it: the tests run as root, so each caller is
/// a `setpriv` that drops to another uid (and the socket's group, nogroup) before `socat` connects.
@Suite(.serialized, .ownThread) struct AccessControlTests {
    static let policy = """
        {"rules": [
          {"uid": 1001, "role": "writer"},
          {"user": "nobody", "role": "reader", "workspaces": ["w1"]},
          {"uid": 1002, "role": "writer", "workspaces": ["w2"]}
        ]}
        """

    /// A daemon with two workspaces (w1, w2), an Instagram account and a post in each, and the policy above.
    static func daemon(policy: String = policy) throws -> DaemonProcess {
        let directory = try traversableDirectory()
        try policy.write(to: directory.appendingPathComponent("access.json"), atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(
            arguments: ["--no-schedule", "--socket-group", "nogroup", "--access", directory.appendingPathComponent("access.json").path,
                        "--instagram-url", "http://127.0.0.1:9"],
            directory: directory)
        for workspace in ["w1", "w2"] {
            try daemon.result("upsertWorkspace", ["id": .string(workspace), "name": .string(workspace)])
            try daemon.result("upsertAccount", [
                "id": .string("ig-\(workspace)"), "workspaceId": .string(workspace), "platform": "instagram",
                "externalAccountId": .string("x-\(workspace)"), "accessToken": "t",
            ])
            try daemon.result("upsertPosts", ["posts": [[
                "id": .string("p-\(workspace)"), "accountId": .string("ig-\(workspace)"), "externalPostId": .string("e-\(workspace)"),
                "postedAt": "2026-11-20T10:00:00Z",
            ]]])
            try daemon.result("importMetrics", ["snapshots": [["postId": .string("p-\(workspace)"), "capturedAt": "2026-11-21T10:00:00Z", "views": 5]]])
        }
        try daemon.result("refreshWorkspace", ["workspaceId": "w2", "wait": false])  // a run of w2 (its calls fail: no platform there)
        return daemon
    }

    /// A temporary directory other users may pass through to the socket. Set explicitly: the in-process socket
    /// tests bind with a narrow umask, and a directory made meanwhile would be 0700.
    static func traversableDirectory() throws -> URL {
        let directory = try DaemonProcess.makeTemporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        return directory
    }

    /// The replies to `requests`, sent on one connection as `uid`.
    static func call(_ daemon: DaemonProcess, as uid: Int, _ requests: [(String, JSON)]) throws -> [JSON] {
        let lines = requests.enumerated().map { index, request in
            JSONWriter.string(["jsonrpc": "2.0", "id": .int(index + 1), "method": .string(request.0), "params": request.1])
        }
        let run = try runProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=\(uid)", "--regid=65534", "--clear-groups", "socat", "-t10", "-", "UNIX-CONNECT:\(daemon.socketPath)"],
            stdin: lines.joined(separator: "\n") + "\n")
        try #require(run.status == 0, "socat as \(uid) exited \(run.status): \(run.stderr)")
        let replies = try run.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        for (request, reply) in zip(requests, replies) {
            let outcome: Result<JSON, RPCError>
            if let result = reply["result"] {
                outcome = .success(result)
            } else {
                var code: Int64 = 0
                if case .number(let number)? = reply["error"]?["code"] { code = number.int64 ?? 0 }
                outcome = .failure(RPCError(code: Int(code), message: "", data: reply["error"]?["data"]))
            }
            DaemonProcess.checkAgainstSchema(method: request.0, outcome: outcome)
        }
        return replies
    }

    static func code(_ reply: JSON) -> JSON? { reply["error"]?["code"] }

    @Test func whoamiTellsEachCallerItsRoleAndWorkspaces() throws {
        let daemon = try Self.daemon()
        let writer = try Self.call(daemon, as: 1001, [("whoami", [:])])[0]["result"]
        #expect(writer?["uid"] == 1001)
        #expect(writer?["gid"] == 65534)
        #expect(writer?["role"] == "writer")
        #expect(writer?["workspaces"] == .null)  // every workspace
        #expect(writer?["pid"] != nil && writer?["pid"] != .null)
        let nobody = try Self.call(daemon, as: 65534, [("whoami", [:])])[0]["result"]
        #expect(nobody?["user"] == "nobody")
        #expect(nobody?["role"] == "reader")
        #expect(nobody?["workspaces"] == ["w1"])
        let stranger = try Self.call(daemon, as: 4242, [("whoami", [:])])[0]["result"]
        #expect(stranger?["role"] == .null)
        #expect(try daemon.result("whoami")["role"] == "admin")  // root, the test process
        // metricsctl whoami says the same to a person.
        let printed = try runProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", DaemonProcess.executable("metricsctl").path, "whoami",
             "--socket", daemon.socketPath])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(MetricsctlTests.row("user", in: printed.stdout) == "user        nobody (uid 65534, gid 65534)")
        #expect(MetricsctlTests.row("role", in: printed.stdout) == "role        reader")
        #expect(MetricsctlTests.row("workspaces", in: printed.stdout) == "workspaces  w1")
    }

    @Test func aCallOutsideTheRoleIsRefusedAndTheConnectionStaysOpen() throws {
        let daemon = try Self.daemon()
        let replies = try Self.call(daemon, as: 65534, [
            ("upsertPosts", ["posts": []]),
            ("health", [:]),
            ("listPosts", ["workspaceId": "w2"]),
        ])
        #expect(Self.code(replies[0]) == -32007)
        #expect(replies[0]["error"]?["data"] == ["method": "upsertPosts"])
        #expect(replies[1]["result"]?["status"] != nil)
        #expect(Self.code(replies[2]) == -32007)
        #expect(replies[2]["error"]?["data"] == ["method": "listPosts", "workspaceId": "w2"])
        // A caller no rule matches may ask only health, rpc.discover and whoami.
        let stranger = try Self.call(daemon, as: 4242, [("health", [:]), ("rpc.discover", [:]), ("listAccounts", [:])])
        #expect(stranger[0]["result"] != nil && stranger[1]["result"] != nil)
        #expect(Self.code(stranger[2]) == -32007)
        // Denials are logged with who and what, never the params.
        try waitUntilBlocking("the denials are logged", timeout: 10) { daemon.stderrText().contains("method=upsertPosts") }
        let denials = daemon.stderrText().split(separator: "\n").filter { $0.contains("permission denied") }
        #expect(denials.count == 3)
        #expect(denials.contains { $0.contains("method=upsertPosts") && $0.contains("uid=65534") })
        #expect(denials.contains { $0.contains("method=listAccounts") && $0.contains("uid=4242") })
        #expect(!denials.contains { $0.contains("posts\"") || $0.contains("[]") })
        // ... and counted, by method, in the Prometheus exposition.
        guard case .string(let text)? = try daemon.result("metrics")["text"] else { Issue.record("no exposition"); return }
        #expect(text.contains(#"metricsd_rpc_permission_denials_total{method="upsertPosts"} 1"#))
        #expect(text.contains(#"metricsd_rpc_permission_denials_total{method="listPosts"} 1"#))
        #expect(text.contains(#"metricsd_rpc_permission_denials_total{method="listAccounts"} 1"#))
    }

    @Test func aLimitedCallerNeverSeesAnotherWorkspace() throws {
        let daemon = try Self.daemon()
        let replies = try Self.call(daemon, as: 65534, [
            ("listAccounts", [:]),
            ("listPosts", [:]),
            ("latestMetrics", ["postIds": ["p-w1", "p-w2"]]),
            ("history", ["postId": "p-w2"]),
            ("listRuns", [:]),
            ("runStatus", ["runId": 1]),
            ("topPosts", ["workspaceId": "w1", "metric": "views", "by": "value"]),
            ("deltas", ["postIds": ["p-w2"], "period": "day"]),
            ("freshness", [:]),
        ])
        guard case .array(let accounts)? = replies[0]["result"]?["accounts"], case .array(let posts)? = replies[1]["result"]?["posts"] else {
            throw TestFailure("no listings: \(replies)")
        }
        #expect(accounts.map { $0["id"] } == ["ig-w1"])
        #expect(posts.map { $0["id"] } == ["p-w1"])
        #expect(Self.code(replies[2]) == -32001)
        #expect(replies[2]["error"]?["data"]?["field"] == "postIds[1]")  // as if absent
        #expect(Self.code(replies[3]) == -32001)
        #expect(replies[4]["result"]?["runs"] == [])  // the only run was w2's
        #expect(Self.code(replies[5]) == -32001)
        #expect(replies[6]["result"]?["posts"] != nil)
        #expect(Self.code(replies[7]) == -32001)
        guard case .array(let budgets)? = replies[8]["result"]?["accounts"] else { throw TestFailure("no freshness") }
        #expect(budgets.map { $0["accountId"] } == ["ig-w1"])
    }

    @Test func aLimitedWritersRefreshAllCoversOnlyItsWorkspaces() throws {
        let daemon = try Self.daemon()
        let replies = try Self.call(daemon, as: 1002, [
            ("refreshAll", ["wait": false]),
            ("upsertPosts", ["posts": [["id": "p-new", "accountId": "ig-w1", "postedAt": "2026-11-20T10:00:00Z"]]]),
            ("importMetrics", ["snapshots": [["postId": "p-w1", "capturedAt": "2026-11-22T00:00:00Z", "views": 1]]]),
            ("upsertAccount", ["id": "ig-w1", "workspaceId": "w2", "platform": "instagram", "externalAccountId": "y", "accessToken": "t"]),
        ])
        let runId = try #require(replies[0]["result"]?["runId"])
        #expect(Self.code(replies[1]) == -32001)
        #expect(replies[1]["error"]?["data"]?["field"] == "posts[0].accountId")
        #expect(Self.code(replies[2]) == -32001)
        #expect(replies[2]["error"]?["data"]?["field"] == "snapshots[0].postId")
        #expect(Self.code(replies[3]) == -32007)  // moving another workspace's account into its own
        // The run it started covers its workspaces only.
        #expect(try daemon.result("runStatus", ["runId": runId])["scope"] == ["kind": "workspaces", "workspaceIds": ["w2"]])
    }

    @Test func aBadFileStopsStartUpNamingTheRuleAndSIGHUPReloads() throws {
        let directory = try Self.traversableDirectory()
        let file = directory.appendingPathComponent("access.json")
        try #"{"rules": [{"uid": 1001, "role": "writer"}, {"user": "no-such-user-here", "role": "reader"}]}"#.write(to: file, atomically: true, encoding: .utf8)
        let refused = try DaemonProcess(arguments: ["--no-schedule", "--access", file.path], directory: directory, waitUntilReady: false)
        try waitUntilBlocking("metricsd refuses to start", timeout: 20) { !refused.process.isRunning }
        #expect(refused.process.terminationStatus == 1)
        #expect(refused.stderrText().contains("rules[1]: unknown user \"no-such-user-here\""))

        try Self.policy.write(to: file, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(arguments: ["--no-schedule", "--socket-group", "nogroup", "--access", file.path], directory: directory)
        #expect(try Self.call(daemon, as: 1001, [("whoami", [:])])[0]["result"]?["role"] == "writer")
        try #"{"rules": [{"uid": 1001, "role": "reader"}]}"#.write(to: file, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        try waitUntilBlocking("the reloaded policy applies", timeout: 10) {
            try Self.call(daemon, as: 1001, [("whoami", [:])])[0]["result"]?["role"] == "reader"
        }
        // A bad file on reload keeps the policy in force, and says why.
        try #"{"rules": [{"uid": 1001, "role": "owner"}]}"#.write(to: file, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        try waitUntilBlocking("the refusal is logged", timeout: 10) { daemon.stderrText().contains("previous one stays in force") }
        #expect(try Self.call(daemon, as: 1001, [("whoami", [:])])[0]["result"]?["role"] == "reader")
        #expect(daemon.process.isRunning)
    }
}
