import Foundation
import GRDB
import MetricsCore
@testable import SQLiteStore
import StorageContract
import Testing

/// Daily rollups on SQLite: the upgrade of a version-4 file, the workspace index. The rules every backend keeps are in
/// `Backends/StoreDailyRollupTests`.
@Suite struct DailyRollupTests {
    struct Rollup: Equatable {
        var post: String
        var day: String
        var capturedAt: String
        var views: Int64?
    }

    func rollups(_ store: SQLiteStore) throws -> [Rollup] {
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
        let store = try SQLiteStore.open(path: path)
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
