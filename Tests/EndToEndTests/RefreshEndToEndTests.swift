import Foundation
import JSON
import JSONRPC
import RPCClient
import Synchronization
import TestSupport
import Testing

/// Refreshes through the socket, against `metricsd --demo`: the bundled platform simulator, two workspaces
/// (demo-studio-a: demo-instagram-0, demo-tiktok-2, demo-facebook-4; demo-studio-b: demo-instagram-1,
/// demo-tiktok-3, demo-facebook-5) and their discovered posts. `--no-schedule`, so every run is one a test
/// asked for; rates high, so a whole refresh takes well under a second unless a test slows it on purpose;
/// `--clock-speed 1`: real time, in which each demo account publishes a post every 16 hours or so (rarely
/// during a test), and counters and token lifetimes barely move while a test runs.
@Suite(.serialized, .ownThread) struct RefreshEndToEndTests {
    static let workspaceA = "demo-studio-a"
    static let workspaceB = "demo-studio-b"
    static let platforms: Set<String> = ["instagram", "tiktok", "facebook"]

    /// `--rate`/`--account-rate` for every platform; `instagramAccountRate` replaces Instagram's per-account
    /// rate to make runs last (each Instagram post costs a few calls, one account at a time).
    static func demoArguments(instagramAccountRate: String = "1000:1000") -> [String] {
        var arguments = ["--demo", "--no-schedule", "--clock-speed", "1"]
        for platform in ["instagram", "facebook", "tiktok"] {
            arguments += ["--rate", "\(platform)=1000:1000"]
        }
        arguments += ["--account-rate", "instagram=\(instagramAccountRate)"]
        arguments += ["--account-rate", "facebook=1000:1000", "--account-rate", "tiktok=1000:1000"]
        return arguments
    }

    static func demoDaemon(instagramAccountRate: String = "1000:1000") throws -> DaemonProcess {
        try DaemonProcess(arguments: demoArguments(instagramAccountRate: instagramAccountRate))
    }

    // MARK: Helpers

    static func int(_ value: JSON?) -> Int64? {
        if case .number(let number)? = value { number.int64 } else { nil }
    }

    static func array(_ value: JSON?) -> [JSON] {
        if case .array(let elements)? = value { elements } else { [] }
    }

    static func string(_ value: JSON?) -> String? {
        if case .string(let text)? = value { text } else { nil }
    }

    static func keys(_ value: JSON?) -> Set<String> {
        if case .object(let object)? = value { Set(object.keys) } else { [] }
    }

    /// Fails the test with the schema's own words when `result` is not what Schemas/openrpc.json documents.
    static func expectValid(_ method: String, _ result: JSON, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let violations = try OpenRPCSchema.loadProjectDocument().validateResult(of: method, result)
        #expect(violations == [], "\(method) reply does not match Schemas/openrpc.json", sourceLocation: sourceLocation)
    }

    static func expectValidError(_ method: String, _ error: RPCError, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var object: JSONObject = ["code": .int(error.code), "message": .string(error.message)]
        if let data = error.data { object.append("data", data) }
        let violations = try OpenRPCSchema.loadProjectDocument().validateError(of: method, .object(object))
        #expect(violations == [], "\(method) error does not match Schemas/openrpc.json", sourceLocation: sourceLocation)
    }

    /// Every post of a workspace with its latest snapshot (capturedAt null when it has none).
    static func latest(_ daemon: DaemonProcess, workspace: String) throws -> [JSON] {
        array(try daemon.result("latestMetrics", ["workspaceId": .string(workspace), "limit": 1000])["metrics"])
    }

    static func captured(_ metrics: [JSON]) -> [JSON] {
        metrics.filter { !($0["capturedAt"]?.isNull ?? true) }
    }

    static func runStatus(_ daemon: DaemonProcess, _ runId: Int64) throws -> JSON {
        try daemon.result("runStatus", ["runId": .int(runId)])
    }

    /// A blocking call on its own thread (RPCConnection blocks; the cooperative pool must not).
    final class Background<Value: Sendable>: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let outcome = Mutex<Result<Value, any Error>?>(nil)

        init(_ body: @escaping @Sendable () throws -> Value) {
            let thread = Thread { [self] in
                let result = Result { try body() }
                outcome.withLock { $0 = result }
                done.signal()
            }
            thread.start()
        }

