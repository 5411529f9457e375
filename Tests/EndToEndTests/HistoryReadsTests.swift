import Foundation
import JSON
import JSONRPC
import Testing

/// The history reads through the socket, against values computed by hand from imported snapshots: a workspace in
/// New York (UTC−5 in November), snapshots on both sides of local midnight, a counter that drops.
@Suite(.ownThread) struct HistoryReadsTests {
    /// p1, p2, p4 on Instagram, p3 on TikTok; snapshots (UTC, with New York's local day):
    /// p1: 11-22T12:00 (22nd) v100 l10 r80 · 11-23T04:30 (22nd, 23:30) v150 l12 r100 · 11-23T06:00 (23rd) v140 l12 r100
    ///     (dropped) · 11-24T12:00 (24th) v200 l20 r150 c5
    /// p2: 11-23T12:00 v50 l5 · 11-24T12:00 v80 l9
    /// p3: 11-24T03:00 (23rd, 22:00) v1000 l40 s2 · 11-24T20:00 (24th) v1600 l70 s5
    /// p4: 11-24T12:00 v100 l1
    static func daemon() throws -> DaemonProcess {
        let daemon = try DaemonProcess(arguments: ["--no-schedule", "--keep-raw-days", "0"])
        try daemon.result("upsertWorkspace", ["id": "w", "name": "Studio", "timeZone": "America/New_York"])
        try daemon.result("upsertAccount", ["id": "ig", "workspaceId": "w", "platform": "instagram", "externalAccountId": "1", "accessToken": "t"])
        try daemon.result("upsertAccount", ["id": "tt", "workspaceId": "w", "platform": "tiktok", "externalAccountId": "2", "accessToken": "t"])
        try daemon.result("upsertPosts", ["posts": [
            ["id": "p1", "accountId": "ig", "externalPostId": "e1", "postedAt": "2026-11-20T15:00:00Z"],
            ["id": "p2", "accountId": "ig", "externalPostId": "e2", "postedAt": "2026-11-21T15:00:00Z"],
            ["id": "p3", "accountId": "tt", "externalPostId": "e3", "postedAt": "2026-11-22T15:00:00Z"],
            ["id": "p4", "accountId": "ig", "externalPostId": "e4", "postedAt": "2026-11-20T15:30:00Z"],
        ]])
        try daemon.result("importMetrics", ["snapshots": [
            ["postId": "p1", "capturedAt": "2026-11-22T12:00:00Z", "views": 100, "likes": 10, "reach": 80],
            ["postId": "p1", "capturedAt": "2026-11-23T04:30:00Z", "views": 150, "likes": 12, "reach": 100],
            ["postId": "p1", "capturedAt": "2026-11-23T06:00:00Z", "views": 140, "likes": 12, "reach": 100],
            ["postId": "p1", "capturedAt": "2026-11-24T12:00:00Z", "views": 200, "likes": 20, "reach": 150, "comments": 5],
            ["postId": "p2", "capturedAt": "2026-11-23T12:00:00Z", "views": 50, "likes": 5],
            ["postId": "p2", "capturedAt": "2026-11-24T12:00:00Z", "views": 80, "likes": 9],
            ["postId": "p3", "capturedAt": "2026-11-24T03:00:00Z", "views": 1000, "likes": 40, "shares": 2],
            ["postId": "p3", "capturedAt": "2026-11-24T20:00:00Z", "views": 1600, "likes": 70, "shares": 5],
            ["postId": "p4", "capturedAt": "2026-11-24T12:00:00Z", "views": 100, "likes": 1],
        ]])
        return daemon
    }

    static func values(_ points: JSON?, _ key: String) -> [JSON] {
        guard case .array(let list)? = points else { return [] }
        return list.map { $0[key] ?? .null }
    }

