import MetricsCore
import PlatformSimulator
import RefreshEngine
import StorageContract
import Testing
import TestSupport

/// What the engine does with each kind of platform failure, end to end.
@Suite(.timeLimit(.minutes(3))) struct FailureHandlingTests {
    // MARK: Tokens

    @Test func anInstagramTokenExpiringMidRunMarksTheAccountExpiredAndSkipsItsRemainingPosts() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("ig", platform: .instagram, external: "17841400000000001")
            var posts: [String] = []
            for index in 0..<5 {
                posts.append(try await f.post("1790000000000001\(index)", on: account, daysAgo: Double(index) + 1))
            }
            // A second account whose token the platform already considers expired, and a healthy third one.
            let stale = try await f.account(
                "ig-stale", platform: .instagram, external: "17841400000000002", platformExpiry: f.now.adding(seconds: -60))
            try await f.post("17900000000000020", on: stale)
            try await f.post("17900000000000021", on: stale, daysAgo: 2)
            let healthy = try await f.account("ig-zz", platform: .instagram, external: "17841400000000003")
            let healthyPost = try await f.post("17900000000000030", on: healthy)
            // The third call of the first account meets Meta's 190/463.
            f.simulator.inject(ScriptedFault(.graphError(code: 190, subcode: 463), pathContains: "/17900000000000012/"))
            let engine = try await f.makeEngine()

            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            let report = try await handle.report()

            let detail = try #require(report.detail("ig"))
            #expect(detail.metricsUpdated == 2)
            #expect(detail.postsProcessed == 2)
            #expect(detail.postsSkipped == 3)
            #expect(detail.errors.count == 1)
            #expect(detail.errors.first?.hasPrefix("Account ig: token expired") == true)
            #expect(try f.latest(posts[1]).capturedAt != nil)
            #expect(try f.latest(posts[3]).capturedAt == nil)
            // It stopped calling: two successes and the failing call, nothing for the last two posts.
            let stats = f.simulator.stats()
            #expect(stats.account(account.external).requests == 2)
            #expect(stats.endpoint(.graphOther).requests == 1)

            #expect(report.detail("ig-stale")?.postsSkipped == 2)
            #expect(stats.account(stale.external).requests == 1)
            #expect(report.detail("ig-zz")?.metricsUpdated == 1)
            #expect(try f.latest(healthyPost).capturedAt != nil)
            #expect(report.summary.totalSkipped == 5)

            // What health and listAccounts show.
            #expect(try f.accountSummary("ig")?.status == .expired)
            #expect(try f.accountSummary("ig")?.lastError?.contains("token expired") == true)
            #expect(try f.accountSummary("ig-stale")?.status == .expired)
            #expect(try f.accountSummary("ig-stale")?.lastError?.contains("Session has expired") == true)
            #expect(try f.accountSummary("ig-zz")?.status == .connected)
            #expect(try f.store.healthFacts().accountsByStatus[.expired] == 2)

            // The next run leaves expired accounts alone.
            f.simulator.resetStats()
            let next = try await engine.start(.all(platforms: nil), trigger: .schedule).report()
            #expect(f.simulator.stats().total.requests == 1)
            #expect(next.details.map(\.accountId) == ["ig-zz"])
        }
    }

    @Test func aTokenTheUserMustReconnectMarksTheAccountNeedsReconnect() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("tt", platform: .tiktok, external: "open-1")
            try await f.post("7100000000000000001", on: account)
            f.simulator.inject(ScriptedFault(.tiktokError(code: "scope_not_authorized", httpStatus: 401)))
            let report = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc).report()
            #expect(report.detail("tt")?.postsSkipped == 1)
            #expect(try f.accountSummary("tt")?.status == .needsReconnect)
        }
    }

    @Test func tiktokRefreshesAnInvalidAccessTokenAndStoresTheRotatedPairBeforeUsingIt() async throws {
        // One clock for platform and engine, so the stored expiry times can be compared exactly.
        try await withEngineFixture(clock: ManualClock()) { f in
            // The store does not know the token has expired; TikTok says so on the first query.
            let account = try await f.account(
                "tt", platform: .tiktok, external: "open-1", token: "act.old", refreshToken: "rft.old",
                platformExpiry: f.now.adding(seconds: -1))
            let video = try await f.post("7100000000000000001", on: account)
            let engine = try await f.makeEngine()

            let report = try await engine.start(.all(platforms: nil), trigger: .rpc).report()

            #expect(report.detail("tt")?.metricsUpdated == 1)
            #expect(try f.latest(video).values.views == 1000)
            let platformTokens = try #require(f.simulator.tokens(of: "open-1"))
            let stored = try #require(try await f.store.credentials(accountId: "tt"))
            #expect(stored.accessToken == platformTokens.accessToken)
            #expect(stored.accessToken != "act.old")
            #expect(stored.refreshToken == platformTokens.refreshToken)
            #expect(stored.refreshToken != "rft.old")
            #expect(stored.tokenExpiresAt == platformTokens.accessTokenExpiresAt)
            #expect(stored.refreshTokenExpiresAt == platformTokens.refreshTokenExpiresAt)
            #expect(stored.status == .connected)
            // The old refresh token is dead on the platform: only the stored one can refresh again.
            #expect(!f.simulator.isRefreshTokenValid("rft.old"))
            #expect(f.simulator.isRefreshTokenValid(try #require(stored.refreshToken)))
            let stats = f.simulator.stats()
            #expect(stats.endpoint(.tiktokOAuthToken).requests == 1)
            #expect(stats.endpoint(.tiktokVideoQuery).requests == 2)
            #expect(stats.endpoint(.tiktokVideoQuery).errors == 1)
        }
    }

    @Test func overlappingRunsRefreshingTheSameTikTokTokenKeepTheAccountConnected() async throws {
        try await withEngineFixture { f in
            let account = try await f.account(
                "tt", platform: .tiktok, external: "open-1", token: "act.old", refreshToken: "rft.old",
                platformExpiry: f.now.adding(seconds: -1))
            let video = try await f.post("7100000000000000001", on: account)
            // Slow token answers, so both runs are inside the grant at once.
            f.simulator.inject(ScriptedFault(.latency(milliseconds: 200), pathContains: "/v2/oauth/token", times: 2))
            let engine = try await f.makeEngine()

            async let scheduled = engine.start(.all(platforms: nil), trigger: .schedule)
            async let requested = engine.start(.workspace("w1"), trigger: .rpc)
            let (a, b) = try await (scheduled, requested)
            let (first, second) = try await (a.report(), b.report())

            #expect(try f.accountSummary("tt")?.status == .connected)
            #expect(first.detail("tt")?.metricsUpdated == 1)
            #expect(second.detail("tt")?.metricsUpdated == 1)
            #expect(try f.latest(video).capturedAt != nil)
            // Whatever the store holds is what the platform will accept next time.
            let stored = try #require(try await f.store.credentials(accountId: "tt"))
            #expect(stored.refreshToken == f.simulator.tokens(of: "open-1")?.refreshToken)
            #expect(f.simulator.isRefreshTokenValid(try #require(stored.refreshToken)))
        }
    }

    @Test func aShutdownDuringTheTokenGrantDoesNotMarkTheAccountLost() async throws {
        try await withEngineFixture { f in
            let account = try await f.account(
                "tt", platform: .tiktok, external: "open-1", token: "act.old", refreshToken: "rft.old",
                platformExpiry: f.now.adding(seconds: -1))
            try await f.post("7100000000000000001", on: account)
            f.simulator.inject(ScriptedFault(.latency(milliseconds: 3000), pathContains: "/v2/oauth/token"))
            let engine = try await f.makeEngine()
            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            try await waitUntil("the grant is in flight") { f.simulator.stats().endpoint(.tiktokOAuthToken).requests == 1 }

            await engine.shutdown()

            await #expect(throws: CancellationError.self) { try await handle.report() }
            #expect(try f.store.run(id: try await handle.runId)?.status == .interrupted)
            #expect(try f.accountSummary("tt")?.status == .connected)
        }
    }

    @Test func tiktokRefreshesATokenAboutToExpireBeforeItsFirstCall() async throws {
        try await withEngineFixture { f in
            let account = try await f.account(
                "tt", platform: .tiktok, external: "open-1", token: "act.old", refreshToken: "rft.old",
                storedExpiry: f.now.adding(seconds: 60), platformExpiry: f.now.adding(seconds: 60))
            let video = try await f.post("7100000000000000001", on: account)
            let report = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc).report()
            #expect(report.detail("tt")?.metricsUpdated == 1)
            #expect(try f.latest(video).capturedAt != nil)
            let stats = f.simulator.stats()
            #expect(stats.endpoint(.tiktokOAuthToken).requests == 1)
            #expect(stats.endpoint(.tiktokVideoQuery).requests == 1)
            #expect(stats.total.errors == 0)
            #expect(try await f.store.credentials(accountId: "tt")?.tokenExpiresAt ?? f.now > f.now.adding(seconds: 3600))
        }
    }

    @Test func aRejectedRefreshTokenMarksTheAccountExpired() async throws {
        try await withEngineFixture { f in
            let account = try await f.account(
                "tt", platform: .tiktok, external: "open-1", token: "act.old", refreshToken: "rft.platform",
                storedRefreshToken: "rft.unknown", platformExpiry: f.now.adding(seconds: -1))
            try await f.post("7100000000000000001", on: account)
            try await f.post("7100000000000000002", on: account)
            let report = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc).report()
            #expect(report.detail("tt")?.postsSkipped == 2)
            #expect(report.detail("tt")?.metricsUpdated == 0)
            #expect(try f.accountSummary("tt")?.status == .expired)
            #expect(try f.accountSummary("tt")?.lastError?.contains("token refresh failed") == true)
            #expect(f.simulator.stats().endpoint(.tiktokOAuthToken).requests == 1)
        }
    }

    @Test func instagramExtendsATokenWithinAWeekOfExpiryBeforeItsFirstCall() async throws {
        // A manual clock the simulator shares: the expiry Instagram computes and the one stored agree exactly,
        // however long the machine takes to answer.
        try await withEngineFixture(clock: ManualClock()) { f in
            let expiry = f.now.adding(seconds: 5 * 86_400)
            let account = try await f.account(
                "ig", platform: .instagram, token: "IGAA-old", storedExpiry: expiry, platformExpiry: expiry,
                platformIssuedAt: f.daysAgo(55))
            let post = try await f.post("ig-media-1", on: account)
            let report = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc).report()
            #expect(report.detail("ig")?.metricsUpdated == 1)
            #expect(try f.latest(post).capturedAt != nil)
            let stats = f.simulator.stats()
            #expect(stats.endpoint(.instagramRefreshToken).requests == 1)
            #expect(stats.total.errors == 0)
            let stored = try #require(try await f.store.credentials(accountId: "ig"))
            let platform = try #require(f.simulator.tokens(of: account.external))
            #expect(stored.accessToken == platform.accessToken)
            #expect(stored.accessToken != "IGAA-old")
            // expires_in counts from when Instagram answered; the client dates it on receipt.
            let storedExpiry = try #require(stored.tokenExpiresAt)
            let platformExpiry = try #require(platform.accessTokenExpiresAt)
            #expect(storedExpiry == platformExpiry)
            #expect(storedExpiry > f.now.adding(seconds: 50 * 86_400))
            #expect(try f.accountSummary("ig")?.status == .connected)
        }
    }

    @Test func anInstagramTokenFarFromExpiryIsLeftAlone() async throws {
        try await withEngineFixture { f in
            let expiry = f.now.adding(seconds: 30 * 86_400)
            let account = try await f.account(
                "ig", platform: .instagram, token: "IGAA-current", storedExpiry: expiry, platformExpiry: expiry,
                platformIssuedAt: f.daysAgo(30))
            try await f.post("ig-media-1", on: account)
            let report = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc).report()
            #expect(report.detail("ig")?.metricsUpdated == 1)
            #expect(f.simulator.stats().endpoint(.instagramRefreshToken).requests == 0)
            #expect(try await f.store.credentials(accountId: "ig")?.accessToken == "IGAA-current")
        }
    }

    @Test func aRefusedInstagramExtensionKeepsTheAccountOnItsCurrentToken() async throws {
        try await withEngineFixture { f in
            // Issued an hour ago: Instagram refuses to extend a token younger than a day.
            let expiry = f.now.adding(seconds: 3 * 86_400)
            let account = try await f.account(
                "ig", platform: .instagram, token: "IGAA-young", storedExpiry: expiry, platformExpiry: expiry,
                platformIssuedAt: f.now.adding(seconds: -3600))
            let post = try await f.post("ig-media-1", on: account)
            let report = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc).report()
            #expect(f.simulator.stats().endpoint(.instagramRefreshToken).requests == 1)
            #expect(report.detail("ig")?.metricsUpdated == 1)
            #expect(report.detail("ig")?.postsSkipped == 0)
            #expect(try f.latest(post).capturedAt != nil)
            #expect(try await f.store.credentials(accountId: "ig")?.accessToken == "IGAA-young")
            #expect(try f.accountSummary("ig")?.status == .connected)
        }
    }

    // MARK: Retired metrics

    @Test func aMetricInstagramRefusesIsDroppedRememberedAndNotSentAgain() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("ig", platform: .instagram, external: "17841400000000001")
            let feed = try await f.post("17900000000000010", on: account, type: .feed)
            let reel = try await f.post("17900000000000011", on: account, daysAgo: 2, type: .reels)
            // Instagram stops supporting `profile_visits` for FEED media: the whole request fails with #100.
            f.simulator.inject(ScriptedFault(
                .graphError(
                    code: 100,
                    message: "(#100) The Media Insights API does not support the profile_visits metric for this media product type."),
                pathContains: "/17900000000000010/"))
            let engine = try await f.makeEngine()

            let firstRun = try await engine.start(.all(platforms: nil), trigger: .rpc)
            let first = try await firstRun.report()

            // The post still got its snapshot, from the retry without the metric.
            #expect(first.summary.totalMetricsUpdated == 2)
            #expect(first.summary.totalErrors == 0)
            #expect(try await f.store.failureCount(runId: try await firstRun.runId) == 0)
            #expect(try f.latest(feed).values.views == 1000)
            #expect(try f.latestMetadata(feed)["profile_visits"] == nil)
            #expect(try f.latestMetadata(feed)["follows"] == .int(2))
            #expect(try await f.store.retiredMetrics() == [.instagram: ["FEED": ["profile_visits"]]])
            var stats = f.simulator.stats()
            #expect(stats.endpoint(.instagramInsights).requests == 2)  // the retry and the reel
            #expect(stats.endpoint(.graphOther).requests == 1)  // the refused call

            // Next run: one call per post, none refused, and the metric is not asked for (the simulator would
            // have answered it, and it would be in the snapshot's metadata).
            f.simulator.resetStats()
            _ = try await engine.start(.all(platforms: nil), trigger: .schedule).report()
            stats = f.simulator.stats()
            #expect(stats.total.requests == 2)
            #expect(stats.total.errors == 0)
            #expect(try f.latestMetadata(feed)["profile_visits"] == nil)
            #expect(try f.snapshotCount(feed) == 2)
            #expect(try f.latest(reel).capturedAt != nil)

            // A new engine (a restarted daemon) reads what was learned from the store: it does not ask either.
            f.simulator.resetStats()
            _ = try await f.makeEngine().start(.all(platforms: nil), trigger: .schedule).report()
            #expect(f.simulator.stats().total.requests == 2)
            #expect(try f.snapshotCount(feed) == 3)
            #expect(try f.latestMetadata(feed)["profile_visits"] == nil)
            #expect(try f.latestMetadata(feed)["follows"] == .int(2))
        }
    }

    @Test func aRefusalThatNamesNoRetiredMetricFailsThatPostWithoutGuessing() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("ig", platform: .instagram, external: "17841400000000001")
            let post = try await f.post("17900000000000010", on: account)
            f.simulator.inject(ScriptedFault(
                .graphError(code: 100, message: "(#100) The value must be a valid insights metric"),
                pathContains: "/17900000000000010/"))
            let handle = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc)
            let report = try await handle.report()
            #expect(report.summary.totalErrors == 1)
            #expect(try f.failureKinds(runId: try await handle.runId) == [post: "unsupported_metric"])
            #expect(f.simulator.stats().total.requests == 1)
            #expect(try await f.store.retiredMetrics().isEmpty)
        }
    }

    // MARK: Transient and malformed answers

    @Test func aServerErrorIsRetriedWithBackoffAndTheSnapshotWritten() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("fb", platform: .facebook, external: "100000000000001")
            let post = try await f.post("100000000000001_1", on: account)
            f.simulator.inject(ScriptedFault(.serverError, pathContains: "/100000000000001_1"))
            let handle = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc)
            let report = try await handle.report()
            #expect(try f.latest(post).values.views == 500)
            #expect(report.summary.totalMetricsUpdated == 1)
            #expect(report.summary.totalErrors == 0)
            #expect(try await f.store.failureCount(runId: try await handle.runId) == 0)
            #expect(f.simulator.stats().total.requests == 2)
            #expect(f.simulator.stats().total.faults == 1)
        }
    }

    @Test func aPersistentServerErrorIsGivenUpAfterTheConfiguredRetriesAndRecorded() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("tt", platform: .tiktok, external: "open-1")
            let video = try await f.post("7100000000000000001", on: account)
            f.simulator.inject(ScriptedFault(.serverError, pathContains: "/v2/video/query", times: 100))
            let handle = try await f.makeEngine {
                $0.backoff = Backoff(initialMilliseconds: 5, maximumMilliseconds: 20, maximumRetries: 3)
            }.start(.all(platforms: nil), trigger: .rpc)
            let report = try await handle.report()
            // One try and three retries.
            #expect(f.simulator.stats().total.requests == 4)
            #expect(try f.failureKinds(runId: try await handle.runId) == [video: "transient"])
            #expect(report.detail("tt")?.errors.first?.contains("gave up after 4 attempts") == true)
            #expect(report.detail("tt")?.postsProcessed == 1)
            #expect(report.detail("tt")?.metricsUpdated == 0)
            // A transient failure is the post's, not the account's.
            #expect(try f.accountSummary("tt")?.status == .connected)
            #expect(try f.store.run(id: try await handle.runId)?.status == .completed)
        }
    }

    @Test func aMalformedAnswerIsRecordedForThatPostAndTheRunCompletes() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("ig", platform: .instagram, external: "17841400000000001")
            let broken = try await f.post("17900000000000010", on: account)
            let fine = try await f.post("17900000000000011", on: account, daysAgo: 2)
            f.simulator.inject(ScriptedFault(.malformed, pathContains: "/17900000000000010/"))
            let handle = try await f.makeEngine().start(.all(platforms: nil), trigger: .rpc)
            let report = try await handle.report()
            let runId = try await handle.runId
            #expect(try await f.store.failureCount(runId: runId) == 1)
            #expect(try f.failureKinds(runId: runId) == [broken: "malformed"])
            #expect(try f.latest(broken).capturedAt == nil)
            #expect(try f.latest(fine).capturedAt != nil)
            #expect(report.summary.totalErrors == 1)
            #expect(report.summary.totalMetricsUpdated == 1)
            // Not retried: a malformed answer is not transient.
            #expect(f.simulator.stats().total.requests == 2)
            let run = try #require(try f.store.run(id: runId))
            #expect(run.status == .completed)
            #expect(run.summary?.contains("\"totalErrors\":1") == true)
            let posts = try f.store.listPosts(workspaceId: nil, accountId: "ig", limit: 10, cursor: nil).posts
            #expect(posts.first { $0.id == broken }?.lastError?.hasPrefix("malformed response") == true)
        }
    }
}
