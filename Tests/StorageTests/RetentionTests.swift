import Foundation
import GRDB
import MetricsCore
@testable import SQLiteStore
import StorageContract
import Testing

/// Retention on SQLite: the emptied pages go back to the file system. The rules every backend keeps are in
/// `Backends/StoreRetentionTests`.
@Suite struct RetentionTests {
    let hour: Int64 = 3_600_000

    /// Hourly snapshots of `post` for `days` days ending now, views rising by one an hour.
    func hourly(_ temporary: borrowing TemporaryStore, _ post: String, days: Int) async throws {
        let now = temporary.clock.now
        let count = days * 24
        let snapshots = (0..<count).map { index in
            Snapshot(postId: post, capturedAt: now.adding(milliseconds: -Int64(count - 1 - index) * hour), values: MetricValues(views: Int64(index)))
        }
        for batch in stride(from: 0, to: snapshots.count, by: 5000) {
            _ = try await temporary.store.importSnapshots(Array(snapshots[batch..<min(batch + 5000, snapshots.count)]))
        }
    }

    func points(_ store: SQLiteStore, _ post: String) throws -> [(Timestamp, Int64?)] {
        try store.history(postId: post, since: nil, until: nil, limit: 10_000).points.map { ($0.capturedAt, $0.values.views) }
    }

    func rollups(_ store: SQLiteStore) throws -> [Row] {
        try store.read { try Row.fetchAll($0, sql: "SELECT * FROM daily_rollups ORDER BY post_key, day") }
    }

    @Test func keepDaysDeletesOlderHistoryWholeAndTheFileShrinks() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed(postsPerAccount: 10)
        for platform in ["instagram", "tiktok", "facebook"] {
            for index in 0..<10 { try await hourly(temporary, "\(platform)-\(index)", days: 30) }
        }
        let size = { try temporary.store.read { db in
            (try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0) * (try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        } }
        let before = try size()
        #expect(try temporary.store.read { try Int.fetchOne($0, sql: "PRAGMA auto_vacuum") } == 2)
        try await temporary.store.retentionPass(.init(keepRawDays: 3, keepDays: 10))
        let points = try points(temporary.store, "instagram-0")
        let today = LocalCalendar.utc.day(of: temporary.clock.now)
        let days = points.map { LocalCalendar.utc.day(of: $0.0) }
        #expect(days.allSatisfy { $0 > today - 10 })
        // Today from midnight to noon (13 points), the two days before whole (48), and 7 older days' last point each.
        let expected = 13 + 48 + 7
        #expect(points.count == expected)
        let oldestRollup = try temporary.store.read { try Int64.fetchOne($0, sql: "SELECT min(day) FROM daily_rollups") }
        #expect(oldestRollup == today - 9)
        let oldestTotal = try temporary.store.read { try Int64.fetchOne($0, sql: "SELECT min(day) FROM daily_totals") }
        #expect(oldestTotal == today - 9)
        #expect(try size() < before / 2)  // 21,600 snapshots down to 2,040: the emptied pages went back to the file system
        #expect(try temporary.store.read { try Int.fetchOne($0, sql: "PRAGMA freelist_count") } == 0)
    }
}
