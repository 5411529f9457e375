import Foundation
import GRDB
import MetricsCore
@testable import SQLiteStore
import StorageContract
import Testing

/// The in-memory newest snapshot: the cache's own rules with an injected clock, then through the store that a
/// read after any write sees that write, and that an outside writer is seen once an entry's lifetime ends.
@Suite struct LatestSnapshotCacheTests {
    private let clock = ManualClock(now: Timestamp(iso8601: "2026-11-24T12:00:00Z")!)

    private func entry(_ postId: String, views: Int64) -> LatestMetric {
        LatestMetric(postId: postId, platform: .instagram, capturedAt: clock.now, values: MetricValues(views: views))
    }

    private func miss(_ cache: LatestSnapshotCache, _ postId: String) throws -> LatestSnapshotCache.Miss {
        guard case .miss(let miss) = cache.lookup(postId) else {
            Issue.record("expected a miss for \(postId)")
            throw CancellationError()
        }
        return miss
    }

    private func hit(_ cache: LatestSnapshotCache, _ postId: String) -> LatestMetric? {
        if case .hit(let entry) = cache.lookup(postId) { entry } else { nil }
    }

    @Test func aFilledEntryIsServedUntilItsLifetimeEnds() throws {
        let cache = LatestSnapshotCache(capacity: 10, lifetimeMilliseconds: 2000, clock: clock)
        cache.fill(entry("p1", views: 5), after: try miss(cache, "p1"))
        #expect(hit(cache, "p1") == entry("p1", views: 5))
        clock.advance(milliseconds: 1999)
        #expect(hit(cache, "p1")?.values.views == 5)
        clock.advance(milliseconds: 1)
        #expect(hit(cache, "p1") == nil)
        #expect(cache.count == 0)
    }

    @Test func aClockSteppingBackExpiresEntriesInsteadOfProlongingThem() throws {
        let cache = LatestSnapshotCache(capacity: 10, lifetimeMilliseconds: 2000, clock: clock)
        cache.fill(entry("p1", views: 5), after: try miss(cache, "p1"))
        clock.advance(milliseconds: -1)
        #expect(hit(cache, "p1") == nil)
    }

    @Test func aReadThatRacedAWriteCannotPutTheOlderSnapshotBack() throws {
        let cache = LatestSnapshotCache(capacity: 10, lifetimeMilliseconds: 2000, clock: clock)
        let before = try miss(cache, "p1")   // the reader looks, then reads the database: views 5
        cache.invalidate(["p1"])            // meanwhile a write of views 6 commits
        cache.fill(entry("p1", views: 5), after: before)
        #expect(hit(cache, "p1") == nil)
        // A read that starts after the write fills normally.
        cache.fill(entry("p1", views: 6), after: try miss(cache, "p1"))
        #expect(hit(cache, "p1")?.values.views == 6)
    }

    @Test func invalidationForgetsOnlyThePostsWritten() throws {
        let cache = LatestSnapshotCache(capacity: 10, lifetimeMilliseconds: 2000, clock: clock)
        for post in ["p1", "p2", "p3"] {
            cache.fill(entry(post, views: 1), after: try miss(cache, post))
        }
        cache.invalidate(["p2"])
        #expect(hit(cache, "p1") != nil)
        #expect(hit(cache, "p2") == nil)
        #expect(hit(cache, "p3") != nil)
        cache.invalidateAll()
        #expect(cache.count == 0)
    }

    @Test func aFullCacheStartsOverAndAZeroCapacityStoresNothing() throws {
        let cache = LatestSnapshotCache(capacity: 2, lifetimeMilliseconds: 2000, clock: clock)
        for post in ["p1", "p2"] {
            cache.fill(entry(post, views: 1), after: try miss(cache, post))
        }
        cache.fill(entry("p1", views: 2), after: try miss(cache, "p9"))  // replacing an entry is not growth
        #expect(cache.count == 2)
        cache.fill(entry("p3", views: 3), after: try miss(cache, "p3"))
        #expect(cache.count == 1)
        #expect(hit(cache, "p3")?.values.views == 3)

        let off = LatestSnapshotCache(capacity: 0, lifetimeMilliseconds: 2000, clock: clock)
        off.fill(entry("p1", views: 1), after: try miss(off, "p1"))
        #expect(off.count == 0)
    }

    // MARK: Through the store

    @Test func everyWriteOfSnapshotsIsSeenByTheNextRead() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let store = temporary.store
        let now = temporary.clock.now
        func latestViews() throws -> Int64? { try store.latestMetrics(postIds: ["instagram-0"])[0].values.views }

        #expect(try latestViews() == nil)  // cached: no snapshot yet
        _ = try await store.importSnapshots([Snapshot(postId: "instagram-0", capturedAt: now, values: MetricValues(views: 5))])
        #expect(try latestViews() == 5)
        let run = try await store.startRun(trigger: .rpc, scope: "{}", at: now)
        try await store.recordAttempts(runId: run, [RefreshAttempt(
            postId: "instagram-0", accountId: "instagram-acct", platform: .instagram, at: now,
            outcome: .fetched(Snapshot(postId: "instagram-0", capturedAt: now, values: MetricValues(views: 6))), nextDueAt: nil)])
        #expect(try latestViews() == 6)  // a refresh at the same instant replaces the point
        _ = try await store.importSnapshots([
            Snapshot(postId: "instagram-0", capturedAt: now.adding(milliseconds: -1000), values: MetricValues(views: 1)),
        ])
        #expect(try latestViews() == 6)  // backfilling an older point leaves the newest as it is
        try await store.writeForTesting { db in
            try db.execute(sql: "UPDATE snapshots SET views = 7 WHERE post_key = (SELECT key FROM posts WHERE id = 'instagram-0')")
        }
        #expect(try latestViews() == 7)
        #expect(store.latestCache.count == 1)
    }

    @Test func anotherProcesssWriteIsSeenOnceTheEntryLifetimeEnds() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let store = temporary.store
        _ = try await store.importSnapshots([
            Snapshot(postId: "instagram-0", capturedAt: temporary.clock.now, values: MetricValues(views: 5)),
        ])
        #expect(try store.latestMetrics(postIds: ["instagram-0"])[0].values.views == 5)

        // Another connection, as a second process would have: the store is not told about this write.
        let outsider = try DatabaseQueue(path: store.path)
        try await outsider.write { db in
            try db.execute(sql: """
                INSERT INTO snapshots (post_key, captured_at, views) VALUES ((SELECT key FROM posts WHERE id = 'instagram-0'), ?, 9)
                """, arguments: [temporary.clock.now.milliseconds + 1])
        }
        try outsider.close()
        #expect(try store.latestMetrics(postIds: ["instagram-0"])[0].values.views == 5)
        temporary.clock.advance(milliseconds: SQLiteStore.Options().latestCacheLifetimeMilliseconds)
        #expect(try store.latestMetrics(postIds: ["instagram-0"])[0].values.views == 9)
    }
}