    @Test func seriesByLocalDayAndWeekForAWorkspaceAndAPost() throws {
        let daemon = try Self.daemon()
        let days = try daemon.result("series", [
            "workspaceId": "w", "metric": "views", "interval": "day", "since": "2026-11-22T12:00:00Z", "until": "2026-11-24T23:00:00Z",
        ])
        #expect(Self.values(days["points"], "bucket") == ["2026-11-22", "2026-11-23", "2026-11-24"])
        #expect(Self.values(days["points"], "start") == ["2026-11-22T05:00:00.000Z", "2026-11-23T05:00:00.000Z", "2026-11-24T05:00:00.000Z"])
        #expect(Self.values(days["points"], "value") == [150, 1190, 1980])
        #expect(Self.values(days["points"], "increase") == [nil, 1040, 790])
        let post = try daemon.result("series", [
            "postIds": ["p1"], "metric": "views", "interval": "day", "since": "2026-11-22T12:00:00Z", "until": "2026-11-24T23:00:00Z",
        ])
        guard case .array(let series)? = post["series"], let p1 = series.first else { throw TestFailure("no series") }
        #expect(Self.values(p1["points"], "value") == [150, 140, 200])
        #expect(Self.values(p1["points"], "increase") == [nil, -10, 60])
        let weeks = try daemon.result("series", [
            "workspaceId": "w", "metric": "views", "interval": "week", "since": "2026-11-22T12:00:00Z", "until": "2026-11-24T23:00:00Z",
        ])
        #expect(Self.values(weeks["points"], "bucket") == ["2026-11-16", "2026-11-23"])
        #expect(Self.values(weeks["points"], "value") == [150, 1980])
        #expect(Self.values(weeks["points"], "increase") == [nil, 1830])
        let tiktokOnly = try daemon.result("series", [
            "workspaceId": "w", "platform": "tiktok", "metric": "saves", "interval": "day", "since": "2026-11-23T12:00:00Z",
            "until": "2026-11-24T12:00:00Z",
        ])
        #expect(Self.values(tiktokOnly["points"], "value") == [nil, nil])  // TikTok reports no saves: null, not 0
    }

    @Test func deltasComparesWithTheNewestSnapshotAPeriodBefore() throws {
        let daemon = try Self.daemon()
        let day = try daemon.result("deltas", ["postIds": ["p1", "p4"], "period": "day"])
        guard case .array(let entries)? = day["deltas"], entries.count == 2 else { throw TestFailure("no deltas in \(day)") }
        let p1 = entries[0]
        #expect(p1["now"]?["capturedAt"] == "2026-11-24T12:00:00.000Z")
        #expect(p1["before"]?["capturedAt"] == "2026-11-23T06:00:00.000Z")
        #expect(p1["changes"]?["views"] == ["change": 60, "changePercent": .number(JSONNumber(60.0 / 140 * 100)!)])
        #expect(p1["changes"]?["comments"] == ["change": nil, "changePercent": nil])  // no comments a day before
        #expect(entries[1]["before"] == .null)  // p4 has one snapshot only
        #expect(entries[1]["changes"]?["views"] == ["change": nil, "changePercent": nil])
        let week = try daemon.result("deltas", ["workspaceId": "w", "period": "week", "limit": 2])
        guard case .array(let page)? = week["deltas"] else { throw TestFailure("no page") }
        #expect(page.map { $0["postId"] } == ["p3", "p2"])  // newest posts first, as listPosts
        #expect(page.allSatisfy { $0["before"] == .null })
        #expect(week["nextCursor"] != .null)
        guard case .failure(let error) = try daemon.call("deltas", ["postIds": ["p1", "nope"], "period": "day"]) else {
            Issue.record("an unknown post was answered")
            return
        }
        #expect(error.data?["field"] == "postIds[1]")
    }

