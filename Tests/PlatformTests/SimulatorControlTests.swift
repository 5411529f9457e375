import Foundation
import MetricsCore
import PlatformClients
import PlatformSimulator
import Testing

@Suite("Simulator control over HTTP and in process")
struct SimulatorControlTests {
    @Test("seed, stats, reset-stats and clock over HTTP")
    func controlRoutes() async throws {
        try await withSimulator(seed: SimulatorSeed()) { sim in
            let base = sim.simulator.baseURL
            let seed = #"{"accounts":[{"platform":"tiktok","id":"o1","accessToken":"act.x","refreshToken":"rft.x"}],"posts":[{"id":"7300000000000000001","account":"o1","createdAt":"2026-11-19T12:00:00Z","metrics":{"views":10}}]}"#
            let seeded = try await HTTPProbe.post("\(base)/_sim/seed", body: seed)
            #expect(seeded.status == 200)
            let summary = try JSONDecoder().decode(SeedSummary.self, from: Data(seeded.body.utf8))
            #expect(summary.accounts.first?.postIDs == ["7300000000000000001"])
            #expect(summary.accounts.first?.accessTokenExpiresAt == Fixture.now.adding(milliseconds: 7_200_000))

            _ = try await sim.tiktok.videoQuery(ids: ["7300000000000000001"], accessToken: "act.x")
            let stats = try JSONDecoder().decode(
                SimulatorStats.self, from: Data(try await HTTPProbe.get("\(base)/_sim/stats").body.utf8))
            #expect(stats.endpoint(.tiktokVideoQuery).requests == 1)
            #expect(stats.account("o1").requests == 1)

            _ = try await HTTPProbe.post("\(base)/_sim/reset-stats", body: "")
            #expect(sim.simulator.stats().total.requests == 0)

            let moved = try await HTTPProbe.post("\(base)/_sim/clock", body: #"{"advanceSeconds":7200}"#)
            #expect(moved.status == 200)
            #expect(sim.clock.now == Fixture.now.adding(milliseconds: 7_200_000))
            let error = await failure { try await sim.tiktok.videoQuery(ids: ["7300000000000000001"], accessToken: "act.x") }
            guard case .tokenInvalid? = error?.kind else {
                Issue.record("the clock move should have expired the token, got \(String(describing: error))")
                return
            }
            let bad = try await HTTPProbe.post("\(base)/_sim/seed", body: #"{"posts":[{"id":"1","account":"nobody","createdAt":0}]}"#)
            #expect(bad.status == 400)
        }
    }

    @Test("scripted faults and configuration over HTTP")
    func faultsAndConfig() async throws {
        try await withSimulator { sim in
            let base = sim.simulator.baseURL
            let queued = try await HTTPProbe.post(
                "\(base)/_sim/faults", body: #"{"pathContains":"/insights","times":2,"kind":{"graphError":{"code":613,"httpStatus":400}}}"#)
            #expect(queued.status == 200)
            for _ in 0..<2 {
                let error = await failure {
                    try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
                }
                #expect(error?.kind == .rateLimited(scope: .account, retryAfterSeconds: nil, code: "613"))
            }
            _ = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)

            let config = try await HTTPProbe.send(
                "\(base)/_sim/config", method: .PUT, body: #"{"tiktokLimits":{"enabled":true,"requestsPerWindow":1}}"#)
            #expect(config.status == 200)
            #expect(sim.simulator.configuration.tiktokLimits.requestsPerWindow == 1)
            #expect(sim.simulator.configuration.tokens.tiktokAccessSeconds == 7_200)
        }
    }

    @Test("many concurrent keep-alive requests are all answered and counted")
    func concurrency() async throws {
        try await withSimulator { sim in
            let client = sim.instagram
            try await withThrowingTaskGroup(of: Int64?.self) { group in
                for index in 0..<300 {
                    let (media, type) = [
                        (Fixture.feed, MediaProductType.feed), (Fixture.reel, .reels), (Fixture.carousel, .carouselAlbum),
                    ][index % 3]
                    group.addTask {
                        try await client.insights(mediaID: media, productType: type, accessToken: Fixture.igToken).value.values.likes
                    }
                }
                var answered = 0
                for try await likes in group {
                    #expect(likes == 50)
                    answered += 1
                }
                #expect(answered == 300)
            }
            #expect(sim.simulator.stats().endpoint(.instagramInsights).requests == 300)
        }
    }

    @Test("generated data: 3 platforms × N accounts × M posts, deterministic, and every token works")
    func generated() async throws {
        try await withSimulator(seed: SimulatorSeed()) { sim in
            let summary = try sim.simulator.seed(SimulatorSeed(
                generate: .init(accountsPerPlatform: 4, postsPerAccount: 25, seed: 9)))
            #expect(summary.accounts.count == 12)
            #expect(summary.postCount == 300)
            for platform in Platform.allCases {
                #expect(summary.accounts.filter { $0.platform == platform }.count == 4)
            }
            let tiktok = try #require(summary.accounts.first { $0.platform == .tiktok })
            let videos = try await sim.tiktok.videoQuery(ids: Array(tiktok.postIDs.prefix(20)), accessToken: tiktok.accessToken)
            #expect(videos.value.metrics.count == 20)
            let instagram = try #require(summary.accounts.first { $0.platform == .instagram })
            let media = try await sim.instagram.recentMedia(
                userID: instagram.id, accessToken: instagram.accessToken, since: Fixture.daysAgo(31))
            #expect(media.value.count == 25)
            for post in media.value.prefix(10) {
                let type = try #require(post.mediaProductType)
                _ = try await sim.instagram.insights(mediaID: post.externalID, productType: type, accessToken: instagram.accessToken)
            }
            let facebook = try #require(summary.accounts.first { $0.platform == .facebook })
            let post = try await sim.facebook.postMetrics(postID: facebook.postIDs[0], accessToken: facebook.accessToken)
            #expect(post.value.values.views != nil)

            let again = try await PlatformSimulator.start(clock: ManualClock(now: Fixture.now))
            let second = try again.seed(SimulatorSeed(generate: .init(accountsPerPlatform: 4, postsPerAccount: 25, seed: 9)))
            try await again.shutdown()
            #expect(second == summary)
        }
    }
}
