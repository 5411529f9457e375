import Foundation
import GRDB
import MetricsCore
@testable import MetricsStore
import Synchronization
import Testing

/// Retention thins old raw snapshots to each local day's last and leaves the rollups as they were.
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

    func points(_ store: MetricsStore, _ post: String) throws -> [(Timestamp, Int64?)] {
        try store.history(postId: post, since: nil, until: nil, limit: 10_000).points.map { ($0.capturedAt, $0.values.views) }
    }

    func rollups(_ store: MetricsStore) throws -> [Row] {
        try store.read { try Row.fetchAll($0, sql: "SELECT * FROM daily_rollups ORDER BY post_key, day") }
    }

    @Test func oldDaysKeepExactlyTheirLastPointAndRollupsStayAsTheyWere() async throws {
        let temporary = try TemporaryStore()  // now: 2026-11-24T12:00:00Z
        try await temporary.seed()
        _ = try await temporary.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "America/New_York"))
        try await hourly(temporary, "instagram-0", days: 20)
        let before = try points(temporary.store, "instagram-0")
        let rollupsBefore = try rollups(temporary.store)
        #expect(try temporary.store.healthFacts().snapshotRows == 480)

        let pass = try await temporary.store.retentionPass(.init(keepRawDays: 14, keepDays: 0))

        let calendar = LocalCalendar(identifier: "America/New_York")!
        let today = calendar.day(of: temporary.clock.now)
        let cutoff = calendar.start(ofDay: today - 13)
        let after = try points(temporary.store, "instagram-0")
        // Recent days untouched; each older local day down to its last point.
        #expect(after.filter { $0.0 >= cutoff }.map(\.1) == before.filter { $0.0 >= cutoff }.map(\.1))
        let old = after.filter { $0.0 < cutoff }
        let expectedOld = Dictionary(grouping: before.filter { $0.0 < cutoff }) { calendar.day(of: $0.0) }
            .values.map { day in day.max { $0.0 < $1.0 }! }.sorted { $0.0 < $1.0 }
        #expect(old.map(\.0) == expectedOld.map(\.0))
        #expect(old.map(\.1) == expectedOld.map(\.1))
        #expect(Set(old.map { calendar.day(of: $0.0) }).count == old.count)  // one a day
        #expect(pass.deletedSnapshots == Int64(before.count - after.count))
        #expect(try temporary.store.healthFacts().snapshotRows == Int64(after.count))
        #expect(try temporary.store.healthFacts().lastRetention?.deletedSnapshots == pass.deletedSnapshots)
        #expect(try rollups(temporary.store) == rollupsBefore)

        // A second pass finds nothing more to do.
        #expect(try await temporary.store.retentionPass(.init(keepRawDays: 14, keepDays: 0)).deletedSnapshots == 0)
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

    @Test func readsAndRefreshWritesGoOnDuringAPass() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed(postsPerAccount: 20)
        for platform in ["instagram", "tiktok", "facebook"] {
            for index in 0..<20 { try await hourly(temporary, "\(platform)-\(index)", days: 20) }
        }
        let store = temporary.store
        let run = try await store.startRun(trigger: .rpc, scope: "{}", at: temporary.clock.now)
        let finished = Finished()
        let pass = Task {
            defer { finished.mark() }
            return try await store.retentionPass(.init(keepRawDays: 2, keepDays: 0))
        }
        var reads = 0
        var writes = 0
        var written = temporary.clock.now
        // While the pass runs: reads answer, and a refresh's batches are written between its transactions.
        while !finished.value || writes == 0 {
            #expect(try store.latestMetrics(postIds: ["instagram-3"]).first?.capturedAt != nil)
            reads += 1
            written = written.adding(milliseconds: 1)
            try await store.recordAttempts(runId: run, [MetricsStore.RefreshAttempt(
                postId: "tiktok-7", accountId: "tiktok-acct", platform: .tiktok, at: written,
                outcome: .fetched(Snapshot(postId: "tiktok-7", capturedAt: written, values: MetricValues(views: 10_000 + Int64(writes)))),
                nextDueAt: nil)])
            writes += 1
        }
        let result = try await pass.value
        #expect(result.deletedSnapshots > 0)
        #expect(result.transactions > 1)  // small transactions, not one long one
        #expect(reads > 0 && writes > 0)
        #expect(try store.latestMetrics(postIds: ["tiktok-7"]).first?.values.views == 10_000 + Int64(writes - 1))
    }
}

private final class Finished: Sendable {
    private let flag = Mutex(false)
    func mark() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}
