#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MetricsCore

/// The result of one video query: metrics for the ids TikTok returned, and the ids it did not (someone else's
/// videos, deleted or private ones), which the engine records instead of retrying.
public struct TikTokVideoQueryResult: Sendable, Hashable {
    public var metrics: [String: PostMetrics]
    public var createdAt: [String: Timestamp]
    public var missingIDs: [String]

    public init(metrics: [String: PostMetrics], createdAt: [String: Timestamp] = [:], missingIDs: [String]) {
        self.metrics = metrics
        self.createdAt = createdAt
        self.missingIDs = missingIDs
    }
}

/// Reads TikTok v2 answers: the `{"data":…,"error":{"code":"ok",…}}` envelope and the OAuth token answer.
///
/// Mapping: view_count → views, like_count → likes, comment_count → comments, share_count → shares; TikTok has no
/// saves, reach or impressions, so those stay nil.
public enum TikTokParser {
    struct Envelope<Payload: Decodable>: Decodable {
        var data: Payload?
        var error: TikTokErrorClassifier.Envelope.Body?
    }

    struct Video: Decodable {
        var id: String
        var create_time: Int64?
        var like_count: Int64?
        var comment_count: Int64?
        var share_count: Int64?
        var view_count: Int64?
    }

    struct Videos: Decodable {
        var videos: [Video]?
        var cursor: Int64?
        var has_more: Bool?
    }

    /// Decodes the envelope and fails with the classified error unless `error.code` is `ok`.
    static func payload<Payload: Decodable>(
        _ type: Payload.Type, from body: [UInt8], status: Int
    ) throws(PlatformError) -> Payload {
        guard let envelope = try? JSONDecoder().decode(Envelope<Payload>.self, from: Data(body)) else {
            throw PlatformError(platform: .tiktok, kind: .malformed("answer is not a TikTok envelope"), httpStatus: status)
        }
        guard let error = envelope.error else {
            throw PlatformError(platform: .tiktok, kind: .malformed("envelope has no error object"), httpStatus: status)
        }
        if let kind = TikTokErrorClassifier.classify(code: error.code, message: error.message ?? "", status: status) {
            throw PlatformError(platform: .tiktok, kind: kind, httpStatus: status)
        }
        guard let data = envelope.data else {
            throw PlatformError(platform: .tiktok, kind: .malformed("envelope has no data"), httpStatus: status)
        }
        return data
    }

    public static func parseVideoQuery(
        _ body: [UInt8], requestedIDs: [String], status: Int = 200
    ) throws(PlatformError) -> TikTokVideoQueryResult {
        let videos = try payload(Videos.self, from: body, status: status).videos ?? []
        var metrics: [String: PostMetrics] = [:]
        var created: [String: Timestamp] = [:]
        for video in videos {
            metrics[video.id] = PostMetrics(values: MetricValues(
                views: video.view_count, likes: video.like_count, comments: video.comment_count,
                shares: video.share_count))
            if let seconds = video.create_time { created[video.id] = Timestamp(seconds: seconds) }
        }
        var seen = Set<String>()
        let missing = requestedIDs.filter { metrics[$0] == nil && seen.insert($0).inserted }
        return TikTokVideoQueryResult(metrics: metrics, createdAt: created, missingIDs: missing)
    }

    /// A `/video/list/` page: its videos, the cursor for the next page, and whether there is one.
    public static func parseVideoList(
        _ body: [UInt8], status: Int = 200
    ) throws(PlatformError) -> (videos: [DiscoveredPost], cursor: Int64?, hasMore: Bool) {
        let page = try payload(Videos.self, from: body, status: status)
        let videos = (page.videos ?? []).compactMap { video -> DiscoveredPost? in
            guard let seconds = video.create_time else { return nil }
            return DiscoveredPost(externalID: video.id, createdAt: Timestamp(seconds: seconds))
        }
        return (videos, page.cursor, page.has_more ?? false)
    }

    struct TokenBody: Decodable {
        var open_id: String?
        var scope: String?
        var access_token: String?
        var expires_in: Int64?
        var refresh_token: String?
        var refresh_expires_in: Int64?
        var error: String?
        var error_description: String?
    }

    /// The refresh grant's answer; `now` turns its relative lifetimes into expiry times.
    public static func parseToken(_ body: [UInt8], status: Int = 200, now: Timestamp) throws(PlatformError) -> TikTokTokenPair {
        guard let token = try? JSONDecoder().decode(TokenBody.self, from: Data(body)) else {
            let kind: PlatformError.Kind = status >= 500
                ? .transient(code: "http_\(status)", message: "HTTP \(status)")
                : .malformed("token answer is not JSON")
            throw PlatformError(platform: .tiktok, kind: kind, httpStatus: status)
        }
        if let error = token.error, !error.isEmpty {
            let message = token.error_description ?? error
            let kind: PlatformError.Kind = switch error {
            case "invalid_grant": .tokenInvalid(.init(reason: .refreshRejected, code: error, message: message))
            case "invalid_client", "unauthorized_client": .invalidRequest(code: error, message: message)
            case "temporarily_unavailable", "server_error": .transient(code: error, message: message)
            default: .invalidRequest(code: error, message: message)
            }
            throw PlatformError(platform: .tiktok, kind: kind, httpStatus: status)
        }
        guard let access = token.access_token, let accessLife = token.expires_in,
              let refresh = token.refresh_token, let refreshLife = token.refresh_expires_in
        else {
            throw PlatformError(platform: .tiktok, kind: .malformed("token answer lacks the token pair"), httpStatus: status)
        }
        return TikTokTokenPair(
            openID: token.open_id, accessToken: access, accessTokenExpiresAt: now.adding(milliseconds: accessLife * 1000),
            refreshToken: refresh, refreshTokenExpiresAt: now.adding(milliseconds: refreshLife * 1000),
            scopes: (token.scope ?? "").split(separator: ",").map(String.init))
    }
}
