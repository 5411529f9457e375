import MetricsCore
import MetricsTestKit
import PlatformClients
import PlatformSimulator
import Telemetry
import Testing

/// Every platform call is counted once, by platform and outcome, where its outcome becomes known; token refreshes
/// are counted by outcome. Read back through swift-metrics' test kit.
@Suite struct PlatformCallTelemetryTests {
    static func calls(_ metrics: TestMetrics, _ platform: String, _ outcome: String) -> Int64 {
        (try? metrics.expectCounter(Instruments.platformCalls.name, [("platform", platform), ("outcome", outcome)]).totalValue) ?? 0
    }

    static func refreshes(_ metrics: TestMetrics, _ platform: String, _ outcome: String) -> Int64 {
        (try? metrics.expectCounter(Instruments.tokenRefreshes.name, [("platform", platform), ("outcome", outcome)]).totalValue) ?? 0
    }

    @Test func everyFailureKindHasItsOutcome() {
        #expect(PlatformError.Kind.rateLimited(scope: .app, retryAfterSeconds: nil, code: "4").callOutcome == .rateLimited)
        #expect(PlatformError.Kind.transient(code: "2", message: "").callOutcome == .transient)
        #expect(PlatformError.Kind.tokenInvalid(.init(reason: .expired, code: "190", message: "")).callOutcome == .token)
        #expect(PlatformError.Kind.unsupportedMetric(names: ["x"], identified: true, message: "").callOutcome == .unsupportedMetric)
        #expect(PlatformError.Kind.skipPost(reason: .permission, code: "10", message: "").callOutcome == .other)
        #expect(PlatformError.Kind.malformed("").callOutcome == .other)
        #expect(PlatformError.Kind.invalidRequest(code: "x", message: "").callOutcome == .other)
        #expect(PlatformError.Kind.cancelled.callOutcome == .other)
    }

    @Test func callsAreCountedOnceByPlatformAndOutcome() async throws {
        try await withSimulator { sim in
            let metrics = TestMetrics()
            let telemetry = Telemetry(factory: metrics).platforms
            let instagram = InstagramClient(httpClient: sim.http, baseURL: sim.simulator.baseURL, clock: sim.clock, telemetry: telemetry)
            let facebook = FacebookClient(httpClient: sim.http, baseURL: sim.simulator.baseURL, telemetry: telemetry)
            let tiktok = TikTokClient(httpClient: sim.http, baseURL: sim.simulator.baseURL, clock: sim.clock, telemetry: telemetry)

            _ = try await instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            _ = try await facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken)
            _ = try await tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken)
            #expect(Self.calls(metrics, "instagram", "ok") == 1)
            #expect(Self.calls(metrics, "facebook", "ok") == 1)
            #expect(Self.calls(metrics, "tiktok", "ok") == 1)

            sim.simulator.inject(ScriptedFault(.serverError, pathContains: "/insights"))
            _ = await failure { try await instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken) }
            sim.simulator.inject(ScriptedFault(.graphError(code: 4, httpStatus: 400)))
            _ = await failure { try await facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken) }
            _ = await failure { try await tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: "act.unknown") }
            sim.simulator.inject(ScriptedFault(.malformed, pathContains: "/v2/video/query"))
            _ = await failure { try await tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken) }
            _ = await failure {
                try await facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken, extraMetrics: ["post_impressions"])
            }
            #expect(Self.calls(metrics, "instagram", "transient") == 1)
            #expect(Self.calls(metrics, "facebook", "rate_limited") == 1)
            #expect(Self.calls(metrics, "tiktok", "token") == 1)
            #expect(Self.calls(metrics, "tiktok", "other") == 1)
            #expect(Self.calls(metrics, "facebook", "unsupported_metric") == 1)
            // Once each: nothing counted twice on its way through the transport, the classifier and the parser.
            #expect(metrics.counterTotal(label: Instruments.platformCalls.name) == 8)
        }
    }

    @Test func tokenRefreshesAreCountedByOutcome() async throws {
        try await withSimulator { sim in
            let metrics = TestMetrics()
            let telemetry = Telemetry(factory: metrics).platforms
            let instagram = InstagramClient(httpClient: sim.http, baseURL: sim.simulator.baseURL, clock: sim.clock, telemetry: telemetry)
            let tiktok = TikTokClient(
                httpClient: sim.http, baseURL: sim.simulator.baseURL,
                credentials: TikTokAppCredentials(clientKey: "sim-key", clientSecret: "sim-secret"), clock: sim.clock,
                telemetry: telemetry)
            _ = await failure { try await instagram.refreshLongLivedToken(Fixture.igToken) }  // younger than 24 h
            sim.clock.advance(milliseconds: 25 * 3_600_000)
            _ = try await instagram.refreshLongLivedToken(Fixture.igToken)
            _ = try await tiktok.refreshToken(Fixture.tiktokRefresh)
            _ = await failure { try await tiktok.refreshToken(Fixture.tiktokRefresh) }  // rotated: spent
            #expect(Self.refreshes(metrics, "instagram", "failed") == 1)
            #expect(Self.refreshes(metrics, "instagram", "ok") == 1)
            #expect(Self.refreshes(metrics, "tiktok", "ok") == 1)
            #expect(Self.refreshes(metrics, "tiktok", "failed") == 1)
            #expect(Self.calls(metrics, "tiktok", "token") == 1)
        }
    }
}
