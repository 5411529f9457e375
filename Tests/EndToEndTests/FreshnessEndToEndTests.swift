import Foundation
import JSON
import JSONRPC
import MetricsCore
import TestSupport
import Testing

/// Freshness through the socket, as a sibling service or an operator sees it: due times on posts, `dueOnly`
/// refreshes, the freshness report, and a stop that keeps what was already fetched.
@Suite(.ownThread) struct FreshnessEndToEndTests {
    static func posts(_ daemon: DaemonProcess, workspace: String) throws -> [JSON] {
        var all: [JSON] = []
        var cursor: JSON = nil
        repeat {
            let page = try daemon.result("listPosts", ["workspaceId": .string(workspace), "limit": 1000, "cursor": cursor])
            guard case .array(let posts)? = page["posts"] else { throw TestFailure("no posts in \(page)") }
            all += posts
            cursor = page["nextCursor"] ?? nil
        } while !(cursor.isNull)
        return all
    }

    @Test func aFullRefreshSetsDueTimesAndDueOnlyThenFindsNothingDue() throws {
        let daemon = try RefreshEndToEndTests.demoDaemon()
        let workspace = RefreshEndToEndTests.workspaceA
        let before = try Self.posts(daemon, workspace: workspace).filter { $0["externalPostId"] != nil && !($0["externalPostId"]!.isNull) }
        let inWindow = before.filter { $0["nextDueAt"].map { !$0.isNull } ?? false }
        #expect(!inWindow.isEmpty)
        #expect(inWindow.allSatisfy { $0["refreshState"] == "due" })  // registered, never fetched: due at once

        let dueOnlyFirst = try daemon.result("refreshWorkspace", ["workspaceId": .string(workspace), "dueOnly": true])
        guard case .number(let processed)? = dueOnlyFirst["summary"]?["totalPostsProcessed"], let count = processed.int64 else {
            throw TestFailure("no summary in \(dueOnlyFirst)")
        }
        #expect(count == Int64(inWindow.count))

        let after = try Self.posts(daemon, workspace: workspace)
        let now = SystemClock().now
        for post in after where post["lastRefreshedAt"].map({ !$0.isNull }) ?? false {
            #expect(post["refreshState"] == "ok")
            guard case .string(let next)? = post["nextDueAt"], let due = Timestamp(iso8601: next) else { continue }
            #expect(due > now)
            #expect(post["consecutiveFailures"] == 0)
        }
        // Nothing is due any more: a dueOnly refresh touches nothing, a full one everything again.
        let dueOnlyAgain = try daemon.result("refreshWorkspace", ["workspaceId": .string(workspace), "dueOnly": true])
        #expect(dueOnlyAgain["summary"]?["totalPostsProcessed"] == 0)
        let full = try daemon.result("refreshWorkspace", ["workspaceId": .string(workspace)])
        #expect(full["summary"]?["totalPostsProcessed"] == .int(count))
        let runs = try daemon.result("listRuns", ["limit": 1])
        if case .array(let list)? = runs["runs"], let last = list.first {
            #expect(last["scope"] == ["kind": "workspace", "workspaceId": .string(workspace)])
        }
    }

    @Test func freshnessReportsEveryBandAndTheBudgets() throws {
        let daemon = try RefreshEndToEndTests.demoDaemon()
        try daemon.result("refreshAll")
        let report = try daemon.result("freshness")
        guard case .array(let bands)? = report["bands"] else { throw TestFailure("no bands in \(report)") }
        #expect(bands.map { $0["band"] } == ["<1d", "1d-7d", "7d-30d"])
        #expect(bands.map { $0["targetIntervalSeconds"] } == [3600, 21_600, 86_400])
        let posts = bands.compactMap { band -> Int64? in if case .number(let n)? = band["posts"] { n.int64 } else { nil } }
        #expect(posts.reduce(0, +) > 0)
        for band in bands where band["posts"] != 0 {
            #expect(band["neverRefreshed"] == 0)
            #expect(band["due"] == 0)
            #expect(band["stalenessSeconds"] != nil && band["stalenessSeconds"] != .null)
        }
        guard case .array(let platforms)? = report["platforms"], case .array(let accounts)? = report["accounts"] else {
            throw TestFailure("no budgets in \(report)")
        }
        #expect(Set(platforms.compactMap { platform -> String? in if case .string(let name)? = platform["platform"] { name } else { nil } }) == ["instagram", "tiktok", "facebook"])
        #expect(accounts.count == 6)
        for account in accounts {
            guard case .number(let calls)? = account["callsLastHour"], let count = calls.int64 else { continue }
            #expect(count > 0)  // the refresh just made them
        }
        // By workspace: only its accounts; an unknown workspace is not found.
        guard case .array(let scoped)? = try daemon.result("freshness", ["workspaceId": .string(RefreshEndToEndTests.workspaceA)])["accounts"]
        else { throw TestFailure("no accounts") }
        #expect(scoped.count == 3)
        guard case .failure(let error) = try daemon.call("freshness", ["workspaceId": "nope"]) else {
            Issue.record("freshness of an unknown workspace answered")
            return
        }
        #expect(error.code == -32001)
    }

