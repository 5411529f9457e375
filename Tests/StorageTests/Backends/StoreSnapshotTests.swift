import MetricsCore
import StorageContract
import Testing

/// The time series on every backend: imports, the newest point, history ranges.
@Suite struct StoreSnapshotTests {
    @Test(arguments: StoreBackend.available)
    func importIsIdempotentAndKeepsNullsNull(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let points = (1...3).map { index in
                Snapshot(
                    postId: "tiktok-0", capturedAt: h.clock.now.adding(milliseconds: Int64(index)),
                    values: MetricValues(views: Int64(index * 10), likes: 1, saves: nil))
            }
            #expect(try await h.store.importSnapshots(points) == .init(imported: 3, skipped: 0))
            #expect(try await h.store.importSnapshots(points) == .init(imported: 0, skipped: 3))
            let history = try await h.store.history(postId: "tiktok-0", since: nil, until: nil, limit: 10)
            #expect(history.points.map(\.values.views) == [10, 20, 30])
            #expect(history.points.allSatisfy { $0.values.saves == nil && $0.values.reach == nil })
            // One unknown post aborts the whole import, named by its position.
            let error = try await #require(throws: StoreError.self) {
                try await h.store.importSnapshots([
                    Snapshot(postId: "tiktok-1", capturedAt: h.clock.now, values: MetricValues(views: 1)),
                    Snapshot(postId: "ghost", capturedAt: h.clock.now, values: MetricValues(views: 1)),
                ])
            }
            #expect(error.kind == .notFound(.post, id: "ghost") && error.index == 1)
            #expect(try await h.store.history(postId: "tiktok-1", since: nil, until: nil, limit: 10).points.isEmpty)
            #expect(try await h.store.healthFacts().snapshotRows == 3)
        }
    }

    @Test(arguments: StoreBackend.available)
    func historyIsOldestFirstWithinBoundsAndSaysWhenThereIsMore(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let base = h.clock.now
            _ = try await h.store.importSnapshots((0..<10).map {
                Snapshot(postId: "instagram-0", capturedAt: base.adding(milliseconds: Int64($0) * 1000), values: MetricValues(views: Int64($0)))
            })
            let page = try await h.store.history(
                postId: "instagram-0", since: base.adding(milliseconds: 2000), until: base.adding(milliseconds: 8000), limit: 3)
            #expect(page.points.map(\.values.views) == [2, 3, 4])
            #expect(page.hasMore)
            let rest = try await h.store.history(
                postId: "instagram-0", since: base.adding(milliseconds: 5000), until: base.adding(milliseconds: 8000), limit: 10)
            #expect(rest.points.map(\.values.views) == [5, 6, 7, 8])
            #expect(!rest.hasMore)
        }
    }

    @Test(arguments: StoreBackend.available)
    func historyTellsAnUnknownPostFromAnEmptyRange(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let empty = try await h.store.history(postId: "instagram-1", since: nil, until: nil, limit: 10)
            #expect(empty.points.isEmpty)
            #expect(!empty.hasMore)
            let error = try await #require(throws: StoreError.self) {
                try await h.store.history(postId: "ghost", since: nil, until: nil, limit: 10)
            }
            #expect(error.input == .postId && error.index == nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func latestMetricsListsPostsWithoutSnapshotsAsNull(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            _ = try await h.store.importSnapshots([
                Snapshot(postId: "instagram-0", capturedAt: h.clock.now, values: MetricValues(views: 5)),
                Snapshot(postId: "instagram-0", capturedAt: h.clock.now.adding(milliseconds: 1), values: MetricValues(views: 7)),
            ])
            let latest = try await h.store.latestMetrics(postIds: ["instagram-0", "instagram-1"])
            #expect(latest.map(\.values.views) == [7, nil])
            #expect(latest.map(\.platform) == [.instagram, .instagram])
            #expect(latest[1].capturedAt == nil)
            let error = try await #require(throws: StoreError.self) { try await h.store.latestMetrics(postIds: ["instagram-0", "nope"]) }
            #expect(error.input == .postId && error.index == 1)
            #expect(error.kind == .notFound(.post, id: "nope"))
        }
    }

    @Test(arguments: StoreBackend.available)
    func latestMetricsOfAWorkspacePagesInListingOrder(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 3)
            _ = try await h.store.importSnapshots([
                Snapshot(postId: "tiktok-1", capturedAt: h.clock.now, values: MetricValues(views: 11)),
            ])
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await h.store.latestMetrics(workspaceId: "w1", platform: nil, limit: 2, cursor: cursor)
                seen += page.metrics.map(\.postId)
                cursor = page.nextCursor
            } while cursor != nil
            let listed = try await h.store.listPosts(workspaceId: "w1", accountId: nil, limit: 100, cursor: nil, workspaceIds: nil).posts.map(\.id)
            #expect(seen == listed)
            #expect(seen.count == 9)
            let tiktok = try await h.store.latestMetrics(workspaceId: "w1", platform: .tiktok, limit: 10, cursor: nil)
            #expect(tiktok.metrics.map(\.postId) == ["tiktok-0", "tiktok-1", "tiktok-2"])
            #expect(tiktok.metrics.map(\.values.views) == [nil, 11, nil])
            #expect(tiktok.nextCursor == nil)
            await #expect(throws: StoreError.notFound(.workspace, id: "nope", input: .workspaceId)) {
                try await h.store.latestMetrics(workspaceId: "nope", platform: nil, limit: 1, cursor: nil)
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func aRefreshReplacesAPointAtTheSameTimeAndAnImportKeepsIt(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let at = h.clock.now
            _ = try await h.store.importSnapshots([Snapshot(postId: "tiktok-0", capturedAt: at, values: MetricValues(views: 1))])
            _ = try await h.store.importSnapshots([Snapshot(postId: "tiktok-0", capturedAt: at, values: MetricValues(views: 2))])
            #expect(try await h.store.latestMetrics(postIds: ["tiktok-0"]).first?.values.views == 1)
            let run = try await h.store.startRun(trigger: .rpc, scope: "{}", at: at)
            let fetched = { (views: Int64) in
                RefreshAttempt(
                    postId: "tiktok-0", accountId: "tiktok-acct", platform: .tiktok, at: at,
                    outcome: .fetched(Snapshot(postId: "tiktok-0", capturedAt: at, values: MetricValues(views: views, likes: 4))), nextDueAt: nil)
            }
            // Twice in one batch: both written, the last one stays.
            #expect(try await h.store.recordAttempts(runId: run, [fetched(3), fetched(4)]) == 2)
            #expect(try await h.store.latestMetrics(postIds: ["tiktok-0"]).first?.values == MetricValues(views: 4, likes: 4))
            #expect(try await h.store.healthFacts().snapshotRows == 1)
            let day = LocalCalendar.utc.day(of: at)
            let totals = try await h.store.dailyTotals(workspaceId: "w1", platform: .tiktok, days: day...day)
            #expect(totals.map { $0.values } == [MetricValues(views: 4, likes: 4)])
            #expect(totals.map { $0.posts } == [1])
        }
    }
}

