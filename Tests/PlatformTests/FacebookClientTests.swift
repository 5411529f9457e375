import MetricsCore
import PlatformClients
import PlatformSimulator
import Testing

@Suite("Facebook client against the simulator")
struct FacebookClientTests {
    @Test("one call per post carries counts and insights")
    func postMetrics() async throws {
        try await withSimulator { sim in
            let response = try await sim.facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken)
            #expect(response.value.values == MetricValues(views: 500, reach: 300, likes: 12, comments: 3, shares: 4))
            #expect(response.value.metadata["reactions"] == .object(["like": .int(10), "love": .int(2)]))
            #expect(response.value.metadata["clicks"] == .int(9))
            let stats = sim.simulator.stats()
            #expect(stats.endpoint(.facebookPost).requests == 1)
            #expect(stats.endpoint(.facebookInsights).requests == 0)
            #expect(stats.total.requests == 1)
        }
    }

    @Test("absent shares are a reported zero")
    func absentShares() async throws {
        try await withSimulator { sim in
            let response = try await sim.facebook.postMetrics(postID: Fixture.postWithoutShares, accessToken: Fixture.pageToken)
            #expect(response.value.values.shares == 0)
            #expect(response.value.values.likes == 1)
        }
    }

    @Test("a retired metric fails the whole request; the requested set is reported")
    func retiredMetric() async throws {
        try await withSimulator { sim in
            let error = await failure {
                try await sim.facebook.postMetrics(
                    postID: Fixture.post, accessToken: Fixture.pageToken, extraMetrics: ["post_impressions_unique"])
            }
            guard case .unsupportedMetric(let names, let identified, let message)? = error?.kind else {
                Issue.record("expected unsupportedMetric, got \(String(describing: error))")
                return
            }
            #expect(!identified)
            #expect(names.contains("post_impressions_unique"))
            #expect(message == "(#100) The value must be a valid insights metric")
            // Dropping it (as the engine would) makes the call work again.
            let retry = try await sim.facebook.postMetrics(
                postID: Fixture.post, accessToken: Fixture.pageToken, excludedMetrics: ["post_impressions_unique"])
            #expect(retry.value.values.views == 500)
        }
    }

    @Test("discovery pages through /posts")
    func discovery() async throws {
        var seed = Fixture.seed()
        for index in 3...12 {
            seed.posts.append(.init(id: "\(Fixture.page)_\(index)", account: Fixture.page, createdAt: Fixture.daysAgo(Double(index))))
        }
        seed.posts.append(.init(id: "\(Fixture.page)_99", account: Fixture.page, createdAt: Fixture.daysAgo(45)))
        try await withSimulator(seed: seed) { sim in
            let found = try await sim.facebook.recentPosts(
                pageID: Fixture.page, accessToken: Fixture.pageToken, since: Fixture.daysAgo(30), pageSize: 4)
            #expect(found.value.count == 12)
            #expect(!found.value.contains { $0.externalID == "\(Fixture.page)_99" })
            #expect(found.value.allSatisfy { $0.mediaProductType == nil })
            #expect(sim.simulator.stats().endpoint(.facebookPosts).requests == 3)
        }
    }

    @Test("the simulator's insights edge answers the documented shape")
    func insightsEdge() async throws {
        try await withSimulator { sim in
            let response = try await HTTPProbe.get(
                "\(sim.simulator.baseURL)/v25.0/\(Fixture.post)/insights?metric=post_reactions_by_type_total&period=lifetime&access_token=\(Fixture.pageToken)")
            #expect(response.status == 200)
            #expect(response.body.contains(#""values":[{"value":{"like":10,"love":2}}]"#))
            #expect(response.body.contains(#""id":"100000000000001_1/insights/post_reactions_by_type_total/lifetime""#))
        }
    }
}