    @Test func aStopOneSecondIntoARefreshKeepsWhatWasFetched() throws {
        let directory = try DaemonProcess.makeTemporaryDirectory()
        let now = SystemClock().now
        let count = 200
        let simulator = try SimulatorProcess(
            config: [
                "seed": [
                    "accounts": [["platform": "instagram", "id": "17841400000000001", "accessToken": "IGQ-token"]],
                    "posts": .array((0..<count).map { index in
                        ["id": .string("1790000000000\(1000 + index)"), "account": "17841400000000001", "mediaProductType": "FEED",
                         "createdAt": .string(now.adding(days: -2).iso8601)]
                    }),
                ],
            ],
            directory: directory, manualClock: false)
        // 20 calls a second, one at a time: the refresh takes about 10 s, the stop comes after about 1.
        let daemon = try DaemonProcess(
            arguments: ["--no-schedule", "--instagram-url", simulator.baseURL, "--account-rate", "instagram=20:1"], directory: directory)
        try daemon.result("upsertWorkspace", ["w", "Studio"])
        try daemon.result("upsertAccount", [
            "id": "ig", "workspaceId": "w", "platform": "instagram", "externalAccountId": "17841400000000001", "accessToken": "IGQ-token",
        ])
        try daemon.result("upsertPosts", ["posts": .array((0..<count).map { index in
            ["id": .string("p\(index)"), "accountId": "ig", "externalPostId": .string("1790000000000\(1000 + index)"),
             "postedAt": .string(now.adding(days: -2).iso8601), "mediaProductType": "FEED"]
        })])
        try daemon.result("refreshAll", ["wait": false])
        try waitUntilBlocking("about a second of calls", timeout: 20) { try simulator.requests("instagram.insights") >= 20 }
        #expect(try daemon.terminate() == 0)
        let answered = try simulator.requests("instagram.insights")
        #expect(answered < Int64(count))  // it really was stopped mid-run

        let restarted = try DaemonProcess(arguments: ["--no-schedule", "--instagram-url", simulator.baseURL], directory: directory)
        let fetched = try Self.posts(restarted, workspace: "w").filter { $0["lastRefreshedAt"].map { !$0.isNull } ?? false }.count
        // Every answered call's snapshot was committed, but for the one on the wire when the stop came.
        #expect(Int64(fetched) >= answered - 1)
        let run = try restarted.result("listRuns", ["limit": 1])
        if case .array(let runs)? = run["runs"] { #expect(runs.first?["status"] == "interrupted") }
    }
}

/// `metricsctl freshness` as an operator reads it.
@Suite(.ownThread) struct FreshnessCommandTests {
    @Test func freshnessPrintsBandsAndBudgetsAsTablesAndAsJSON() throws {
        let daemon = try RefreshEndToEndTests.demoDaemon()
        try daemon.result("refreshAll")
        let json = try MetricsctlTests.json(["freshness", "--workspace", RefreshEndToEndTests.workspaceA], daemon: daemon)
        #expect(json["cadence"] == "ladder")
        let run = try MetricsctlTests.metricsctl(["freshness", "--accounts"], daemon: daemon)
        #expect(run.status == 0)
        let lines = MetricsctlTests.lines(run.stdout)
        #expect(lines.first?.hasPrefix("as of ") == true)
        let header = try #require(lines.first { $0.hasPrefix("AGE") })
        #expect(header.contains("STALE P50") && header.contains("OVERDUE"))
        #expect(lines.contains { $0.hasPrefix("<1d") && $0.contains("1h 00m 00s") })
        #expect(lines.contains { $0.hasPrefix("7d-30d") && $0.contains("1d 0h 00m") })
        #expect(lines.contains { $0.hasPrefix("instagram") && $0.contains("(all)") })
        #expect(lines.contains { $0.contains("demo-tiktok-2") })
        let unknown = try MetricsctlTests.metricsctl(["freshness", "--workspace", "nope"], daemon: daemon)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("nope"))
    }
}
