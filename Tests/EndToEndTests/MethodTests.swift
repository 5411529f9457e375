import Foundation
import JSON
import JSONRPC
import RPCClient
import TestSupport
import Testing

/// Every method through the socket, as a sibling service would call it.
@Suite(.serialized, .ownThread) struct MethodTests {
    @Test func registrationThenListingsNeverShowTokens() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        let accounts = try daemon.result("listAccounts", ["workspaceId": "w1"])
        guard case .array(let list)? = accounts["accounts"] else { Issue.record("no accounts"); return }
        #expect(list.map { $0["id"] } == ["ig", "tt"])
        #expect(list.allSatisfy { $0["status"] == "connected" && $0["postCount"] == 3 })
        #expect(list.first { $0["id"] == "tt" }?["hasRefreshToken"] == true)
        let raw = JSONWriter.string(accounts) + JSONWriter.string(try daemon.result("listPosts", nil))
        #expect(!raw.contains(Fixtures.instagramToken))
        #expect(!raw.contains("rft.secret-refresh"))
        // Not in the log either, even at debug level.
        #expect(!daemon.stderrText().contains(Fixtures.instagramToken))
    }

    @Test func upsertsReportCreatedThenUpdated() throws {
        let daemon = try DaemonProcess()
        #expect(try daemon.result("upsertWorkspace", ["w", "Name"])["created"] == true)
        #expect(try daemon.result("upsertWorkspace", ["id": "w", "name": "Renamed"])["created"] == false)
        try daemon.result("upsertAccount", ["a", "w", "tiktok", "open-id", "act.1"])
        let post: JSON = ["id": "p", "accountId": "a", "externalPostId": "v1", "postedAt": "2026-11-20T00:00:00Z"]
        #expect(try daemon.result("upsertPosts", ["posts": [post]]) == ["created": 1, "updated": 0])
        #expect(try daemon.result("upsertPosts", [[post]]) == ["created": 0, "updated": 1])
    }

    @Test func oneInvalidPostIsNamedAndNothingIsWritten() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon, postsPerAccount: 0)
        var posts: [JSON] = (0..<5).map { ["id": .string("n\($0)"), "accountId": "ig", "externalPostId": .string("e\($0)"), "postedAt": "2026-11-20T00:00:00Z"] }
        posts[3] = ["id": "n3", "accountId": "ig", "externalPostId": "e3", "postedAt": "last tuesday"]
        let error = try #require(try daemon.call("upsertPosts", ["posts": .array(posts)]).failure)
        #expect(error.code == -32602)
        #expect(error.data?["field"] == "posts[3].postedAt")
        posts[3] = ["id": "n3", "accountId": "nobody", "externalPostId": "e3", "postedAt": "2026-11-20T00:00:00Z"]
        let missing = try #require(try daemon.call("upsertPosts", ["posts": .array(posts)]).failure)
        #expect(missing.code == -32001)
        #expect(missing.data == ["field": "posts[3].accountId", "id": "nobody"])
        posts[4] = posts[0]
        let duplicate = try #require(try daemon.call("upsertPosts", ["posts": .array(posts)]).failure)
        #expect(duplicate.data?["field"] == "posts[4].id")
        #expect(try daemon.result("listPosts")["posts"] == [])
    }

    @Test func tenThousandPostsFitOneCallAndOneMoreIsRefused() throws {
        let daemon = try DaemonProcess(arguments: ["--max-request-bytes", "4194304"])
        try Fixtures.register(daemon, postsPerAccount: 0)
        let posts: [JSON] = (0..<10_000).map { ["id": .string("p\($0)"), "accountId": "tt", "externalPostId": .string("\($0)"), "postedAt": "2026-11-20T00:00:00Z"] }
        #expect(try daemon.result("upsertPosts", ["posts": .array(posts)])["created"] == 10_000)
        let tooMany = try #require(try daemon.call("upsertPosts", ["posts": .array(posts + [posts[0]])]).failure)
        #expect(tooMany.data?["field"] == "posts")
    }

    @Test func latestMetricsByPostsAndByWorkspace() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        try daemon.result("importMetrics", ["snapshots": [
            Fixtures.snapshot("ig-0", "2026-11-24T10:00:00.000Z", views: 100, likes: 5),
            Fixtures.snapshot("ig-0", "2026-11-24T11:00:00.000Z", views: 150, likes: nil),
        ]])
        let byPost = try daemon.result("latestMetrics", ["postIds": ["ig-0", "tt-1"]])
        #expect(byPost["metrics"] == [
            ["postId": "ig-0", "platform": "instagram", "capturedAt": "2026-11-24T11:00:00.000Z", "impressions": nil,
             "views": 150, "reach": nil, "likes": nil, "comments": nil, "shares": nil, "saves": nil, "engagementRate": nil],
            ["postId": "tt-1", "platform": "tiktok", "capturedAt": nil, "impressions": nil, "views": nil, "reach": nil,
             "likes": nil, "comments": nil, "shares": nil, "saves": nil, "engagementRate": nil],
        ])
        let byWorkspace = try daemon.result("latestMetrics", ["workspaceId": "w1", "platform": "tiktok", "limit": 2])
        guard case .array(let rows)? = byWorkspace["metrics"] else { Issue.record("no metrics"); return }
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["platform"] == "tiktok" })

        let both = try #require(try daemon.call("latestMetrics", ["postIds": ["ig-0"], "workspaceId": "w1"]).failure)
        #expect(both.data?["field"] == "workspaceId")
        let unknown = try #require(try daemon.call("latestMetrics", [["ig-0", "ghost"]]).failure)
        #expect(unknown.code == -32001)
        #expect(unknown.data?["field"] == "postIds[1]")
        let badPlatform = try #require(try daemon.call("latestMetrics", ["workspaceId": "w1", "platform": "myspace"]).failure)
        #expect(badPlatform.data?["field"] == "platform")
    }

    @Test func latestMetricsByWorkspacePagesInListPostsOrder() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon, postsPerAccount: 5)
        var seen: [JSON] = []
        var cursor: JSON = nil
        var pages = 0
        repeat {
            let page = try daemon.result("latestMetrics", ["workspaceId": "w1", "limit": 3, "cursor": cursor])
            guard case .array(let rows)? = page["metrics"] else { throw TestFailure("no metrics in \(page)") }
            seen += rows.compactMap { $0["postId"] }
            cursor = page["nextCursor"] ?? nil
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 4)  // 10 posts in w1 (ig and tt), 3 a page
        let listed = try daemon.result("listPosts", ["workspaceId": "w1", "limit": 1000])
        guard case .array(let posts)? = listed["posts"] else { throw TestFailure("no posts in \(listed)") }
        #expect(seen == posts.compactMap { $0["id"] }, "every post once, in listPosts' order")

        // A listPosts cursor starts the same page; cursors do not mix with postIds; a made-up one is named.
        let postsPage = try daemon.result("listPosts", ["workspaceId": "w1", "limit": 3])
        let fromPostsCursor = try daemon.result("latestMetrics", ["workspaceId": "w1", "limit": 3, "cursor": postsPage["nextCursor"] ?? nil])
        guard case .array(let rows)? = fromPostsCursor["metrics"] else { throw TestFailure("no metrics") }
        #expect(rows.compactMap { $0["postId"] } == Array(seen[3..<6]))
        let mixed = try #require(try daemon.call("latestMetrics", ["postIds": ["ig-0"], "cursor": postsPage["nextCursor"] ?? nil]).failure)
        #expect(mixed.data?["field"] == "cursor")
        let madeUp = try #require(try daemon.call("latestMetrics", ["workspaceId": "w1", "cursor": "!!"]).failure)
        #expect(madeUp.code == -32001, "a reference to nothing, as an unknown id: no schema can say which strings are cursors")
        #expect(madeUp.data?["field"] == "cursor")
        #expect(try daemon.result("latestMetrics", ["postIds": ["ig-0"]])["nextCursor"] == nil as JSON)
    }

    /// latestMetrics keeps read posts in memory (`--latest-cache-entries`); a write must show on the next read
    /// all the same, on another connection too, and the answers must not depend on the cache being there.
    @Test(arguments: [[], ["--latest-cache-entries", "0"]])
    func latestMetricsShowsEachImportOnTheNextRead(flags: [String]) throws {
        let daemon = try DaemonProcess(arguments: flags)
        try Fixtures.register(daemon)
        let reader = try daemon.connect()
        func latest() throws -> (capturedAt: JSON?, views: JSON?) {
            let metrics = try reader.call("latestMetrics", params: ["postIds": ["ig-0"]]).get()["metrics"]
            guard case .array(let rows)? = metrics, rows.count == 1 else { throw TestFailure("no row for ig-0: \(String(describing: metrics))") }
            return (rows[0]["capturedAt"], rows[0]["views"])
        }
        for _ in 0..<3 { #expect(try latest().capturedAt == nil as JSON) }
        try daemon.result("importMetrics", ["snapshots": [Fixtures.snapshot("ig-0", "2026-11-24T10:00:00.000Z", views: 100)]])
        #expect(try latest() == ("2026-11-24T10:00:00.000Z", 100))
        try daemon.result("importMetrics", ["snapshots": [Fixtures.snapshot("ig-0", "2026-11-24T11:00:00.000Z", views: 150)]])
        #expect(try latest() == ("2026-11-24T11:00:00.000Z", 150))
        // Backfilling an older point leaves the newest as it was.
        try daemon.result("importMetrics", ["snapshots": [Fixtures.snapshot("ig-0", "2026-11-23T11:00:00.000Z", views: 1)]])
        #expect(try latest() == ("2026-11-24T11:00:00.000Z", 150))
        let negative = try #require(try daemon.call("latestMetrics", [["ig-0", "ghost"]]).failure)
        #expect(negative.code == -32001)
    }

    @Test func historyIsOldestFirstAndImportIsIdempotent() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        let snapshots: JSON = .array((0..<5).map { Fixtures.snapshot("tt-0", "2026-11-24T1\($0):00:00.000Z", views: 10 * $0) })
        #expect(try daemon.result("importMetrics", ["snapshots": snapshots]) == ["imported": 5, "skipped": 0])
        #expect(try daemon.result("importMetrics", [snapshots]) == ["imported": 0, "skipped": 5])
        let history = try daemon.result("history", ["postId": "tt-0", "since": "2026-11-24T11:00:00Z", "limit": 3])
        guard case .array(let points)? = history["points"] else { Issue.record("no points"); return }
        #expect(points.map { $0["views"] } == [10, 20, 30])
        #expect(points.map { $0["capturedAt"] } == ["2026-11-24T11:00:00.000Z", "2026-11-24T12:00:00.000Z", "2026-11-24T13:00:00.000Z"])
        #expect(history["hasMore"] == true)
        let backwards = try #require(try daemon.call("history", ["tt-0", "2026-11-25T00:00:00Z", "2026-11-24T00:00:00Z"]).failure)
        #expect(backwards.data?["field"] == "until")
        let negative = try #require(try daemon.call("importMetrics", ["snapshots": [["postId": "tt-0", "capturedAt": "2026-11-24T00:00:00Z", "views": -1]]]).failure)
        #expect(negative.data?["field"] == "snapshots[0].views")
    }

    /// A moment is taken only if a reply can write it back with a four-digit year: the first and last moments
    /// of years 0000 and 9999 round-trip, one millisecond outside them is named. A leap second is refused as
    /// the schema's pattern says.
    @Test func timestampsAreTakenOnlyWhereRepliesCanWriteThem() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        let edges = ["0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]
        try daemon.result("importMetrics", ["snapshots": .array(edges.map { Fixtures.snapshot("tt-0", $0, views: 1) })])
        let history = try daemon.result("history", ["postId": "tt-0"])
        guard case .array(let points)? = history["points"] else { throw TestFailure("no points") }
        #expect(points.map { $0["capturedAt"] } == edges.map(JSON.string))
        for text in ["0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59.999-00:01", "2026-12-31T23:59:60Z"] {
            let snapshots: JSON = .array(edges.map { Fixtures.snapshot("tt-1", $0, views: 1) } + [Fixtures.snapshot("tt-1", text, views: 1)])
            let refused = try #require(try daemon.call("importMetrics", ["snapshots": snapshots]).failure, "\(text)")
            #expect(refused.code == -32602)
            #expect(refused.data?["field"] == .string("snapshots[2].capturedAt"), "\(text)")
        }
    }

    /// Metadata is any object; a number no Double holds is dropped like a null member, not an internal error.
    @Test func importedMetadataMayHoldAnyNumber() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        let snapshot = try JSONParser.parse(#"{"postId":"tt-0","capturedAt":"2026-11-24T00:00:00Z","metadata":{"huge":1e400,"tiny":-1e-400,"n":1}}"#)
        #expect(try daemon.result("importMetrics", ["snapshots": [snapshot]]) == ["imported": 1, "skipped": 0])
    }

    @Test func listPostsPagesWithACursor() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon, postsPerAccount: 5)
        var ids: [JSON] = []
        var cursor: JSON = nil
        repeat {
            let page = try daemon.result("listPosts", ["workspaceId": "w1", "limit": 4, "cursor": cursor])
            guard case .array(let posts)? = page["posts"] else { Issue.record("no posts"); return }
            ids += posts.map { $0["id"] ?? nil }
            cursor = page["nextCursor"] ?? nil
        } while cursor != nil
        #expect(ids.count == 10)
        #expect(Set(ids.map(JSONWriter.string)).count == 10)
    }

    @Test func rpcDiscoverServesTheSchemaFile() throws {
        let daemon = try DaemonProcess()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try JSONParser.parse(Array(try Data(contentsOf: root.appendingPathComponent("Schemas/openrpc.json"))))
        #expect(try daemon.result("rpc.discover") == file)
    }

    @Test func healthCountsAccountsByStatusAndHasNoRunYet() throws {
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        let health = try daemon.result("health")
        #expect(health["status"] == "ok")
        #expect(health["accounts"] == ["connected": 3, "expired": 0, "needsReconnect": 0, "disconnected": 0])
        #expect(health["lastRun"] == nil as JSON)
    }

    /// The reply is kept between polls; its uptime must still move on.
    @Test func healthUptimeCountsUpUnderConstantPolling() throws {
        let daemon = try DaemonProcess()
        func uptime() throws -> Int64 {
            guard case .number(let seconds)? = try daemon.result("health")["uptimeSeconds"], let value = seconds.int64 else {
                throw TestFailure("health has no integer uptimeSeconds")
            }
            return value
        }
        let first = try uptime()
        try waitUntilBlocking("uptimeSeconds passes \(first)", timeout: 5) { try uptime() > first }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