        func value(timeout: TimeInterval) throws -> Value {
            guard done.wait(timeout: .now() + timeout) == .success else {
                throw TestFailure("background call still running after \(timeout)s")
            }
            return try outcome.withLock { $0! }.get()
        }
    }

    // MARK: refreshAll

    @Test func refreshAllWritesSnapshotsAndReportsTheOriginalShape() throws {
        let daemon = try Self.demoDaemon()
        let before = try Self.latest(daemon, workspace: Self.workspaceA) + Self.latest(daemon, workspace: Self.workspaceB)
        try #require(!before.isEmpty)
        #expect(Self.captured(before).isEmpty, "a --no-schedule daemon has no snapshots before the first refresh")

        let report = try daemon.result("refreshAll", [:])
        try Self.expectValid("refreshAll", report)

        // The original cron endpoint's keys, in its order, plus runId.
        guard case .object(let object) = report else { Issue.record("report is not an object"); return }
        #expect(object.keys == ["ok", "runId", "message", "summary", "details"])
        #expect(report["ok"] == true)
        let runId = try #require(Self.int(report["runId"]))
        #expect(runId >= 1)

        let summary = try #require(report["summary"])
        #expect(Self.keys(summary) == [
            "totalPostsProcessed", "totalMetricsUpdated", "totalErrors", "totalSkipped", "totalWithoutData", "byPlatform",
        ])
        #expect(Self.keys(summary["byPlatform"]) == Self.platforms)
        for platform in Self.platforms {
            let tally = summary["byPlatform"]?[platform]
            #expect(Self.keys(tally) == ["processed", "updated", "errors", "skipped", "withoutData"], "byPlatform.\(platform)")
            #expect((Self.int(tally?["updated"]) ?? 0) > 0, "\(platform) posts were updated")
            #expect(tally?["errors"] == 0, "\(platform) had errors: \(JSONWriter.string(report))")
        }
        let updated = try #require(Self.int(summary["totalMetricsUpdated"]))
        #expect(updated > 0)
        #expect(summary["totalErrors"] == 0)
        #expect(summary["totalSkipped"] == 0)

        let details = Self.array(report["details"])
        #expect(details.count == 6)
        #expect(Set(details.compactMap { Self.string($0["accountId"]) }) == [
            "demo-instagram-0", "demo-instagram-1", "demo-tiktok-2", "demo-tiktok-3", "demo-facebook-4", "demo-facebook-5",
        ])
        #expect(Set(details.compactMap { Self.string($0["workspaceId"]) }) == [Self.workspaceA, Self.workspaceB])
        for detail in details {
            #expect(Self.keys(detail) == [
                "platform", "workspaceId", "accountId", "postsProcessed", "metricsUpdated", "postsSkipped", "postsWithoutData", "errors",
                "errorCount",
            ])
            #expect(detail["errors"] == [])
        }
        // The summary is the sum of the details.
        for platform in Self.platforms {
            let mine = details.filter { $0["platform"] == .string(platform) }
            #expect(mine.count == 2)
            #expect(mine.compactMap { Self.int($0["metricsUpdated"]) }.reduce(0, +) == Self.int(summary["byPlatform"]?[platform]?["updated"]))
            #expect(mine.compactMap { Self.int($0["postsProcessed"]) }.reduce(0, +) == Self.int(summary["byPlatform"]?[platform]?["processed"]))
            #expect(
                mine.compactMap { Self.int($0["postsWithoutData"]) }.reduce(0, +)
                    == Self.int(summary["byPlatform"]?[platform]?["withoutData"]))
        }
        #expect(details.compactMap { Self.int($0["metricsUpdated"]) }.reduce(0, +) == updated)
        #expect(report["message"] == .string("Refreshed metrics for \(updated) posts across 6 platform connections"))

        // The snapshots are in the database: one per updated post, with the platform's own gaps left null.
        let after = try Self.latest(daemon, workspace: Self.workspaceA) + Self.latest(daemon, workspace: Self.workspaceB)
        let fresh = Self.captured(after)
        #expect(Int64(fresh.count) == updated)
        for platform in Self.platforms {
            #expect(fresh.contains { $0["platform"] == .string(platform) }, "no \(platform) snapshot")
        }
        for metric in fresh {
            #expect(Self.int(metric["views"]) != nil, "views is a number: \(JSONWriter.string(metric))")
            switch metric["platform"] {
            case "tiktok":
                #expect(Self.int(metric["likes"]) != nil, "likes is a number: \(JSONWriter.string(metric))")
                #expect(metric["saves"] == .null, "TikTok reports no saves: \(JSONWriter.string(metric))")
            case "instagram":
                #expect(metric["impressions"] == .null, "Instagram no longer reports impressions: \(JSONWriter.string(metric))")
                #expect(Self.int(metric["reach"]) != nil)
            default:
                #expect(Self.int(metric["likes"]) != nil, "likes is a number: \(JSONWriter.string(metric))")
            }
        }
        // Instagram stories report no likes (their insights have none), but the feed posts and reels do.
        #expect(fresh.contains { $0["platform"] == "instagram" && Self.int($0["likes"]) != nil })
    }

    @Test func refreshWorkspaceTouchesOnlyItsWorkspace() throws {
        let daemon = try Self.demoDaemon()
        let report = try daemon.result("refreshWorkspace", ["workspaceId": .string(Self.workspaceA)])
        try Self.expectValid("refreshWorkspace", report)
        #expect(report["ok"] == true)
        let details = Self.array(report["details"])
        #expect(details.count == 3)
        #expect(details.allSatisfy { $0["workspaceId"] == .string(Self.workspaceA) })
        let updated = try #require(Self.int(report["summary"]?["totalMetricsUpdated"]))
        #expect(updated > 0)
        #expect(report["message"] == .string("Refreshed metrics for \(updated) posts across 3 platform connections"))

        #expect(Int64(Self.captured(try Self.latest(daemon, workspace: Self.workspaceA)).count) == updated)
        let other = try Self.latest(daemon, workspace: Self.workspaceB)
        #expect(!other.isEmpty)
        #expect(Self.captured(other).isEmpty, "the other workspace's posts were refreshed too")

        let run = try Self.runStatus(daemon, try #require(Self.int(report["runId"])))
        #expect(run["scope"] == ["kind": "workspace", "workspaceId": .string(Self.workspaceA)])
        #expect(run["status"] == "completed")
    }

    @Test func refreshAllWithPlatformsTouchesOnlyThosePlatforms() throws {
        let daemon = try Self.demoDaemon()
        let report = try daemon.result("refreshAll", ["platforms": ["tiktok"]])
        try Self.expectValid("refreshAll", report)
        let details = Self.array(report["details"])
        #expect(details.count == 2)
        #expect(details.allSatisfy { $0["platform"] == "tiktok" })
        #expect(report["summary"]?["byPlatform"]?["instagram"]?["processed"] == 0)
        let fresh = Self.captured(try Self.latest(daemon, workspace: Self.workspaceA) + Self.latest(daemon, workspace: Self.workspaceB))
        #expect(!fresh.isEmpty)
        #expect(fresh.allSatisfy { $0["platform"] == "tiktok" })
    }

    // MARK: Runs

    @Test func withoutWaitTheRunIdComesAtOnceAndRunStatusFollowsTheRun() throws {
        let daemon = try Self.demoDaemon()
        let started = try daemon.result("refreshAll", ["wait": false])
        try Self.expectValid("refreshAll", started)
        let runId = try #require(Self.int(started["runId"]))
        #expect(started == ["runId": .int(runId), "status": "running"])

        var last: JSON = .null
        try waitUntilBlocking("run \(runId) completes", timeout: 30) {
            last = try Self.runStatus(daemon, runId)
            if last["status"] == "failed" || last["status"] == "interrupted" {
                throw TestFailure("run ended \(JSONWriter.string(last))")
            }
            return last["status"] == "completed"
        }
        try Self.expectValid("runStatus", last)
        #expect(last["runId"] == .int(runId))
        #expect(last["trigger"] == "rpc")
        #expect(last["scope"] == ["kind": "all"])
        #expect(last["finishedAt"]?.isNull == false)
        #expect((Self.int(last["summary"]?["summary"]?["totalMetricsUpdated"]) ?? 0) > 0)
        #expect(Self.captured(try Self.latest(daemon, workspace: Self.workspaceA)).count > 0)
    }

    @Test func twoConcurrentRefreshAllCallsShareOneRun() throws {
        // Slow enough (Instagram at 100 calls/s per account) that the run is still going for the second call.
        let daemon = try Self.demoDaemon(instagramAccountRate: "100:10")
        let socketPath = daemon.socketPath
        let first = Background { () throws -> JSON in
            let connection = try RPCConnection(socketPath: socketPath, timeoutSeconds: 60)
            return try connection.call("refreshAll", params: [:]).get()
        }
        try waitUntilBlocking("the first call's run is running", timeout: 20) {
            Self.array(try daemon.result("listRuns")["runs"]).contains { $0["status"] == "running" }
        }
        let second = try daemon.connect(timeoutSeconds: 60).call("refreshAll", params: [:]).get()
        let firstReport = try first.value(timeout: 60)
        #expect(Self.int(firstReport["runId"]) != nil)
        #expect(firstReport["runId"] == second["runId"])
        #expect(firstReport == second)
        #expect(Self.array(try daemon.result("listRuns")["runs"]).count == 1, "the second call started a run of its own")
    }

    @Test func progressNotificationsArriveBeforeTheReplyAndEndAtTotal() throws {
        let daemon = try Self.demoDaemon(instagramAccountRate: "200:10")
        let connection = try daemon.connect(timeoutSeconds: 60)
        var notifications: [(String, JSON)] = []
        let report = try connection.call("refreshWorkspace", params: ["workspaceId": .string(Self.workspaceB), "progress": true]) {
            notifications.append(($0, $1))
        }.get()
        try Self.expectValid("refreshWorkspace", report)
        let runId = try #require(Self.int(report["runId"]))

        try #require(!notifications.isEmpty, "no progress notification before the reply")
        #expect(notifications.allSatisfy { $0.0 == "progress" })
        let updates = notifications.map(\.1)
        #expect(updates.allSatisfy { Self.keys($0) == ["runId", "done", "total"] && $0["runId"] == .int(runId) })
        let done = updates.compactMap { Self.int($0["done"]) }
        let totals = Set(updates.compactMap { Self.int($0["total"]) })
        #expect(done.count == updates.count)
        #expect(totals.count == 1, "total changed during the run: \(totals)")
        let total = try #require(totals.first)
        #expect(zip(done, done.dropFirst()).allSatisfy { $0 <= $1 }, "done went backwards: \(done)")
        #expect(done.allSatisfy { $0 >= 0 && $0 <= total })
        #expect(done.first == 0, "a new run's first notification is sent at once, with done 0")
        #expect(done.last == total)
        let schema = try OpenRPCSchema.loadProjectDocument()
        for (index, params) in updates.enumerated() {
            let violations = schema.validator.validate(params, against: ["$ref": "#/components/schemas/RefreshProgress"], at: "params[\(index)]")
            #expect(violations == [], "progress params do not match Schemas/openrpc.json")
        }
        let summary = report["summary"]
        #expect(total == (Self.int(summary?["totalPostsProcessed"]) ?? -1) + (Self.int(summary?["totalSkipped"]) ?? -1))

        // Nothing more arrives after the reply: the next call on the connection sees no stray notification.
        var late: [String] = []
        _ = try connection.call("health", params: nil) { name, _ in late.append(name) }.get()
        #expect(late.isEmpty)

        // Without progress: true, no notification at all.
        var unasked: [String] = []
        _ = try connection.call("refreshWorkspace", params: ["workspaceId": .string(Self.workspaceA)]) { name, _ in
            unasked.append(name)
        }.get()
        #expect(unasked.isEmpty)
    }

    @Test func listRunsIsNewestFirstAndHealthShowsTheLastRun() throws {
        let daemon = try Self.demoDaemon()
        #expect(try daemon.result("listRuns")["runs"] == [])
        #expect(try daemon.result("health")["lastRun"] == .null)
        let first = try #require(Self.int(try daemon.result("refreshWorkspace", ["workspaceId": .string(Self.workspaceA)])["runId"]))
        let second = try #require(Self.int(try daemon.result("refreshWorkspace", ["workspaceId": .string(Self.workspaceB)])["runId"]))
        let third = try #require(Self.int(try daemon.result("refreshAll", ["platforms": ["facebook", "instagram"]])["runId"]))
        #expect(first < second && second < third)

        let listed = try daemon.result("listRuns")
        try Self.expectValid("listRuns", listed)
        let runs = Self.array(listed["runs"])
        #expect(runs.compactMap { Self.int($0["runId"]) } == [third, second, first])
        #expect(runs.allSatisfy { $0["status"] == "completed" && $0["trigger"] == "rpc" })
        #expect(runs.map { $0["scope"] } == [
            ["kind": "all", "platforms": ["facebook", "instagram"]],
            ["kind": "workspace", "workspaceId": .string(Self.workspaceB)],
            ["kind": "workspace", "workspaceId": .string(Self.workspaceA)],
        ])
        #expect(Self.array(try daemon.result("listRuns", ["limit": 2])["runs"]).compactMap { Self.int($0["runId"]) } == [third, second])

        let health = try daemon.result("health")
        try Self.expectValid("health", health)
        #expect(health["status"] == "ok")
        let lastRun = try #require(health["lastRun"])
        #expect(Self.int(lastRun["runId"]) == third)
        #expect(lastRun["status"] == "completed")
        #expect(lastRun["trigger"] == "rpc")
        #expect(lastRun["finishedAt"]?.isNull == false)
    }

    @Test func aRunLeftRunningByAKilledDaemonIsInterruptedAfterRestart() throws {
        // Instagram at 2 calls/s per account: the run lasts far longer than the test needs it to.
        let arguments = Self.demoArguments(instagramAccountRate: "2:1")
        let daemon = try DaemonProcess(arguments: arguments)
        let runId = try #require(Self.int(try daemon.result("refreshAll", ["wait": false])["runId"]))
        try waitUntilBlocking("run \(runId) is running", timeout: 10) {
            try Self.runStatus(daemon, runId)["status"] == "running"
        }
        try daemon.kill()

        // Same directory, so the same database; `daemon` stays alive (its deinit deletes the directory).
        let restarted = try DaemonProcess(arguments: arguments, directory: daemon.directory)
        let run = try Self.runStatus(restarted, runId)
        try Self.expectValid("runStatus", run)
        #expect(run["status"] == "interrupted")
        #expect(run["finishedAt"]?.isNull == false)
        #expect(run["summary"] == .null)
        let lastRun = try restarted.result("health")["lastRun"]
        #expect(lastRun?["runId"] == .int(runId))
        #expect(lastRun?["status"] == "interrupted")

        // The next run gets a new id; the interrupted one is not resumed under it.
        let next = try #require(Self.int(try restarted.result("refreshAll", ["wait": false, "platforms": ["tiktok"]])["runId"]))
        #expect(next > runId)
        withExtendedLifetime(daemon) {}
    }

    // MARK: Errors

    @Test func unknownIdsAreNotFoundNamingTheField() throws {
        let daemon = try Self.demoDaemon()
        let sync = try #require(try daemon.call("syncPosts", ["accountId": "nobody"]).failure)
        #expect(sync.code == -32001)
        #expect(sync.data?["field"] == "accountId")
        try Self.expectValidError("syncPosts", sync)

        let workspace = try #require(try daemon.call("refreshWorkspace", ["workspaceId": "nowhere"]).failure)
        #expect(workspace.code == -32001)
        #expect(workspace.data?["field"] == "workspaceId")
        try Self.expectValidError("refreshWorkspace", workspace)

        let run = try #require(try daemon.call("runStatus", ["runId": 999]).failure)
        #expect(run.code == -32001)
        #expect(run.data?["field"] == "runId")
        try Self.expectValidError("runStatus", run)

        // None of these started a run.
        #expect(try daemon.result("listRuns")["runs"] == [])
    }

    @Test func syncPostsOnAKnownAccountFindsNothingNewAfterTheDemoDiscoveredIt() throws {
        let daemon = try Self.demoDaemon()
        let result = try daemon.result("syncPosts", ["accountId": "demo-tiktok-2"])
        try Self.expectValid("syncPosts", result)
        #expect((Self.int(result["discovered"]) ?? 0) > 0)
        #expect(result["registered"] == 0)
    }

    // MARK: metricsctl

    static func metricsctl(_ arguments: [String], _ daemon: DaemonProcess) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProcess(DaemonProcess.executable("metricsctl"), arguments + ["--socket", daemon.socketPath])
    }

    @Test func metricsctlRefreshPrintsTheReportAsJSONAndAsTables() throws {
        let daemon = try Self.demoDaemon()

        let json = try Self.metricsctl(["refresh", "--json"], daemon)
        try #require(json.status == 0, "metricsctl refresh --json exited \(json.status): \(json.stderr)")
        #expect(json.stderr == "", "progress is drawn only on a terminal")
        let report = try JSONParser.parse(json.stdout)
        try Self.expectValid("refreshAll", report)
        #expect(report["ok"] == true)
        #expect(Self.array(report["details"]).count == 6)
        let firstRun = try #require(Self.int(report["runId"]))

        let human = try Self.metricsctl(["refresh", "--workspace", Self.workspaceA], daemon)
        try #require(human.status == 0, "metricsctl refresh exited \(human.status): \(human.stderr)")
        #expect(human.stderr == "")
        #expect(!human.stdout.contains("\u{1B}"), "no colour or cursor codes in a pipe")
        let lines = human.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.first)
        #expect(header.hasPrefix("run \(firstRun + 1): Refreshed metrics for "))
        #expect(header.hasSuffix(" posts across 3 platform connections"))
        let platformHeader = try #require(lines.first { $0.hasPrefix("PLATFORM ") })
        #expect(platformHeader.split(separator: " ") == ["PLATFORM", "PROCESSED", "UPDATED", "NO-DATA", "ERRORS", "SKIPPED"])
        for row in ["facebook", "instagram", "tiktok", "total"] {
            let cells = try #require(lines.first { $0.hasPrefix(row + " ") }, "no \(row) row").split(separator: " ")
            #expect(cells.count == 6, "\(row): \(cells)")
        }
        let accountHeader = try #require(lines.first { $0.hasPrefix("ACCOUNT ") })
        #expect(accountHeader.split(separator: " ") == ["ACCOUNT", "WORKSPACE", "PLATFORM", "PROCESSED", "UPDATED", "NO-DATA", "ERRORS", "SKIPPED"])
        for account in ["demo-instagram-0", "demo-tiktok-2", "demo-facebook-4"] {
            let cells = try #require(lines.first { $0.hasPrefix(account + " ") }, "no \(account) row").split(separator: " ")
            #expect(cells.count == 8)
            #expect(cells.dropFirst().first == Substring(Self.workspaceA))
        }
        #expect(!lines.contains { $0.hasPrefix("demo-instagram-1 ") }, "an account of the other workspace is listed")
        #expect(!human.stdout.contains("errors ("), "an error section without errors")

        // runs and run
        let runs = try Self.metricsctl(["runs"], daemon)
        try #require(runs.status == 0, "\(runs.stderr)")
        let runLines = runs.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(runLines.first?.hasPrefix("RUN ") == true)
        #expect(runLines.dropFirst().map { $0.split(separator: " ").first.map(String.init) } == ["\(firstRun + 1)", "\(firstRun)"])
        #expect(runLines.dropFirst().first?.contains("workspace \(Self.workspaceA)") == true)

        let run = try Self.metricsctl(["run", String(firstRun)], daemon)
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("status:   completed"))
        #expect(run.stdout.contains("scope:    all"))
        #expect(run.stdout.contains("run \(firstRun): Refreshed metrics for "))

        let unknown = try Self.metricsctl(["run", "999"], daemon)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("field: runId"))

        let usage = try Self.metricsctl(["refresh", "--workspace", Self.workspaceA, "--platform", "tiktok"], daemon)
        #expect(usage.status == 3)
    }

    @Test func metricsctlRefreshNoWaitPrintsTheRunId() throws {
        let daemon = try Self.demoDaemon()
        let started = try Self.metricsctl(["refresh", "--no-wait", "--platform", "tiktok"], daemon)
        try #require(started.status == 0, "\(started.stderr)")
        let runId = try #require(Int64(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        try waitUntilBlocking("run \(runId) completes", timeout: 30) {
            try Self.runStatus(daemon, runId)["status"] == "completed"
        }
        #expect(try Self.runStatus(daemon, runId)["scope"] == ["kind": "all", "platforms": ["tiktok"]])

        let json = try Self.metricsctl(["refresh", "--no-wait", "--json"], daemon)
        try #require(json.status == 0, "\(json.stderr)")
        let result = try JSONParser.parse(json.stdout)
        #expect(result["status"] == "running")
        #expect(Self.int(result["runId"]) == runId + 1)
    }
}
