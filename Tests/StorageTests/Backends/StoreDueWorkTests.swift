import MetricsCore
import StorageContract
import Testing

/// What the planner and the runs read, on every backend.
@Suite struct StoreDueWorkTests {
    let hour: Int64 = 3_600_000

    @Test(arguments: StoreBackend.available)
    func duePostsComeYoungestBandFirstThenTheStalest(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 4)  // posted now, 1, 2 and 3 days ago; all due now
            let now = h.clock.now
            let run = try await h.store.startRun(trigger: .schedule, scope: "{}", at: now)
            // Due at different times (the 3-day-old one the most overdue); tiktok-1 last refreshed 2 h ago, tiktok-2
            // 6 h ago, the others never.
            let dueAt: [String: Int64] = ["tiktok-0": -1, "tiktok-1": -5, "tiktok-2": -2, "tiktok-3": -9]
            let refreshedHoursAgo: [String: Int64] = ["tiktok-1": 2, "tiktok-2": 6]
            try await h.store.recordAttempts(runId: run, dueAt.map { id, hours in
                let outcome: RefreshAttempt.Outcome = refreshedHoursAgo[id].map { ago in
                    .fetched(Snapshot(postId: id, capturedAt: now.adding(milliseconds: -ago * hour), values: MetricValues(views: 1)))
                } ?? .noData
                return RefreshAttempt(
                    postId: id, accountId: "tiktok-acct", platform: .tiktok, at: now.adding(milliseconds: -(refreshedHoursAgo[id] ?? 0) * hour),
                    outcome: outcome, nextDueAt: now.adding(milliseconds: hours * hour))
            })
            // Bands: younger than a day, then younger than 2.5 days (tiktok-1 and tiktok-2: the stalest first), then
            // the rest.
            let due = try await h.store.duePosts(accountId: "tiktok-acct", at: now, bandBounds: [24 * hour, 60 * hour], limit: 10)
            #expect(due.map(\.postId) == ["tiktok-0", "tiktok-2", "tiktok-1", "tiktok-3"])
            // One band: never refreshed first (between those, the most overdue), then the longest since a refresh.
            let oneBand = try await h.store.duePosts(accountId: "tiktok-acct", at: now, bandBounds: [], limit: 3)
            #expect(oneBand.map(\.postId) == ["tiktok-3", "tiktok-0", "tiktok-2"])
            #expect(due.first?.workspaceId == "w1" && due.first?.externalPostId == "x0" && due.first?.platform == .tiktok)
            let accounts = try await h.store.accountsWithDuePosts(at: now)
            #expect(accounts.map(\.accountId) == ["tiktok-acct", "facebook-acct", "instagram-acct"])
            #expect(accounts.first?.earliestDue == now.adding(milliseconds: -9 * hour))
            #expect(accounts.first?.platform == .tiktok)
        }
    }

    @Test(arguments: StoreBackend.available)
    func soonestAndNextDueTimesAndClearing(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 3)
            let now = h.clock.now
            let run = try await h.store.startRun(trigger: .schedule, scope: "{}", at: now)
            try await h.store.recordAttempts(runId: run, (0..<3).map { index in
                RefreshAttempt(
                    postId: "tiktok-\(index)", accountId: "tiktok-acct", platform: .tiktok, at: now, outcome: .noData,
                    nextDueAt: now.adding(milliseconds: Int64(3 - index) * hour))
            })
            #expect(try await h.store.soonestDuePosts(accountId: "tiktok-acct", after: now, limit: 2).map(\.postId) == ["tiktok-2", "tiktok-1"])
            #expect(try await h.store.soonestDuePosts(accountId: "tiktok-acct", after: now, limit: 0).isEmpty)
            // The other accounts' posts are due now, so after now the next is tiktok-2's.
            #expect(try await h.store.nextDueTime(after: now) == now.adding(milliseconds: hour))
            try await h.store.setAccountStatus(accountId: "tiktok-acct", status: .expired, lastError: "gone")
            #expect(try await h.store.nextDueTime(after: now) == nil)  // only connected accounts count
            #expect(try await h.store.accountsWithDuePosts(at: now).map(\.accountId) == ["facebook-acct", "instagram-acct"])
            try await h.store.clearDueTimes(postIds: ["facebook-0", "facebook-1", "facebook-2"])
            #expect(try await h.store.accountsWithDuePosts(at: now).map(\.accountId) == ["instagram-acct"])
            try await h.store.clearDueTimes(postIds: [])
        }
    }

    @Test(arguments: StoreBackend.available)
    func aRunsScopeCountsConnectedAccountsPostsWithExternalIds(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 3)
            let now = h.clock.now
            _ = try await h.store.upsertPosts([PostRegistration(id: "draft", accountId: "tiktok-acct", externalPostId: nil, postedAt: now)])
            try await h.store.setAccountStatus(accountId: "facebook-acct", status: .needsReconnect, lastError: "revoked")
            let scoped = try await h.store.accountsInScope(workspaceIds: nil, platforms: nil)
            #expect(scoped.map(\.accountId) == ["instagram-acct", "tiktok-acct"])
            #expect(try await h.store.accountsInScope(workspaceIds: ["w1"], platforms: [.tiktok]).map(\.accountId) == ["tiktok-acct"])
            #expect(try await h.store.accountsInScope(workspaceIds: ["elsewhere"], platforms: nil).isEmpty)
            await #expect(throws: StoreError.notFound(.workspace, id: "nope", input: .workspaceId)) {
                try await h.store.accountsInScope(workspaceId: "nope", platforms: nil)
            }
            let since = now.adding(days: -1)
            let posts = try await h.store.postsInScope(accountId: "tiktok-acct", postedSince: since, dueAt: nil)
            #expect(posts.map(\.postId) == ["tiktok-0", "tiktok-1"])  // newest first; no draft, nothing older
            #expect(try await h.store.countPostsInScope(workspaceIds: nil, platforms: nil, postedSince: since, dueAt: nil) == 4)
            #expect(try await h.store.countPostsInScope(workspaceIds: ["w1"], platforms: [.instagram], postedSince: since, dueAt: now) == 2)
            #expect(try await h.store.countPostsInScope(workspaceIds: nil, platforms: nil, postedSince: since, dueAt: now.adding(days: -1)) == 0)
            #expect(try await h.store.postsInScope(accountId: "tiktok-acct", postedSince: since, dueAt: now.adding(days: -1)).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func freshnessIsTalliedFromEveryPostInTheWindow(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 3)
            try await h.store.setAccountStatus(accountId: "facebook-acct", status: .expired, lastError: nil)
            let schedule = RefreshSchedule(cadence: .standard(windowDays: 30))
            var tally = FreshnessTally(now: h.clock.now, schedule: schedule)
            try await h.store.tallyFreshness(into: &tally, workspaceId: "w1", postedSince: h.clock.now.adding(days: -30))
            #expect(tally.bands.map(\.posts).reduce(0, +) == 9)
            #expect(tally.bands.map(\.paused).reduce(0, +) == 3)
            #expect(tally.bands.map(\.due).reduce(0, +) == 6)
            await #expect(throws: StoreError.self) {
                var other = FreshnessTally(now: h.clock.now, schedule: schedule)
                try await h.store.tallyFreshness(into: &other, workspaceId: "nope", postedSince: h.clock.now)
            }
        }
    }
}

