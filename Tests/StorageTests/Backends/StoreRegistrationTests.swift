import MetricsCore
import StorageContract
import Testing

/// Registration on every backend: all-or-nothing calls that name the bad item, conflicts, reconnection.
@Suite struct StoreRegistrationTests {
    @Test(arguments: StoreBackend.available)
    func upsertPostsIsAllOrNothingAndNamesTheBadPost(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let posts = [
                PostRegistration(id: "new-1", accountId: "tiktok-acct", externalPostId: "v1", postedAt: h.clock.now),
                PostRegistration(id: "new-2", accountId: "missing", externalPostId: "v2", postedAt: h.clock.now),
            ]
            let error = try await #require(throws: StoreError.self) { try await h.store.upsertPosts(posts) }
            #expect(error.input == .accountId && error.index == 1)
            #expect(error.kind == .notFound(.account, id: "missing"))
            #expect(try await h.store.listPosts(workspaceId: nil, accountId: "tiktok-acct", limit: 100, cursor: nil, workspaceIds: nil).posts.count == 2)
        }
    }

    @Test(arguments: StoreBackend.available)
    func anExternalIDBelongsToOnePostPerAccount(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let error = try await #require(throws: StoreError.self) {
                try await h.store.upsertPosts([
                    PostRegistration(id: "other", accountId: "tiktok-acct", externalPostId: "x0", postedAt: h.clock.now)
                ])
            }
            #expect(error.kind == .conflict)
            #expect(error.input == .externalPostId && error.index == 0)
            #expect(error.message == #"external post id "x0" is already registered on this account as post "tiktok-0""#)
        }
    }

    @Test(arguments: StoreBackend.available)
    func checksSeeTheEarlierPostsOfTheSameCall(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let now = h.clock.now
            // tiktok-0 gives up x0, which a new post then takes; the same post twice counts once created, once updated.
            let result = try await h.store.upsertPosts([
                PostRegistration(id: "tiktok-0", accountId: "tiktok-acct", externalPostId: "x9", postedAt: now),
                PostRegistration(id: "fresh", accountId: "tiktok-acct", externalPostId: "x0", postedAt: now),
                PostRegistration(id: "fresh", accountId: "tiktok-acct", externalPostId: "x0", postedAt: now.adding(days: -1)),
            ])
            #expect(result == UpsertPostsResult(created: 1, updated: 2))
            // And a post taking an id an earlier item of the call just took is refused, naming that item.
            let error = try await #require(throws: StoreError.self) {
                try await h.store.upsertPosts([
                    PostRegistration(id: "a", accountId: "tiktok-acct", externalPostId: "new", postedAt: now),
                    PostRegistration(id: "b", accountId: "tiktok-acct", externalPostId: "new", postedAt: now),
                ])
            }
            #expect(error.kind == .conflict && error.index == 1)
            let posts = try await h.store.listPosts(workspaceId: "w1", accountId: "tiktok-acct", limit: 10, cursor: nil, workspaceIds: nil).posts
            #expect(posts.map(\.id).sorted() == ["fresh", "tiktok-0", "tiktok-1"])
            #expect(posts.first { $0.id == "fresh" }?.postedAt == now.adding(days: -1))
        }
    }

    @Test(arguments: StoreBackend.available)
    func mediaProductTypesAreInstagramOnly(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let error = try await #require(throws: StoreError.self) {
                try await h.store.upsertPosts([
                    PostRegistration(id: "fb", accountId: "facebook-acct", externalPostId: "p", postedAt: h.clock.now, mediaProductType: .reels)
                ])
            }
            #expect(error.kind == .conflict)
            #expect(error.input == .mediaProductType && error.index == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func healthCountsConnectedAccountsWhoseCredentialsEndWithinAWeek(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()  // no expiry known: none counted
            #expect(try await h.store.healthFacts().tokensExpiringSoon == 0)
            let day: Int64 = 86_400_000
            // An access token with no refresh token, ending in 3 days: counted; in 8 days: not yet.
            _ = try await h.store.upsertAccount(AccountRegistration(
                id: "instagram-acct", workspaceId: "w1", platform: .instagram, externalAccountId: "ext-instagram", accessToken: "t",
                tokenExpiresAt: h.clock.now.adding(milliseconds: 3 * day)))
            _ = try await h.store.upsertAccount(AccountRegistration(
                id: "facebook-acct", workspaceId: "w1", platform: .facebook, externalAccountId: "ext-facebook", accessToken: "t",
                tokenExpiresAt: h.clock.now.adding(milliseconds: 8 * day)))
            #expect(try await h.store.healthFacts().tokensExpiringSoon == 1)
            // With a refresh token the access token's end is renewed by the daemon: the refresh token's end counts.
            _ = try await h.store.rotateTokens(
                accountId: "tiktok-acct", replacing: nil, accessToken: "a", accessTokenExpiresAt: h.clock.now.adding(milliseconds: day / 24),
                refreshToken: "r", refreshTokenExpiresAt: h.clock.now.adding(milliseconds: 300 * day))
            #expect(try await h.store.healthFacts().tokensExpiringSoon == 1)
            // An account that is no longer connected has its own alert.
            try await h.execute("UPDATE accounts SET status = 'expired' WHERE id = 'instagram-acct'")
            #expect(try await h.store.healthFacts().tokensExpiringSoon == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func reRegisteringAnAccountReconnectsItAndAnotherPlatformIsAConflict(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            try await h.execute("UPDATE accounts SET status = 'expired', last_error = 'token expired' WHERE id = 'tiktok-acct'")
            let outcome = try await h.store.upsertAccount(AccountRegistration(
                id: "tiktok-acct", workspaceId: "w1", platform: .tiktok, externalAccountId: "ext-tiktok", accessToken: "fresh"))
            #expect(outcome == .updated)
            let account = try #require(try await h.store.listAccounts(workspaceId: "w1").first { $0.id == "tiktok-acct" })
            #expect(account.status == .connected)
            #expect(account.lastError == nil)

            let error = try await #require(throws: StoreError.self) {
                try await h.store.upsertAccount(AccountRegistration(
                    id: "tiktok-acct", workspaceId: "w1", platform: .instagram, externalAccountId: "e", accessToken: "t"))
            }
            #expect(error.input == .platform && error.index == nil)
            let duplicate = try await #require(throws: StoreError.self) {
                try await h.store.upsertAccount(AccountRegistration(
                    id: "other", workspaceId: "w1", platform: .tiktok, externalAccountId: "ext-tiktok", accessToken: "t"))
            }
            #expect(duplicate.input == .externalAccountId && duplicate.kind == .conflict)
            let unknown = try await #require(throws: StoreError.self) {
                try await h.store.upsertAccount(AccountRegistration(
                    id: "x", workspaceId: "nowhere", platform: .tiktok, externalAccountId: "e", accessToken: "t"))
            }
            #expect(unknown.kind == .notFound(.workspace, id: "nowhere"))
        }
    }

    @Test(arguments: StoreBackend.available)
    func workspacesAreCreatedThenUpdatedAndAnUnknownTimeZoneIsInvalid(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            #expect(try await h.store.upsertWorkspace(Workspace(id: "w", name: "One")) == .created)
            #expect(try await h.store.upsertWorkspace(Workspace(id: "w", name: "Two", timeZone: "Europe/Paris")) == .updated)
            let summary = try #require(try await h.store.workspace(id: "w"))
            #expect(summary.workspace == Workspace(id: "w", name: "Two", timeZone: "Europe/Paris"))
            #expect(summary.createdAt == h.clock.now)
            #expect(try await h.store.workspace(id: "nope") == nil)
            let error = try await #require(throws: StoreError.self) {
                try await h.store.upsertWorkspace(Workspace(id: "w", name: "Two", timeZone: "Mars/Base"))
            }
            #expect(error.kind == .invalid && error.input == .timeZone)
        }
    }

    @Test(arguments: StoreBackend.available)
    func anAccountMovingWorkspaceTakesItsPostsAndTheirTotals(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            _ = try await h.store.upsertWorkspace(Workspace(id: "w2", name: "Other", timeZone: "America/New_York"))
            _ = try await h.store.importSnapshots([
                Snapshot(postId: "tiktok-0", capturedAt: Timestamp(iso8601: "2026-11-24T03:00:00Z")!, values: MetricValues(views: 10))
            ])
            _ = try await h.store.upsertAccount(AccountRegistration(
                id: "tiktok-acct", workspaceId: "w2", platform: .tiktok, externalAccountId: "ext-tiktok", accessToken: "t"))
            #expect(try await h.store.workspaceIds(ofPosts: ["tiktok-0", "tiktok-1", "nope"]) == ["w2", "w2", nil])
            #expect(try await h.store.workspaceId(ofAccount: "tiktok-acct") == "w2")
            // 03:00 UTC is the 23rd in New York: the day moved with the time zone.
            let day = LocalCalendar.day(iso8601: "2026-11-23")!
            #expect(try await h.store.dailyTotals(workspaceId: "w2", platform: nil, days: day...day).map { $0.values.views } == [10])
            #expect(try await h.store.dailyTotals(workspaceId: "w1", platform: nil, days: (day - 5)...(day + 5)).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func listingsNeverCarryTokens(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let rendered = "\(try await h.store.listAccounts(workspaceId: nil))"
            #expect(!rendered.contains("secret-"))
            let accounts = try await h.store.listAccounts(workspaceId: nil)
            #expect(accounts.map(\.id) == ["facebook-acct", "instagram-acct", "tiktok-acct"])
            #expect(accounts.allSatisfy { $0.postCount == 2 && !$0.hasRefreshToken })
            await #expect(throws: StoreError.notFound(.workspace, id: "nope", input: .workspaceId)) {
                try await h.store.listAccounts(workspaceId: "nope")
            }
        }
    }
}

