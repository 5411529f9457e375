import MetricsCore
import StorageContract
import Synchronization
import Testing

/// Retention on every backend: old raw snapshots thinned to each local day's last, rollups untouched, in small
/// transactions that reads and refresh writes get between.
@Suite struct StoreRetentionTests {
    let hour: Int64 = 3_600_000

    /// Hourly snapshots of `post` for `days` days ending now, views rising by one an hour.
    func hourly(_ h: StoreHarness, _ post: String, days: Int) async throws {
        let now = h.clock.now
        let count = days * 24
        let snapshots = (0..<count).map { index in
            Snapshot(postId: post, capturedAt: now.adding(milliseconds: -Int64(count - 1 - index) * hour), values: MetricValues(views: Int64(index)))
        }
        for batch in stride(from: 0, to: snapshots.count, by: 5000) {
            _ = try await h.store.importSnapshots(Array(snapshots[batch..<min(batch + 5000, snapshots.count)]))
        }
    }

    func points(_ h: StoreHarness, _ post: String) async throws -> [(Timestamp, Int64?)] {
        try await h.store.history(postId: post, since: nil, until: nil, limit: 10_000).points.map { ($0.capturedAt, $0.values.views) }
    }

    func rollups(_ h: StoreHarness) async throws -> [[Cell]] {
        try await h.rows("""
            SELECT post_key, day, captured_at, impressions, views, reach, likes, comments, shares, saves FROM daily_rollups
            ORDER BY post_key, day
            """)
    }

    @Test(arguments: StoreBackend.available)
    func oldDaysKeepExactlyTheirLastPointAndRollupsStayAsTheyWere(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in  // now: 2026-11-24T12:00:00Z
            try await h.seed()
            _ = try await h.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "America/New_York"))
            try await hourly(h, "instagram-0", days: 20)
            let before = try await points(h, "instagram-0")
            let rollupsBefore = try await rollups(h)
            #expect(try await h.store.healthFacts().snapshotRows == 480)

            let pass = try await h.store.retentionPass(.init(keepRawDays: 14, keepDays: 0))

            let calendar = LocalCalendar(identifier: "America/New_York")!
            let today = calendar.day(of: h.clock.now)
            let cutoff = calendar.start(ofDay: today - 13)
            let after = try await points(h, "instagram-0")
            // Recent days untouched; each older local day down to its last point.
            #expect(after.filter { $0.0 >= cutoff }.map(\.1) == before.filter { $0.0 >= cutoff }.map(\.1))
            let old = after.filter { $0.0 < cutoff }
            let expectedOld = Dictionary(grouping: before.filter { $0.0 < cutoff }) { calendar.day(of: $0.0) }
                .values.map { day in day.max { $0.0 < $1.0 }! }.sorted { $0.0 < $1.0 }
            #expect(old.map(\.0) == expectedOld.map(\.0))
            #expect(old.map(\.1) == expectedOld.map(\.1))
            #expect(Set(old.map { calendar.day(of: $0.0) }).count == old.count)  // one a day
            #expect(pass.deletedSnapshots == Int64(before.count - after.count))
            #expect(try await h.store.healthFacts().snapshotRows == Int64(after.count))
            #expect(try await h.store.healthFacts().lastRetention?.deletedSnapshots == pass.deletedSnapshots)
            #expect(try await h.store.lastRetentionPass()?.startedAt == pass.startedAt)
            #expect(try await rollups(h) == rollupsBefore)

            // A second pass finds nothing more to do.
            #expect(try await h.store.retentionPass(.init(keepRawDays: 14, keepDays: 0)).deletedSnapshots == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func keepDaysDeletesOlderHistoryWhole(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 2)
            for platform in ["instagram", "tiktok", "facebook"] {
                for index in 0..<2 { try await hourly(h, "\(platform)-\(index)", days: 30) }
            }
            let pass = try await h.store.retentionPass(.init(keepRawDays: 3, keepDays: 10))
            #expect(pass.transactions > 1)
            let points = try await points(h, "instagram-0")
            let today = LocalCalendar.utc.day(of: h.clock.now)
            #expect(points.map { LocalCalendar.utc.day(of: $0.0) }.allSatisfy { $0 > today - 10 })
            // Today from midnight to noon (13 points), the two days before whole (48), and 7 older days' last point each.
            #expect(points.count == 13 + 48 + 7)
            #expect(try await h.rows("SELECT min(day) FROM daily_rollups") == [[.int(today - 9)]])
            #expect(try await h.rows("SELECT min(day) FROM daily_totals") == [[.int(today - 9)]])
            #expect(try await h.store.healthFacts().snapshotRows == Int64(6 * (13 + 48 + 7)))
        }
    }

    @Test(arguments: StoreBackend.available)
    func readsAndRefreshWritesGoOnDuringAPass(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 10)
            for platform in ["instagram", "tiktok", "facebook"] {
                for index in 0..<10 { try await hourly(h, "\(platform)-\(index)", days: 20) }
            }
            let store = h.store
            let run = try await store.startRun(trigger: .rpc, scope: "{}", at: h.clock.now)
            let finished = Finished()
            let pass = Task {
                defer { finished.mark() }
                return try await store.retentionPass(.init(keepRawDays: 2, keepDays: 0))
            }
            var reads = 0
            var writes = 0
            var written = h.clock.now
            // While the pass runs: reads answer, and a refresh's batches are written between its transactions.
            while !finished.value || writes == 0 {
                #expect(try await store.latestMetrics(postIds: ["instagram-3"]).first?.capturedAt != nil)
                reads += 1
                written = written.adding(milliseconds: 1)
                try await store.recordAttempts(runId: run, [RefreshAttempt(
                    postId: "tiktok-7", accountId: "tiktok-acct", platform: .tiktok, at: written,
                    outcome: .fetched(Snapshot(postId: "tiktok-7", capturedAt: written, values: MetricValues(views: 10_000 + Int64(writes)))),
                    nextDueAt: nil)])
                writes += 1
            }
            let result = try await pass.value
            #expect(result.deletedSnapshots > 0)
            #expect(result.transactions > 1)  // small transactions, not one long one
            #expect(reads > 0 && writes > 0)
            #expect(try await store.latestMetrics(postIds: ["tiktok-7"]).first?.values.views == 10_000 + Int64(writes - 1))
        }
    }
}

private final class Finished: Sendable {
    private let flag = Mutex(false)
    func mark() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}
