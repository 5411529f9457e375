import Foundation
import GRDB
import MetricsCore
@testable import MetricsStore
import Testing

/// Daily rollups and totals, kept in the same transaction as the snapshots, in the workspace's time zone.
@Suite struct DailyRollupTests {
    struct Rollup: Equatable {
        var post: String
        var day: String
        var capturedAt: String
        var views: Int64?
    }

    func rollups(_ store: MetricsStore) throws -> [Rollup] {
        try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.id, r.day, r.captured_at, r.views FROM daily_rollups r JOIN posts p ON p.key = r.post_key ORDER BY p.id, r.day
                """).map { row in
                Rollup(
                    post: row[0], day: LocalCalendar.iso8601(day: row[1]), capturedAt: Timestamp(milliseconds: row[2]).iso8601,
                    views: row[3])
            }
        }
    }

    func totals(_ store: MetricsStore) throws -> [String: (posts: Int, views: Int64?, saves: Int64?)] {
        try store.read { db in
            var result: [String: (Int, Int64?, Int64?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT platform, day, posts, views, views_n, saves, saves_n FROM daily_totals") {
                let key = "\(row[0] as String) \(LocalCalendar.iso8601(day: row[1]))"
                result[key] = (row[2], (row[4] as Int) > 0 ? row[3] : nil, (row[6] as Int) > 0 ? row[5] : nil)
            }
            return result
        }
    }

    func snapshot(_ post: String, _ at: String, views: Int64?, saves: Int64? = nil) -> Snapshot {
        Snapshot(postId: post, capturedAt: Timestamp(iso8601: at)!, values: MetricValues(views: views, saves: saves))
    }

    @Test func theLastPointOfEachLocalDayInTheWorkspacesTimeZone() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        _ = try await temporary.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "America/New_York"))
        _ = try await temporary.store.importSnapshots([
            snapshot("instagram-0", "2026-11-24T14:00:00Z", views: 100),
            // 23:30 in New York on the 24th: still the 24th there.
            snapshot("instagram-0", "2026-11-25T04:30:00Z", views: 180),
            // 00:30 on the 25th in New York: a new day, and the counter dropped (the platform corrected it).
            snapshot("instagram-0", "2026-11-25T05:30:00Z", views: 170),
            snapshot("tiktok-0", "2026-11-25T06:00:00Z", views: 40),
        ])
        #expect(try rollups(temporary.store) == [
            Rollup(post: "instagram-0", day: "2026-11-24", capturedAt: "2026-11-25T04:30:00.000Z", views: 180),
            Rollup(post: "instagram-0", day: "2026-11-25", capturedAt: "2026-11-25T05:30:00.000Z", views: 170),
            Rollup(post: "tiktok-0", day: "2026-11-25", capturedAt: "2026-11-25T06:00:00.000Z", views: 40),
        ])
        // A point backfilled earlier in a day changes nothing; a later one replaces the day's last, and the totals follow.
        _ = try await temporary.store.importSnapshots([
            snapshot("instagram-0", "2026-11-24T12:00:00Z", views: 90),
            snapshot("instagram-0", "2026-11-25T20:00:00Z", views: 210, saves: 3),
        ])
        let totals = try totals(temporary.store)
        #expect(totals["instagram 2026-11-24"]?.views == 180)
        #expect(totals["instagram 2026-11-25"]?.views == 210)
        #expect(totals["instagram 2026-11-25"]?.saves == 3)
        #expect(totals["tiktok 2026-11-25"]?.views == 40)
        #expect(totals["tiktok 2026-11-25"]?.saves == nil)  // no TikTok post reported saves: null, not 0
        #expect(totals["instagram 2026-11-25"]?.posts == 1)
        #expect(try temporary.store.healthFacts().snapshotRows == 6)
    }

    @Test func aNewTimeZoneRebuildsTheDaysFromTheSnapshots() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        _ = try await temporary.store.importSnapshots([
            snapshot("instagram-0", "2026-11-25T03:00:00Z", views: 100),
            snapshot("instagram-0", "2026-11-25T06:00:00Z", views: 120),
        ])
        #expect(try rollups(temporary.store).map(\.day) == ["2026-11-25"])  // both the 25th in UTC
        _ = try await temporary.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "America/New_York"))
        #expect(try rollups(temporary.store) == [
            Rollup(post: "instagram-0", day: "2026-11-24", capturedAt: "2026-11-25T03:00:00.000Z", views: 100),
            Rollup(post: "instagram-0", day: "2026-11-25", capturedAt: "2026-11-25T06:00:00.000Z", views: 120),
        ])
        #expect(try totals(temporary.store)["instagram 2026-11-24"]?.views == 100)
        await #expect(throws: StoreError.self) {
            try await temporary.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "Mars/Base"))
        }
    }

    @Test func aVersionFourDatabaseIsUpgradedInPlace() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("m.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try SchemaMigrations.migrator.migrate(queue, upTo: "v4-due-times")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO workspaces (id, name, created_at, updated_at) VALUES ('w', 'W', 0, 0);
                INSERT INTO accounts (id, workspace_id, platform, external_account_id, access_token, created_at, updated_at)
                    VALUES ('a', 'w', 'instagram', 'x', 't', 0, 0);
                INSERT INTO posts (id, account_id, platform, external_post_id, posted_at, created_at, updated_at)
                    VALUES ('p1', 'a', 'instagram', 'e1', 0, 0, 0), ('p2', 'a', 'instagram', 'e2', 0, 0, 0);
                INSERT INTO post_metrics (post_id, captured_at, views, metadata) VALUES
                    ('p1', 86400000, 5, NULL), ('p1', 86400000 + 3600000, 7, '{"follows":1}'), ('p2', 2 * 86400000, 9, NULL);
                """)
        }
        try queue.close()
        let store = try MetricsStore.open(path: path)
        defer { try? store.close() }
        #expect(try store.latestMetrics(postIds: ["p1", "p2"]).map(\.values.views) == [7, 9])
        #expect(try store.history(postId: "p1", since: nil, until: nil, limit: 10).points.count == 2)
        #expect(try rollups(store) == [
            Rollup(post: "p1", day: "1970-01-02", capturedAt: "1970-01-02T01:00:00.000Z", views: 7),
            Rollup(post: "p2", day: "1970-01-03", capturedAt: "1970-01-03T00:00:00.000Z", views: 9),
        ])
        #expect(try store.read { try String.fetchOne($0, sql: "SELECT metadata FROM daily_rollups WHERE day = 1") } == #"{"follows":1}"#)
        #expect(try store.healthFacts().snapshotRows == 3)
        #expect(try store.listPosts(workspaceId: "w", accountId: nil, limit: 10, cursor: nil).posts.map(\.id) == ["p1", "p2"])
    }

    @Test func aWorkspacePageIsServedByItsIndexWithoutASort() throws {
        let temporary = try TemporaryStore()
        let plan = try temporary.store.read { db in
            try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT p.id, p.posted_at FROM posts p INDEXED BY posts_by_workspace WHERE p.workspace_id = ?
                AND (p.posted_at < ? OR (p.posted_at = ? AND p.id > ?)) ORDER BY p.posted_at DESC, p.id ASC LIMIT 501
                """, arguments: ["w1", 0, 0, ""]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("posts_by_workspace") })
        #expect(!plan.contains { $0.contains("TEMP B-TREE") || $0.hasPrefix("SCAN") })
    }
}