/// A stored spelling the code does not know is an error, never a guess (it was once read as Instagram / disconnected).
@Suite struct StoredValueTests {
    @Test(arguments: StoreBackend.available)
    func anUnknownPlatformOrStatusInTheDatabaseFailsTheReadInsteadOfBecomingADefault(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 1)
            // What a newer metricsd, or a hand edit, could leave behind: spellings this build does not know.
            switch backend {
            case .sqlite: try await h.execute("PRAGMA ignore_check_constraints = ON")
            case .postgres:
                try await h.execute("ALTER TABLE accounts DROP CONSTRAINT accounts_status_check")
                try await h.execute("ALTER TABLE posts DROP CONSTRAINT posts_platform_check")
            }
            try await h.execute("UPDATE accounts SET status = 'suspended' WHERE id = 'tiktok-acct'")
            try await h.execute("UPDATE posts SET platform = 'myspace' WHERE id = 'instagram-0'")
            // None is a StoreError: nothing the caller sent was wrong, so it must not read as a bad request.
            let accounts = try await #require(throws: (any Error).self) { try await h.store.listAccounts(workspaceId: "w1") }
            #expect(!(accounts is StoreError))
            let posts = try await #require(throws: (any Error).self) {
                try await h.store.listPosts(workspaceId: "w1", accountId: nil, limit: 10, cursor: nil, workspaceIds: nil)
            }
            #expect(!(posts is StoreError))
            let latest = try await #require(throws: (any Error).self) { try await h.store.latestMetrics(postIds: ["instagram-0"]) }
            #expect(!(latest is StoreError))
        }
    }
}
