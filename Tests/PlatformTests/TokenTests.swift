import MetricsCore
import PlatformClients
import PlatformSimulator
import Testing

@Suite("Meta tokens")
struct TokenTests {
    @Test("an Instagram token past 60 days is 190/463, with the real message")
    func expired() async throws {
        try await withSimulator { sim in
            sim.clock.advance(milliseconds: 60 * 86_400_000)
            let error = await failure {
                try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            }
            guard case .tokenInvalid(let failure)? = error?.kind else {
                Issue.record("expected tokenInvalid, got \(String(describing: error))")
                return
            }
            #expect(failure.reason == .expired)
            #expect(failure.code == "190")
            #expect(failure.subcode == 463)
            #expect(failure.message.hasPrefix("Error validating access token: Session has expired on"))
        }
    }

    @Test("an unknown token is invalid, and a missing one too")
    func unknown() async throws {
        try await withSimulator { sim in
            let error = await failure {
                try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: "IG-NOT-A-TOKEN")
            }
            #expect(error?.kind == .tokenInvalid(.init(
                reason: .invalid, code: "190", message: "Invalid OAuth access token - Cannot parse access token")))
            let missing = await failure { try await sim.facebook.postMetrics(postID: Fixture.post, accessToken: "") }
            guard case .tokenInvalid(let failure)? = missing?.kind else {
                Issue.record("expected tokenInvalid, got \(String(describing: missing))")
                return
            }
            #expect(failure.code == "104")
        }
    }

    @Test("Instagram long-lived refresh: refused under 24 h, then a new 60-day token that works")
    func instagramRefresh() async throws {
        try await withSimulator { sim in
            let early = await failure { try await sim.instagram.refreshLongLivedToken(Fixture.igToken) }
            guard case .invalidRequest? = early?.kind else {
                Issue.record("a token younger than 24 h must not refresh, got \(String(describing: early))")
                return
            }
            sim.clock.advance(milliseconds: 25 * 3_600_000)
            let refreshed = try await sim.instagram.refreshLongLivedToken(Fixture.igToken)
            #expect(refreshed.value.accessToken != Fixture.igToken)
            #expect(refreshed.value.expiresAt == sim.clock.now.adding(days: 60))
            #expect(sim.simulator.tokens(of: Fixture.igUser)?.accessToken == refreshed.value.accessToken)

            // Past the old token's expiry, only the new one works.
            sim.clock.advance(milliseconds: 59 * 86_400_000)
            _ = try await sim.instagram.insights(
                mediaID: Fixture.feed, productType: .feed, accessToken: refreshed.value.accessToken)
            let old = await failure { try await sim.instagram.refreshLongLivedToken(Fixture.igToken) }
            guard case .tokenInvalid(let failure)? = old?.kind else {
                Issue.record("an expired token cannot be refreshed, got \(String(describing: old))")
                return
            }
            #expect(failure.reason == .expired)
        }
    }

    @Test("the expired answer carries WWW-Authenticate and Meta's error fields")
    func expiredOnTheWire() async throws {
        try await withSimulator { sim in
            sim.clock.advance(milliseconds: 61 * 86_400_000)
            let response = try await HTTPProbe.get(
                "\(sim.simulator.baseURL)/v25.0/\(Fixture.feed)/insights?metric=reach&access_token=\(Fixture.igToken)")
            #expect(response.status == 400)
            #expect(response.headers.first(name: "WWW-Authenticate")?.hasPrefix("OAuth \"Facebook Platform\" \"invalid_token\"") == true)
            #expect(response.body.contains("\"code\":190"))
            #expect(response.body.contains("\"error_subcode\":463"))
            #expect(response.body.contains("\"type\":\"OAuthException\""))
            #expect(response.body.contains("\"fbtrace_id\":\""))
        }
    }
}