/// Listing and paging on every backend.
@Suite struct StoreListingTests {
    @Test(arguments: StoreBackend.available)
    func listPostsPagesByCursorWithoutRepeatsOrGaps(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 7)
            // Posts at the same moment page by id, in byte order ("B" before "a", as SQLite compares).
            _ = try await h.store.upsertPosts(["a", "B", "b", "é", "A"].map {
                PostRegistration(id: $0, accountId: "tiktok-acct", externalPostId: "same-\($0)", postedAt: h.clock.now.adding(days: -3))
            })
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await h.store.listPosts(workspaceId: "w1", accountId: nil, limit: 4, cursor: cursor, workspaceIds: nil)
                seen += page.posts.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.count == 26)
            #expect(Set(seen).count == 26)
            let sameMoment = seen.filter { ["a", "B", "b", "é", "A"].contains($0) }
            #expect(sameMoment == ["A", "B", "a", "b", "é"])
            let all = try await h.store.listPosts(workspaceId: nil, accountId: nil, limit: 100, cursor: nil, workspaceIds: nil).posts.map(\.id)
            #expect(all == seen)
            await #expect(throws: StoreError(.notFound(.cursor, id: "garbage"), input: .cursor, message: "not a cursor returned by listPosts or latestMetrics")) {
                try await h.store.listPosts(workspaceId: nil, accountId: nil, limit: 1, cursor: "garbage", workspaceIds: nil)
            }
            await #expect(throws: StoreError.notFound(.account, id: "nope", input: .accountId)) {
                try await h.store.listPosts(workspaceId: nil, accountId: "nope", limit: 1, cursor: nil, workspaceIds: nil)
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func listPostsCarriesTheRefreshStateAndFiltersByWorkspaces(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 1)
            _ = try await h.store.upsertWorkspace(Workspace(id: "w2", name: "Two"))
            _ = try await h.store.upsertAccount(AccountRegistration(
                id: "other", workspaceId: "w2", platform: .facebook, externalAccountId: "o", accessToken: "t"))
            _ = try await h.store.upsertPosts([
                PostRegistration(id: "o-1", accountId: "other", externalPostId: nil, postedAt: h.clock.now)
            ])
            let mine = try await h.store.listPosts(workspaceId: nil, accountId: nil, limit: 10, cursor: nil, workspaceIds: ["w2"]).posts
            #expect(mine.map(\.id) == ["o-1"])
            #expect(mine.first?.externalPostId == nil && mine.first?.nextDueAt == nil && mine.first?.workspaceId == "w2")
            let instagram = try #require(try await h.store.listPosts(
                workspaceId: "w1", accountId: "instagram-acct", limit: 10, cursor: nil, workspaceIds: nil).posts.first)
            #expect(instagram.mediaProductType == .feed)
            #expect(instagram.nextDueAt == h.clock.now)  // a new post is due at once
            #expect(instagram.accountStatus == .connected && instagram.consecutiveFailures == 0)
            #expect(try await h.store.accountIds(status: .connected) == ["facebook-acct", "instagram-acct", "other", "tiktok-acct"])
            #expect(try await h.store.knownExternalPostIds(accountId: "tiktok-acct") == ["x0"])
            #expect(try await h.store.knownExternalPostIds(accountId: "other") == [])
        }
    }
}
