#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import Logging
import MetricsCore
import NIOCore
import Telemetry

/// Instagram Graph API (Instagram Login, `graph.instagram.com`): media insights, media fields, discovery, and
/// long-lived token refresh. One insights GET per post: it carries likes and comments too.
public struct InstagramClient: Sendable {
    public let baseURL: String
    public let apiVersion: String
    private let graph: GraphCaller
    private let transport: PlatformTransport
    private let clock: any WallClock

    /// - Parameters:
    ///   - httpClient: shared, owned by the caller (see `HTTPClient.makeForPlatforms`).
    ///   - baseURL: `https://graph.instagram.com` in production, the simulator's `baseURL` in tests.
    public init(
        httpClient: HTTPClient, baseURL: String = "https://graph.instagram.com", apiVersion: String = "v25.0",
        timeout: TimeAmount = .seconds(30), clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "metricsd.platform.instagram"), telemetry: PlatformTelemetry = Telemetry.disabled.platforms
    ) {
        self.baseURL = baseURL.withoutTrailingSlash
        self.apiVersion = apiVersion
        self.clock = clock
        transport = PlatformTransport(
            httpClient: httpClient, timeout: timeout, maxResponseBytes: 4 << 20, logger: logger, telemetry: telemetry)
        graph = GraphCaller(transport: transport, platform: .instagram)
    }

    /// The metrics of one media object, asking only for what its product type supports.
    ///
    /// A retired or unsupported metric surfaces as `.unsupportedMetric` with its name when Instagram gives it;
    /// pass it in `options.excluded` next time. `{"data":[]}` (media too new) is a success with `noDataYet`.
    public func insights(
        mediaID: String, productType: MediaProductType, accessToken: String,
        options: InstagramMetricOptions = InstagramMetricOptions(), accountID: String? = nil
    ) async throws(PlatformError) -> PlatformResponse<PostMetrics> {
        let metrics = InstagramMetricSet.metrics(for: productType, options: options)
        let url = "\(baseURL)/\(apiVersion)/\(QueryString.escape(mediaID))/insights?"
            + QueryString.encode([("metric", metrics.joined(separator: ",")), ("access_token", accessToken)])
        let answer = try await graph.get(
            endpoint: "instagram.insights", url: url, accessToken: accessToken, requestedMetrics: metrics,
            objectID: accountID)
        return try answer.decode { body throws(PlatformError) in try InstagramInsightsParser.parse(body, productType: productType) }
    }

    public static let mediaFields = "id,media_type,media_product_type,timestamp,like_count,comments_count"

    /// One media object's fields (`like_count` nil when the owner hides likes).
    public func media(mediaID: String, accessToken: String) async throws(PlatformError) -> PlatformResponse<InstagramMedia> {
        let url = "\(baseURL)/\(apiVersion)/\(QueryString.escape(mediaID))?"
            + QueryString.encode([("fields", Self.mediaFields), ("access_token", accessToken)])
        let answer = try await graph.get(endpoint: "instagram.media", url: url, accessToken: accessToken)
        return try answer.decode(InstagramMediaParser.parseMedia)
    }

    /// The account's media created at or after `since`, newest first, following cursors until the end of the
    /// window or of the list. The usage returned is the last page's (the freshest).
    public func recentMedia(
        userID: String, accessToken: String, since: Timestamp, pageSize: Int = 100, maxPages: Int = 100
    ) async throws(PlatformError) -> PlatformResponse<[DiscoveredPost]> {
        try await graph.collectWindow(
            endpoint: "instagram.mediaList", accessToken: accessToken, objectID: userID, maxPages: maxPages,
            url: { after in
                var parameters = [
                    ("fields", "id,timestamp,media_type,media_product_type"), ("limit", String(pageSize)),
                    ("since", String(since.milliseconds / 1000)), ("access_token", accessToken),
                ]
                if let after { parameters.append(("after", after)) }
                return "\(baseURL)/\(apiVersion)/\(QueryString.escape(userID))/media?" + QueryString.encode(parameters)
            },
            parse: { body throws(PlatformError) in
                let page = try InstagramMediaParser.parsePage(body)
                var posts: [DiscoveredPost] = []
                var reachedOlder = false
                for media in page.media {
                    guard let createdAt = media.createdAt else { continue }
                    if createdAt < since {
                        reachedOlder = true
                        continue
                    }
                    posts.append(DiscoveredPost(
                        externalID: media.id, createdAt: createdAt, mediaProductType: media.productType ?? .feed))
                }
                return GraphCaller.WindowPage(posts: posts, reachedOlder: reachedOlder, after: page.after)
            })
    }

    /// `GET /refresh_access_token?grant_type=ig_refresh_token`: a fresh 60-day token. Instagram refuses tokens
    /// younger than 24 h and cannot revive an expired one (that surfaces as `.tokenInvalid(.expired)`).
    public func refreshLongLivedToken(_ accessToken: String) async throws(PlatformError) -> PlatformResponse<RefreshedAccessToken> {
        let url = "\(baseURL)/refresh_access_token?"
            + QueryString.encode([("grant_type", "ig_refresh_token"), ("access_token", accessToken)])
        do {
            let answer = try await graph.get(endpoint: "instagram.refreshToken", url: url, accessToken: accessToken)
            struct Body: Decodable {
                var access_token: String
                var expires_in: Int64
            }
            let now = clock.now
            let refreshed = try answer.decode { body throws(PlatformError) in
                guard let body = try? JSONDecoder().decode(Body.self, from: Data(body)) else {
                    throw PlatformError(platform: .instagram, kind: .malformed("refresh answer lacks access_token/expires_in"))
                }
                return RefreshedAccessToken(accessToken: body.access_token, expiresAt: now.adding(milliseconds: body.expires_in * 1000))
            }
            transport.telemetry.tokenRefresh(.instagram, succeeded: true)
            return refreshed
        } catch {
            transport.telemetry.tokenRefresh(.instagram, succeeded: false)
            throw error
        }
    }
}
