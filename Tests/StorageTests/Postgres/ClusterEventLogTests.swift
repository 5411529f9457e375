import Foundation
import MetricsCore
@testable import PostgresStore
import PostgresTestSupport
import StorageContract
import TestSupport
import Testing

/// One event log for a cluster: several stores on one database (as separate daemons), writing at once.
@Suite(.enabled(if: PostgresCluster.shouldRun, Comment(rawValue: PostgresCluster.skipMessage)))
struct ClusterEventLogTests {
    static let posts = ClusterStorageTests.accountIds(12).map { "\($0)-post" }

    static func attempt(_ post: String, views: Int64, at: Timestamp) -> RefreshAttempt {
        RefreshAttempt(
            postId: post, accountId: String(post.dropLast("-post".count)), platform: .tiktok, at: at,
            outcome: .fetched(Snapshot(postId: post, capturedAt: at, values: MetricValues(views: views))), nextDueAt: nil)
    }

    @Test func membersWritingAtOnceShareOneGapFreeLogEachHearsWholeAndEachMilestoneIsAnnouncedOnce() async throws {
        try await ClusterStorageTests.withCluster(stores: 3, accounts: 12) { stores, _ in
            let start = try await stores[0].eventLogBounds().lastSeq
            #expect(start == 12, "one account event per registration")
            // Every member writes every post, in small batches, at once: the posts' locks make them take turns per
            // post, and every point crosses 1,000 views, which each post announces once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (member, store) in stores.enumerated() {
                    group.addTask {
                        for round in 0..<5 {
                            let at = SystemClock().now.adding(milliseconds: Int64(member * 10 + round))
                            let batch = Self.posts.map { Self.attempt($0, views: 1_500 + Int64(round), at: at) }
                            try await store.recordAttempts(runId: 1, batch)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let snapshots = 3 * 5 * Self.posts.count
            let expectedLast = start + Int64(snapshots + Self.posts.count)
            for (index, store) in stores.enumerated() {
                let page = try await store.events(fromSeq: 1, filter: .everything, limit: 10_000)
                #expect(page.events.map(\.seq) == Array(1...expectedLast), "member \(index) reads one log with no gap")
                #expect(Set(page.events.map(\.id)).count == page.events.count)
                #expect(page.events.filter { $0.type == .snapshot }.count == snapshots)
                let milestones = page.events.filter { $0.type == .milestone }
                #expect(milestones.count == Self.posts.count && Set(milestones.compactMap(\.postId)) == Set(Self.posts))
                try await waitUntil("member \(index) hears of every commit", timeout: 10) { store.eventsCommitted.last == expectedLast }
            }
        }
    }

    @Test func eventsADaemonCommittedButNeverNumberedAreNumberedByAnotherWithinASweep() async throws {
        try await ClusterStorageTests.withCluster(stores: 2, accounts: 1) { stores, database in
            let before = try await stores[1].eventLogBounds().lastSeq
            // What a daemon that died between its commit and its numbering round leaves behind.
            try await database.execute("""
                INSERT INTO events (at, type, workspace_id, data) VALUES (1, \(EventType.run.code), NULL, '{"runId":7}')
                """)
            try await waitUntil("the orphan is numbered", timeout: 10) { try await stores[1].eventLogBounds().lastSeq == before + 1 }
            let event = try #require(try await stores[1].events(fromSeq: before + 1, filter: .everything, limit: 10).events.first)
            #expect(event.seq == before + 1 && event.type == .run)
            try await waitUntil("both members hear of it", timeout: 10) {
                stores.allSatisfy { $0.eventsCommitted.last == before + 1 }
            }
        }
    }

    @Test func anotherMembersSnapshotReplacesWhatTheCacheHeldAsSoonAsItIsNumbered() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withDatabase { url in
            try await StoreHarness.withPostgresStore(url: url) { writer in
                // A cache entry that would live ten minutes: only the notification can replace it in this test.
                var options = PostgresStore.Options()
                options.latestCacheLifetimeMilliseconds = 600_000
                try await StoreHarness.withPostgresStore(url: url, options: options) { reader in
                    _ = try await writer.upsertWorkspace(Workspace(id: "w1", name: "Studio"))
                    _ = try await writer.upsertAccount(AccountRegistration(
                        id: "acct-00", workspaceId: "w1", platform: .tiktok, externalAccountId: "open", accessToken: "t"))
                    _ = try await writer.upsertPosts([PostRegistration(
                        id: "acct-00-post", accountId: "acct-00", externalPostId: "v", postedAt: SystemClock().now)])
                    try await writer.recordAttempts(runId: 1, [Self.attempt("acct-00-post", views: 10, at: SystemClock().now)])
                    try await waitUntil("the reader listens", timeout: 30) { reader.isListening }
                    #expect(try await reader.latestMetrics(postIds: ["acct-00-post"]).first?.values.views == 10)
                    #expect(try await reader.latestMetrics(postIds: ["acct-00-post"]).first?.values.views == 10)
                    #expect(reader.latestCache.count == 1, "the read filled the cache")

                    try await writer.recordAttempts(runId: 1, [Self.attempt("acct-00-post", views: 20, at: SystemClock().now.adding(milliseconds: 5))])
                    let written = ContinuousClock.now
                    try await waitUntil("the reader serves the new snapshot", timeout: 10) {
                        try await reader.latestMetrics(postIds: ["acct-00-post"]).first?.values.views == 20
                    }
                    let late = ContinuousClock.now - written
                    #expect(late < .seconds(5), "served \(late) after the write returned")

                    // A backfill with a newer point is one `import` event for any number of posts: it empties the cache.
                    _ = try await writer.importSnapshots([
                        Snapshot(postId: "acct-00-post", capturedAt: SystemClock().now.adding(milliseconds: 60_000), values: MetricValues(views: 30)),
                    ])
                    try await waitUntil("the reader serves the imported snapshot", timeout: 10) {
                        try await reader.latestMetrics(postIds: ["acct-00-post"]).first?.values.views == 30
                    }

                    // An unknown post is named by its position in the call, also when the others are cached.
                    let unknown = try await #require(throws: StoreError.self) {
                        try await reader.latestMetrics(postIds: ["acct-00-post", "nope"])
                    }
                    #expect(unknown.index == 1 && unknown.kind == .notFound(.post, id: "nope"))
                }
            }
        }
    }
}

/// Who runs the numbering round, as a pure value.
@Suite struct NumberingRoundsTests {
    @Test func theFirstRunsThoseWhoAskMeanwhileShareTheNextRoundAndItsRunnerIsOneOfThem() {
        var rounds = NumberingRounds<String>()
        #expect(rounds.request("a") == .run)
        #expect(rounds.request("b") == .wait)
        #expect(rounds.request("c") == .wait)
        // a's round may have read the log before b and c committed: they wait for the next, which b runs.
        let first = rounds.roundFinished()
        #expect(first.done == [] && first.runner == "b")
        #expect(rounds.request("d") == .wait)
        let second = rounds.roundFinished()
        #expect(second.done == ["c"] && second.runner == "d")
        let third = rounds.roundFinished()
        #expect(third.done == [] && third.runner == nil && !rounds.isRunning)
        #expect(rounds.request("e") == .run)
    }
}