/// What a refresh records, runs, credentials and health facts, on every backend.
@Suite struct StoreAttemptsAndRunsTests {
    @Test(arguments: StoreBackend.available)
    func attemptsRecordSnapshotsFailuresAndTheNextDueTime(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 3)
            let now = h.clock.now
            let later = now.adding(milliseconds: 3_600_000)
            let run = try await h.store.startRun(trigger: .rpc, scope: "{\"all\":true}", at: now)
            let written = try await h.store.recordAttempts(runId: run, [
                RefreshAttempt(
                    postId: "instagram-0", accountId: "instagram-acct", platform: .instagram, at: now,
                    outcome: .fetched(Snapshot(postId: "instagram-0", capturedAt: now, values: MetricValues(views: 100, likes: 3),
                                               metadata: ["follows": .int(2)])), nextDueAt: later),
                RefreshAttempt(
                    postId: "instagram-1", accountId: "instagram-acct", platform: .instagram, at: now,
                    outcome: .failed(.permission, message: "no access"), nextDueAt: later),
                RefreshAttempt(
                    postId: "instagram-2", accountId: "instagram-acct", platform: .instagram, at: now, outcome: .noData, nextDueAt: later),
            ])
            #expect(written == 1)
            try await h.store.recordAccountFailure(
                runId: run, accountId: "tiktok-acct", platform: .tiktok, kind: .accountLost, message: "expired", at: now)
            #expect(try await h.store.failureCount(runId: run) == 2)
            let posts = try await h.store.listPosts(workspaceId: "w1", accountId: "instagram-acct", limit: 10, cursor: nil, workspaceIds: nil).posts
            let byId = Dictionary(uniqueKeysWithValues: posts.map { ($0.id, $0) })
            #expect(byId["instagram-0"]?.lastRefreshedAt == now && byId["instagram-0"]?.nextDueAt == later)
            #expect(byId["instagram-1"]?.lastError == "no access" && byId["instagram-1"]?.consecutiveFailures == 1)
            #expect(byId["instagram-2"]?.lastError == nil && byId["instagram-2"]?.lastRefreshedAt == nil && byId["instagram-2"]?.nextDueAt == later)
            // The velocity rule's last reading comes from the fetched snapshot.
            let due = try await h.store.postsInScope(accountId: "instagram-acct", postedSince: now.adding(days: -5), dueAt: nil)
            #expect(due.first { $0.postId == "instagram-0" }?.lastReading == VelocityRule.Reading(value: 100, at: now))
            #expect(try await h.store.recordAttempts(runId: run, []) == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func runsAreListedNewestFirstAndInterruptedWhenLeftRunning(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            let now = h.clock.now
            let first = try await h.store.startRun(trigger: .schedule, scope: "a", at: now)
            let second = try await h.store.startRun(trigger: .rpc, scope: "b", at: now.adding(milliseconds: 5))
            let third = try await h.store.startRun(trigger: .rpc, scope: "c", at: now.adding(milliseconds: 9))
            #expect(first < second && second < third)
            try await h.store.finishRun(id: second, status: .completed, summary: "{\"ok\":true}", at: now.adding(milliseconds: 7))
            #expect(try await h.store.listRuns(limit: 2, before: nil).map(\.id) == [third, second])
            #expect(try await h.store.listRuns(limit: 10, before: second).map(\.id) == [first])
            let finished = try #require(try await h.store.run(id: second))
            #expect(finished == RefreshRunInfo(
                id: second, trigger: .rpc, scope: "b", status: .completed, startedAt: now.adding(milliseconds: 5),
                finishedAt: now.adding(milliseconds: 7), summary: "{\"ok\":true}"))
            #expect(try await h.store.run(id: 999_999) == nil)
            #expect(try await h.store.markRunningRunsInterrupted() == 2)
            #expect(try await h.store.run(id: first)?.status == .interrupted)
            #expect(try await h.store.run(id: first)?.finishedAt == now)
            #expect(try await h.store.healthFacts().lastRun?.id == third)
        }
    }

    @Test(arguments: StoreBackend.available)
    func healthFactsCountAccountsByStatusAndFailingPosts(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            try await h.execute("UPDATE accounts SET status = 'needs_reconnect' WHERE id = 'facebook-acct'")
            try await h.execute("UPDATE posts SET consecutive_failures = 5 WHERE id = 'tiktok-0'")
            try await h.execute("UPDATE posts SET consecutive_failures = 4 WHERE id = 'tiktok-1'")
            let facts = try await h.store.healthFacts()
            #expect(facts.accountsByStatus == [.connected: 2, .needsReconnect: 1])
            #expect(facts.sizeBytes > 0)
            #expect(facts.lastRun == nil)
            #expect(facts.failingPosts == 1)
            #expect(facts.snapshotRows == 0)
            #expect(facts.lastRetention == nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func tokenRotationIsACompareAndSwapOnTheSpentRefreshToken(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            _ = try await h.store.upsertWorkspace(Workspace(id: "w1", name: "Studio"))
            _ = try await h.store.upsertAccount(AccountRegistration(
                id: "tt", workspaceId: "w1", platform: .tiktok, externalAccountId: "e", accessToken: "a0", refreshToken: "r0"))
            let expiry = h.clock.now.adding(days: 1)
            // The grant spent r0: stored.
            #expect(try await h.store.rotateTokens(
                accountId: "tt", replacing: "r0", accessToken: "a1", accessTokenExpiresAt: expiry, refreshToken: "r1",
                refreshTokenExpiresAt: expiry.adding(days: 30)))
            // Another refresh also spent r0 and lost the race: nothing written.
            #expect(try await !h.store.rotateTokens(
                accountId: "tt", replacing: "r0", accessToken: "stale", accessTokenExpiresAt: nil, refreshToken: "r-stale",
                refreshTokenExpiresAt: nil))
            let credentials = try #require(try await h.store.credentials(accountId: "tt"))
            #expect(credentials.accessToken == "a1" && credentials.refreshToken == "r1")
            #expect(credentials.tokenExpiresAt == expiry && credentials.refreshTokenExpiresAt == expiry.adding(days: 30))
            // A grant that returns no new refresh token keeps the stored one.
            #expect(try await h.store.rotateTokens(
                accountId: "tt", replacing: "r1", accessToken: "a2", accessTokenExpiresAt: nil, refreshToken: nil, refreshTokenExpiresAt: nil))
            #expect(try await h.store.credentials(accountId: "tt")?.refreshToken == "r1")
            #expect(try await h.store.credentials(accountId: "tt")?.accessToken == "a2")
            // An account without a refresh token matches nil (IS NOT DISTINCT FROM), and nothing else.
            _ = try await h.store.upsertAccount(AccountRegistration(
                id: "ig", workspaceId: "w1", platform: .instagram, externalAccountId: "i", accessToken: "long-lived"))
            #expect(try await !h.store.rotateTokens(
                accountId: "ig", replacing: "r0", accessToken: "x", accessTokenExpiresAt: nil, refreshToken: nil, refreshTokenExpiresAt: nil))
            #expect(try await h.store.rotateTokens(
                accountId: "ig", replacing: nil, accessToken: "extended", accessTokenExpiresAt: expiry, refreshToken: nil, refreshTokenExpiresAt: nil))
            #expect(try await h.store.credentials(accountId: "ig")?.accessToken == "extended")
            #expect(try await !h.store.rotateTokens(
                accountId: "nobody", replacing: nil, accessToken: "x", accessTokenExpiresAt: nil, refreshToken: nil, refreshTokenExpiresAt: nil))
            #expect(try await h.store.credentials(accountId: "nobody") == nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func retiredMetricsAreRememberedOnce(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.store.rememberRetiredMetrics(platform: .instagram, mediaType: "REELS", metrics: ["plays", "impressions"])
            try await h.store.rememberRetiredMetrics(platform: .instagram, mediaType: "REELS", metrics: ["plays"])
            try await h.store.rememberRetiredMetrics(platform: .facebook, mediaType: "", metrics: ["post_impressions"])
            #expect(try await h.store.retiredMetrics() == [
                .instagram: ["REELS": ["plays", "impressions"]], .facebook: ["": ["post_impressions"]],
            ])
        }
    }
}
