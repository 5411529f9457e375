import MetricsCore
import PlatformClients
import PlatformSimulator
import Testing

@Suite("TikTok client against the simulator")
struct TikTokClientTests {
    @Test("20 ids in one query; views, likes, comments, shares; no saves")
    func batch() async throws {
        try await withSimulator { sim in
            let ids = Array(Fixture.videos.prefix(20))
            let response = try await sim.tiktok.videoQuery(ids: ids, accessToken: Fixture.tiktokToken)
            #expect(response.value.metrics.count == 20)
            #expect(response.value.missingIDs.isEmpty)
            #expect(response.value.metrics[ids[3]]?.values == MetricValues(views: 1003, likes: 40, comments: 2, shares: 1))
            #expect(response.value.metrics.values.allSatisfy { $0.values.saves == nil && $0.values.reach == nil })
            #expect(sim.simulator.stats().endpoint(.tiktokVideoQuery).requests == 1)
        }
    }

    @Test("more than 20 ids is refused before any request")
    func tooMany() async throws {
        try await withSimulator { sim in
            let error = await failure {
                try await sim.tiktok.videoQuery(ids: Array(Fixture.videos.prefix(21)), accessToken: Fixture.tiktokToken)
            }
            guard case .invalidRequest? = error?.kind else {
                Issue.record("expected invalidRequest, got \(String(describing: error))")
                return
            }
            #expect(sim.simulator.stats().total.requests == 0)
        }
    }

    @Test("the simulator itself refuses 21 ids with invalid_params")
    func simulatorRefusesTooMany() async throws {
        try await withSimulator { sim in
            let ids = Fixture.videos.prefix(21).map { "\"\($0)\"" }.joined(separator: ",")
            let response = try await HTTPProbe.post(
                "\(sim.simulator.baseURL)/v2/video/query/?fields=id", body: "{\"filters\":{\"video_ids\":[\(ids)]}}",
                headers: ["Authorization": "Bearer \(Fixture.tiktokToken)"])
            #expect(response.status == 400)
            #expect(response.body.contains("\"code\":\"invalid_params\""))
        }
    }

    @Test("foreign, deleted and unknown ids are not returned and are listed as missing")
    func foreignIDs() async throws {
        try await withSimulator { sim in
            let ids = [Fixture.videos[0], Fixture.foreignVideo, Fixture.deletedVideo, "7000000000000000000"]
            let response = try await sim.tiktok.videoQuery(ids: ids, accessToken: Fixture.tiktokToken)
            #expect(Array(response.value.metrics.keys) == [Fixture.videos[0]])
            #expect(response.value.missingIDs == [Fixture.foreignVideo, Fixture.deletedVideo, "7000000000000000000"])
        }
    }

    @Test("discovery follows cursor and has_more, across short pages, to the window's end")
    func discovery() async throws {
        try await withSimulator { sim in
            let found = try await sim.tiktok.recentVideos(
                accessToken: Fixture.tiktokToken, since: Fixture.daysAgo(20), pageSize: 5)
            // Videos are 0.5, 1.5, … 24.5 days old: 20 inside the window; the deleted one takes a slot silently.
            #expect(found.value.map(\.externalID) == Array(Fixture.videos.prefix(20)))
            #expect(sim.simulator.stats().endpoint(.tiktokVideoList).requests == 5)
        }
    }

    @Test("refresh tokens rotate: the new pair works, the old refresh token is dead")
    func rotation() async throws {
        try await withSimulator { sim in
            let refreshed = try await sim.tiktok.refreshToken(Fixture.tiktokRefresh)
            let pair = refreshed.value
            #expect(pair.openID == Fixture.openID)
            #expect(pair.refreshToken != Fixture.tiktokRefresh)
            #expect(pair.accessTokenExpiresAt == Fixture.now.adding(milliseconds: 7_200_000))
            #expect(pair.refreshTokenExpiresAt == Fixture.now.adding(days: 180))
            #expect(sim.simulator.tokens(of: Fixture.openID)?.refreshToken == pair.refreshToken)
            #expect(!sim.simulator.isRefreshTokenValid(Fixture.tiktokRefresh))

            let query = try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: pair.accessToken)
            #expect(query.value.metrics.count == 1)

            let reuse = await failure { try await sim.tiktok.refreshToken(Fixture.tiktokRefresh) }
            guard case .tokenInvalid(let failure)? = reuse?.kind else {
                Issue.record("reusing a rotated refresh token must fail, got \(String(describing: reuse))")
                return
            }
            #expect(failure.reason == .refreshRejected)
            #expect(!failure.message.contains(Fixture.tiktokRefresh))
            let again = try await sim.tiktok.refreshToken(pair.refreshToken)
            #expect(again.value.refreshToken != pair.refreshToken)
        }
    }

    @Test("an access token past its 2 hours is access_token_invalid")
    func expiredAccessToken() async throws {
        try await withSimulator { sim in
            sim.clock.advance(milliseconds: 7_200_000)
            let error = await failure { try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken) }
            guard case .tokenInvalid(let failure)? = error?.kind else {
                Issue.record("expected tokenInvalid, got \(String(describing: error))")
                return
            }
            #expect(failure.reason == .expired)
            #expect(failure.code == "access_token_invalid")
            #expect(error?.httpStatus == 401)
        }
    }

    @Test("a refresh token past 180 days is rejected")
    func expiredRefreshToken() async throws {
        try await withSimulator { sim in
            sim.clock.advance(milliseconds: 181 * 86_400_000)
            let error = await failure { try await sim.tiktok.refreshToken(Fixture.tiktokRefresh) }
            guard case .tokenInvalid(let failure)? = error?.kind else {
                Issue.record("expected tokenInvalid, got \(String(describing: error))")
                return
            }
            #expect(failure.reason == .refreshRejected)
        }
    }

    @Test("a user who did not grant video.list needs to reconnect")
    func scopeNotAuthorized() async throws {
        try await withSimulator { sim in
            let error = await failure { try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.narrowToken) }
            guard case .tokenInvalid(let failure)? = error?.kind else {
                Issue.record("expected tokenInvalid, got \(String(describing: error))")
                return
            }
            #expect(failure.reason == .needsReconnect)
            #expect(failure.code == "scope_not_authorized")
        }
    }
}