    @Test func topPostsByValueByIncreaseAndByEngagementRate() throws {
        let daemon = try Self.daemon()
        let byValue = try daemon.result("topPosts", ["workspaceId": "w", "metric": "views", "by": "value"])
        #expect(Self.values(byValue["posts"], "postId") == ["p3", "p1", "p4", "p2"])
        #expect(Self.values(byValue["posts"], "value") == [1600, 200, 100, 80])
        let byIncrease = try daemon.result("topPosts", [
            "workspaceId": "w", "metric": "views", "by": "increase", "since": "2026-11-23T12:00:00Z", "until": "2026-11-24T12:00:00Z",
        ])
        #expect(Self.values(byIncrease["posts"], "postId") == ["p3", "p4", "p1", "p2"])
        #expect(Self.values(byIncrease["posts"], "value") == [1000, 100, 60, 30])
        #expect(Self.values(byIncrease["posts"], "from") == [0, 0, 140, 50])
        let byRate = try daemon.result("topPosts", ["workspaceId": "w", "metric": "engagementRate", "by": "value", "limit": 3])
        #expect(Self.values(byRate["posts"], "postId") == ["p1", "p2", "p3"])
        #expect(Self.values(byRate["posts"], "value") == [
            .number(JSONNumber(25.0 / 150)!), .number(JSONNumber(9.0 / 80)!), .number(JSONNumber(75.0 / 1600)!),
        ])
        let latest = try daemon.result("latestMetrics", ["postIds": ["p1", "p3"]])
        #expect(Self.values(latest["metrics"], "engagementRate") == [.number(JSONNumber(25.0 / 150)!), .number(JSONNumber(75.0 / 1600)!)])
    }

    @Test func bestTimesMediansBySlotOfTheWeek() throws {
        let daemon = try Self.daemon()
        let times = try daemon.result("bestTimes", ["workspaceId": "w", "metric": "views"])
        // p1 and p4: published Friday 10:xx in New York (slot 4 × 24 + 10), values 200 and 100 at 7 days: median 150.
        #expect(times["best"] == [["weekday": "friday", "hour": 10, "posts": 2, "median": 150]])
        guard case .array(let grid)? = times["grid"] else { throw TestFailure("no grid") }
        #expect(grid.count == 168)
        #expect(grid[130] == ["weekday": "saturday", "hour": 10, "posts": 1, "median": nil])  // p2 alone
    }

    @Test func anomaliesFlagTheOneThatTookOffAmongItsPeers() throws {
        let daemon = try DaemonProcess(arguments: ["--no-schedule", "--keep-raw-days", "0"])
        try daemon.result("upsertWorkspace", ["id": "wa", "name": "A"])
        try daemon.result("upsertAccount", ["id": "tt", "workspaceId": "wa", "platform": "tiktok", "externalAccountId": "2", "accessToken": "t"])
        let increases: [Int64] = [100, 101, 102, 103, 104, 105, 106, 107, 5000]
        try daemon.result("upsertPosts", ["posts": .array(increases.indices.map { index in
            ["id": .string("v\(index)"), "accountId": "tt", "externalPostId": .string("e\(index)"), "postedAt": "2026-11-20T00:00:00Z"]
        })])
        try daemon.result("importMetrics", ["snapshots": .array(increases.enumerated().flatMap { index, increase -> [JSON] in
            [
                ["postId": .string("v\(index)"), "capturedAt": "2026-11-23T12:00:00Z", "views": 1000],
                ["postId": .string("v\(index)"), "capturedAt": "2026-11-24T12:00:00Z", "views": .int(1000 + increase)],
            ]
        })])
        let report = try daemon.result("anomalies", ["workspaceId": "wa", "since": "2026-11-24T00:00:00Z"])
        // Median 104; absolute deviations 0,1,1,2,2,3,3,4,4896: MAD 2; z = 0.6745 × 4896 / 2.
        #expect(report["anomalies"] == [[
            "postId": "v8", "platform": "tiktok", "ageDays": 4, "day": "2026-11-24", "expected": 104, "actual": 5000,
            "score": .number(JSONNumber(0.6745 * 4896 / 2)!),
        ]])
        #expect(report["groupsScored"] == 1)
        #expect(report["groupsSkipped"] == 0)
    }

    @Test func exportWalksTheHistoryAsCSVAndNDJSON() throws {
        let daemon = try Self.daemon()
        var lines: [String] = []
        var cursor: JSON = nil
        repeat {
            let page = try daemon.result("export", ["workspaceId": "w", "format": "csv", "limit": 4, "cursor": cursor])
            guard case .array(let part)? = page["lines"] else { throw TestFailure("no lines") }
            lines += part.compactMap { if case .string(let line) = $0 { line } else { nil } }
            cursor = page["nextCursor"] ?? nil
        } while !cursor.isNull
        #expect(lines.first == "postId,platform,capturedAt,impressions,views,reach,likes,comments,shares,saves")
        #expect(lines.count == 1 + 9)
        #expect(lines[1] == "p1,instagram,2026-11-22T12:00:00.000Z,,100,80,10,,,")
        let daily = try daemon.result("export", ["workspaceId": "w", "format": "ndjson", "of": "daily", "until": "2026-11-23T23:59:59Z"])
        guard case .array(let rows)? = daily["lines"], case .string(let first)? = rows.first else { throw TestFailure("no rows") }
        #expect(try JSONParser.parse(first)["day"] == "2026-11-22")
        #expect(try JSONParser.parse(first)["views"] == 150)
    }
}
