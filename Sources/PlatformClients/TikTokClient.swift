import AsyncHTTPClient
import Logging
import MetricsCore
import NIOCore
import NIOHTTP1
import Telemetry

/// The app's TikTok client credentials, needed only for the refresh grant.
public struct TikTokAppCredentials: Sendable, Hashable {
    public var clientKey: String
    public var clientSecret: String

    public init(clientKey: String, clientSecret: String) {
        self.clientKey = clientKey
        self.clientSecret = clientSecret
    }
}

/// TikTok v2 Display API: video metrics (20 ids per query), discovery, and the rotating refresh grant.
///
/// Video ids only: TikTok's publish id (returned when posting) is not a video id and is never found here.
public struct TikTokClient: Sendable {
    public static let maxVideoIDsPerQuery = 20
    public static let queryFields = "id,create_time,like_count,comment_count,share_count,view_count"

    public let baseURL: String
    private let credentials: TikTokAppCredentials?
    private let transport: PlatformTransport
    private let clock: any WallClock

    /// - Parameter baseURL: `https://open.tiktokapis.com` in production, the simulator's `baseURL` in tests.
    public init(
        httpClient: HTTPClient, baseURL: String = "https://open.tiktokapis.com",
        credentials: TikTokAppCredentials? = nil, timeout: TimeAmount = .seconds(30),
        clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "metricsd.platform.tiktok"),
        telemetry: PlatformTelemetry = Telemetry.disabled.platforms
    ) {
        self.baseURL = baseURL.withoutTrailingSlash
        self.credentials = credentials
        self.clock = clock
        transport = PlatformTransport(
            httpClient: httpClient, timeout: timeout, maxResponseBytes: 4 << 20, logger: logger, telemetry: telemetry)
    }

    /// Metrics for up to 20 of the token owner's videos; ids TikTok leaves out come back in `missingIDs`.
    public func videoQuery(ids: [String], accessToken: String) async throws(PlatformError) -> PlatformResponse<TikTokVideoQueryResult> {
        guard !ids.isEmpty, ids.count <= Self.maxVideoIDsPerQuery else {
            throw PlatformError(
                platform: .tiktok,
                kind: .invalidRequest(code: "invalid_params", message: "video query takes 1 to 20 ids, got \(ids.count)"))
        }
        var body = ByteBuffer()
        body.writeString("{\"filters\":{\"video_ids\":[")
        for (index, id) in ids.enumerated() {
            if index > 0 { body.writeString(",") }
            body.writeString("\"")
            body.writeString(id.filter { $0 != "\"" && $0 != "\\" })
            body.writeString("\"")
        }
        body.writeString("]}}")
        let answer = try await post(
            endpoint: "tiktok.videoQuery", path: "/v2/video/query/?fields=\(Self.queryFields)", body: body,
            accessToken: accessToken)
        return try answer.decode(redacting: [accessToken]) { body throws(PlatformError) in
            try TikTokParser.parseVideoQuery(body, requestedIDs: ids, status: answer.status)
        }
    }

    /// The token owner's videos created at or after `since`, newest first, following `cursor`/`has_more`.
    public func recentVideos(
        accessToken: String, since: Timestamp, pageSize: Int = 20, maxPages: Int = 100
    ) async throws(PlatformError) -> PlatformResponse<[DiscoveredPost]> {
        var found: [DiscoveredPost] = []
        var cursor: Int64?
        var usage = PlatformUsage()
        for _ in 0..<max(1, maxPages) {
            var body = ByteBuffer()
            let count = min(max(1, pageSize), 20)
            body.writeString(cursor.map { "{\"cursor\":\($0),\"max_count\":\(count)}" } ?? "{\"max_count\":\(count)}")
            let answer = try await post(
                endpoint: "tiktok.videoList", path: "/v2/video/list/?fields=id,create_time", body: body,
                accessToken: accessToken)
            usage = answer.usage
            let page = try answer.decode(redacting: [accessToken]) { body throws(PlatformError) in
                try TikTokParser.parseVideoList(body, status: answer.status)
            }.value
            let inWindow = page.videos.filter { $0.createdAt >= since }
            found += inWindow
            guard inWindow.count == page.videos.count, page.hasMore, let next = page.cursor, next != cursor else { break }
            cursor = next
        }
        return PlatformResponse(value: found, usage: usage)
    }

    /// The refresh grant. TikTok ROTATES refresh tokens: the one passed in stops working once this succeeds, so
    /// the caller must persist the returned pair before anything else. A dead refresh token surfaces as
    /// `.tokenInvalid(.refreshRejected)`: never retry it.
    public func refreshToken(_ refreshToken: String) async throws(PlatformError) -> PlatformResponse<TikTokTokenPair> {
        guard let credentials else {
            throw PlatformError(
                platform: .tiktok,
                kind: .invalidRequest(code: "no_credentials", message: "the TikTok client has no client key and secret"))
        }
        var body = ByteBuffer()
        body.writeString(QueryString.encode([
            ("client_key", credentials.clientKey), ("client_secret", credentials.clientSecret),
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
        ]))
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "Cache-Control", value: "no-cache")
        let secrets = [refreshToken, credentials.clientSecret]
        do {
            let answer = try await transport.send(
                platform: .tiktok, endpoint: "tiktok.oauthToken", method: .POST, url: baseURL + "/v2/oauth/token/",
                headers: headers, body: body, secrets: secrets)
            let refreshed = try answer.decode(redacting: secrets) { body throws(PlatformError) in
                try TikTokParser.parseToken(body, status: answer.status, now: clock.now)
            }
            transport.telemetry.tokenRefresh(.tiktok, succeeded: true)
            return refreshed
        } catch {
            transport.telemetry.tokenRefresh(.tiktok, succeeded: false)
            throw error
        }
    }

    private func post(
        endpoint: String, path: String, body: ByteBuffer, accessToken: String
    ) async throws(PlatformError) -> PlatformTransport.Answer {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        headers.add(name: "Content-Type", value: "application/json")
        let answer = try await transport.send(
            platform: .tiktok, endpoint: endpoint, method: .POST, url: baseURL + path, headers: headers, body: body,
            secrets: [accessToken])
        guard (200..<300).contains(answer.status) else {
            let kind = TikTokErrorClassifier.classify(status: answer.status, body: answer.body)
            throw transport.refused(
                PlatformError(platform: .tiktok, kind: kind.redacting([accessToken]), usage: answer.usage, httpStatus: answer.status))
        }
        return answer
    }
}
