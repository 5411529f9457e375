import Foundation
import JSON
import JSONRPC
import PostgresTestSupport
import TestSupport
import Testing

/// A daemon on PostgreSQL as an operator sees it when the database is not there: it starts anyway, says so in
/// `health`, answers -32003 naming the reason, and works again once the server is back, without a restart.
@Suite(.serialized, .ownThread, .enabled(if: PostgresCluster.shouldRun))
struct PostgresDaemonTests {
    static func code(_ outcome: Result<JSON, RPCError>) -> Int? {
        if case .failure(let error) = outcome { error.code } else { nil }
    }

    @Test func aDatabaseDownAtStartOrLaterIsReportedAndReconnectedNeverACrash() async throws {
        // A cluster of its own: this test stops its server.
        let cluster = try await PostgresCluster.start()
        let database = try await cluster.createDatabase(prefix: "down")
        try await cluster.stopServer()
        defer { Task { await cluster.stop() } }

        let daemon = try DaemonProcess(arguments: ["--database", cluster.url(database: database), "--no-schedule"])
        let down = try daemon.result("health")
        #expect(down["status"] == "failing")
        #expect(down["database"]?["ok"] == false)
        guard case .string(let reason)? = down["database"]?["error"] else { Issue.record("no reason: \(down)"); return }
        #expect(!reason.isEmpty)
        #expect(!reason.contains("password"))
        let refused = try daemon.call("upsertWorkspace", ["id": "w", "name": "Studio"])
        #expect(Self.code(refused) == -32003, "\(refused)")

        // The server comes up: the daemon applies its schema and serves, with no restart.
        try await cluster.startServer()
        try waitUntilBlocking("the daemon reconnects", timeout: 30) { try daemon.result("health")["status"] == "ok" }
        try daemon.result("upsertWorkspace", ["id": "w", "name": "Studio"])
        #expect(try daemon.result("listAccounts")["accounts"] == [])

        // It goes away again mid-life: -32003 and health failing, then back, and nothing was lost.
        try await cluster.stopServer()
        try waitUntilBlocking("the daemon sees the database gone", timeout: 30) { Self.code(try daemon.call("listAccounts")) == -32003 }
        #expect(try daemon.result("health")["status"] == "failing")
        try await cluster.startServer()
        try waitUntilBlocking("the daemon reconnects again", timeout: 30) { (try? daemon.call("listAccounts").get()) != nil }
        try daemon.result("upsertAccount", [
            "id": "ig", "workspaceId": "w", "platform": "instagram", "externalAccountId": "x", "accessToken": "t",
        ])
        guard case .array(let accounts)? = try daemon.result("listAccounts")["accounts"] else { Issue.record("no accounts"); return }
        #expect(accounts.count == 1)
        #expect(daemon.process.isRunning)
        let status = try daemon.terminate()
        if status != 0 {
            // The whole log, kept past the daemon's folder (deleted with it): beside a build this failed once in eleven
            // runs with exit 3 (the shutdown watch's), its last 3,000 characters showing connection attempts failing
            // with ENOENT (no socket in the cluster's folder) in the seconds before SIGTERM, although the test's calls
            // just before had succeeded, then 15 s of shutdown with ClusterService and the store still running: not
            // enough to say why.
            let kept = FileManager.default.temporaryDirectory.appendingPathComponent("metricsd-pg-daemon-\(UUID().uuidString.prefix(8)).log")
            try? FileManager.default.copyItem(atPath: daemon.logPath, toPath: kept.path)
            Issue.record("metricsd exited \(status); its whole log is kept at \(kept.path) and ends: \(daemon.stderrText().suffix(3000))")
        }
    }
}
