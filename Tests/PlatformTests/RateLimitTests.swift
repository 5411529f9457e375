import MetricsCore
import PlatformClients
import PlatformSimulator
import Testing

@Suite("Rate limits and usage headers")
struct RateLimitTests {
    @Test("an Instagram account's budget: usage climbs to 100, then #80002 with the regain time, then access returns")
    func instagramAccountBudget() async throws {
        try await withSimulator(configure: { configuration in
            configuration.metaLimits.enabled = true
            configuration.metaLimits.accountCallBudget = 5
            configuration.metaLimits.windowSeconds = 600
        }) { sim in
            var percents: [Int] = []
            for _ in 0..<5 {
                let response = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
                let entry = try #require(response.usage.businessUseCase.first)
                #expect(entry.objectID == Fixture.igUser)
                #expect(entry.type == "instagram")
                #expect(response.usage.app != nil)
                percents.append(entry.callCount)
            }
            #expect(percents == [20, 40, 60, 80, 100])

            let error = await failure {
                try await sim.instagram.insights(
                    mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken, accountID: Fixture.igUser)
            }
            #expect(error?.kind == .rateLimited(scope: .account, retryAfterSeconds: 600, code: "80002"))
            #expect(error?.usage.businessUseCase.first?.callCount == 120)
            #expect(error?.usage.regainAccessSeconds(for: Fixture.igUser) == 600)
            #expect(sim.simulator.stats().account(Fixture.igUser).rateLimited == 1)

            // Other accounts are not affected.
            _ = try await sim.instagram.media(mediaID: Fixture.hiddenLikes, accessToken: Fixture.igHiddenToken)

            sim.clock.advance(milliseconds: 601_000)
            let recovered = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            #expect(recovered.usage.businessUseCase.first?.callCount == 20)
        }
    }

    @Test("the app budget answers #4 for everyone")
    func appBudget() async throws {
        try await withSimulator(configure: { configuration in
            configuration.metaLimits.enabled = true
            configuration.metaLimits.appCallBudget = 2
        }) { sim in
            _ = try await sim.instagram.media(mediaID: Fixture.feed, accessToken: Fixture.igToken)
            let second = try await sim.facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken)
            #expect(second.usage.app?.callCount == 100)
            let error = await failure { try await sim.instagram.media(mediaID: Fixture.hiddenLikes, accessToken: Fixture.igHiddenToken) }
            guard case .rateLimited(let scope, _, let code)? = error?.kind else {
                Issue.record("expected rateLimited, got \(String(describing: error))")
                return
            }
            #expect(scope == .app)
            #expect(code == "4")
            #expect(error?.usage.app?.callCount == 150)
        }
    }

    @Test("a Page's budget answers #32 for that Page")
    func pageBudget() async throws {
        try await withSimulator(configure: { configuration in
            configuration.metaLimits.enabled = true
            configuration.metaLimits.accountCallBudget = 1
        }) { sim in
            _ = try await sim.facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken)
            let error = await failure {
                try await sim.facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken, pageID: Fixture.page)
            }
            guard case .rateLimited(let scope, let retryAfter, let code)? = error?.kind else {
                Issue.record("expected rateLimited, got \(String(describing: error))")
                return
            }
            #expect(scope == .account)
            #expect(code == "32")
            #expect(retryAfter == 3600)
            #expect(error?.usage.businessUseCase.first?.type == "pages")
        }
    }

    @Test("user, custom and business-use-case limits throttle the account", arguments: [17, 613, 80001])
    func scriptedAccountLimits(code: Int) async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.graphError(code: code), pathContains: "/insights"))
            let error = await failure {
                try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            }
            #expect(error?.kind == .rateLimited(scope: .account, retryAfterSeconds: nil, code: String(code)))
            // One-shot: the next call goes through.
            _ = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
        }
    }

    @Test("TikTok: 600 a minute per endpoint (scaled to 3 a second), then 429 rate_limit_exceeded")
    func tiktokWindow() async throws {
        try await withSimulator(configure: { configuration in
            configuration.tiktokLimits.enabled = true
            configuration.tiktokLimits.requestsPerWindow = 3
            configuration.tiktokLimits.windowSeconds = 1
        }) { sim in
            for _ in 0..<3 {
                _ = try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken)
            }
            let error = await failure { try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken) }
            #expect(error?.kind == .rateLimited(scope: .app, retryAfterSeconds: nil, code: "rate_limit_exceeded"))
            #expect(error?.httpStatus == 429)
            // Per endpoint: the list endpoint has its own window.
            _ = try await sim.tiktok.recentVideos(accessToken: Fixture.tiktokToken, since: Fixture.daysAgo(1))
            #expect(sim.simulator.stats().endpoint(.tiktokVideoQuery).rateLimited == 1)

            sim.clock.advance(milliseconds: 1_000)
            _ = try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken)
        }
    }

    @Test("a garbled usage header does not cost the metrics")
    func malformedUsageHeader() async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.headers([
                "X-App-Usage": "{call_count: lots", "X-Business-Use-Case-Usage": "[]",
            ])))
            let response = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            #expect(response.value.values.likes == 50)
            #expect(response.usage.malformedHeaders == ["X-App-Usage", "X-Business-Use-Case-Usage"])
            #expect(response.usage.app == nil)
        }
    }
}
