#if canImport(FoundationEssentials)
import FoundationEssentials
import JSON
#else
import Foundation
#endif
import MetricsCore

/// TikTok's v2 Display API: video query, video list, and the OAuth refresh grant with rotating refresh tokens.
///
/// Request bodies are small and arrive at most a few hundred times a second (20 videos per query), so they are
/// decoded with `JSONDecoder`; responses are written by hand like everywhere else.
extension SimulatorWorld {
    static let tiktokVideoFields: Set<String> = [
        "id", "create_time", "like_count", "comment_count", "share_count", "view_count", "title",
        "video_description", "duration", "cover_image_url", "share_url", "embed_link", "height", "width",
    ]

    mutating func tiktok(_ request: SimulatedRequest, segments: [Substring], now: Timestamp) -> RouteResult {
        let route = segments.dropFirst().joined(separator: "/")
        let endpoint: SimulatorEndpoint = switch route {
        case "video/query": .tiktokVideoQuery
        case "video/list": .tiktokVideoList
        case "oauth/token": .tiktokOAuthToken
        default: .tiktokOther
        }
        guard request.method == .POST, endpoint != .tiktokOther else {
            return tiktokFailure(.notFound, endpoint: endpoint, account: nil, now: now)
        }
        if endpoint == .tiktokOAuthToken {
            return tiktokRefresh(request, now: now)
        }

        let grant: AccessGrant
        switch checkAccessToken(Self.bearer(request.authorization), now: now) {
        case .valid(let valid): grant = valid
        case .expired(let expired, _):
            return tiktokFailure(.accessTokenInvalid, endpoint: endpoint, account: expired.accountID, now: now)
        case .missing, .unknown:
            return tiktokFailure(.accessTokenInvalid, endpoint: endpoint, account: nil, now: now)
        }
        guard let account = accounts[grant.accountID], account.platform == .tiktok else {
            return tiktokFailure(.accessTokenInvalid, endpoint: endpoint, account: nil, now: now)
        }
        guard account.scopes.contains("video.list") else {
            return tiktokFailure(.scopeNotAuthorized, endpoint: endpoint, account: account.id, now: now)
        }
        if configuration.tiktokLimits.enabled, !admitTikTok(endpoint, account: account.id, now: now) {
            var result = tiktokFailure(.rateLimitExceeded, endpoint: endpoint, account: account.id, now: now)
            result.outcome = .rateLimited
            return result
        }

        let fields = (request.query["fields"] ?? "").split(separator: ",").map { String($0.trimmingSpaces()) }
        guard !fields.isEmpty else {
            return tiktokFailure(.invalidParams("fields is required"), endpoint: endpoint, account: account.id, now: now)
        }
        if let unknown = fields.first(where: { !Self.tiktokVideoFields.contains($0) }) {
            return tiktokFailure(
                .invalidParams("Invalid field: \(unknown)"), endpoint: endpoint, account: account.id, now: now)
        }
        return endpoint == .tiktokVideoQuery
            ? tiktokVideoQuery(request, account: account, fields: fields, now: now)
            : tiktokVideoList(request, account: account, fields: fields, now: now)
    }

    /// The sliding-window limit per endpoint (and per user when so configured); refused requests do not count.
    private mutating func admitTikTok(_ endpoint: SimulatorEndpoint, account: String, now: Timestamp) -> Bool {
        let limits = configuration.tiktokLimits
        let key = limits.perAccount ? "\(endpoint.rawValue) \(account)" : endpoint.rawValue
        var window = tiktokWindows[key]
            ?? SlidingWindowCounter(windowSeconds: limits.windowSeconds, buckets: limits.windowBuckets)
        defer { tiktokWindows[key] = window }
        guard window.count(now: now) < limits.requestsPerWindow else { return false }
        window.record(now: now)
        return true
    }

    private struct VideoQueryBody: Decodable {
        struct Filters: Decodable {
            var video_ids: [String]?
        }
        var filters: Filters?
    }

    private struct VideoListBody: Decodable {
        var cursor: Int64?
        var max_count: Int?
    }

    /// Only the token owner's videos come back; foreign and deleted ids are silently dropped.
    private mutating func tiktokVideoQuery(
        _ request: SimulatedRequest, account: SimulatedAccount, fields: [String], now: Timestamp
    ) -> RouteResult {
        guard let body = try? JSONDecoder().decode(VideoQueryBody.self, from: Data(request.bodyBytes)),
              let ids = body.filters?.video_ids, !ids.isEmpty
        else {
            return tiktokFailure(
                .invalidParams("filters.video_ids is required"), endpoint: .tiktokVideoQuery, account: account.id, now: now)
        }
        guard ids.count <= configuration.insights.tiktokMaxVideoIDs else {
            return tiktokFailure(
                .invalidParams("The number of video_ids exceeds the maximum of \(configuration.insights.tiktokMaxVideoIDs)."),
                endpoint: .tiktokVideoQuery, account: account.id, now: now)
        }
        var json = JSONWriter(reservingCapacity: 64 + 160 * ids.count)
        json.beginObject()
        json.key("data")
        json.beginObject()
        json.key("videos")
        json.beginArray()
        var seen = Set<String>()
        for id in ids where seen.insert(id).inserted {
            guard let post = post(id, now: now), post.platform == .tiktok, !post.deleted, post.accountID == account.id else {
                continue
            }
            writeVideo(post, fields: fields, now: now, into: &json)
        }
        json.endArray()
        json.field("cursor", 0)
        json.field("has_more", false)
        json.endObject()
        writeOK(into: &json, now: now)
        json.endObject()
        return RouteResult(
            response: SimulatedResponse(json: json), endpoint: .tiktokVideoQuery, account: account.id, outcome: .success)
    }

    /// Newest first, older than `cursor` (ms). Deleted videos take a slot without being returned, which is why a
    /// page can hold fewer than `max_count` videos while `has_more` is true.
    private mutating func tiktokVideoList(
        _ request: SimulatedRequest, account: SimulatedAccount, fields: [String], now: Timestamp
    ) -> RouteResult {
        let bytes = request.bodyBytes
        let body: VideoListBody
        if bytes.isEmpty {
            body = VideoListBody()
        } else if let decoded = try? JSONDecoder().decode(VideoListBody.self, from: Data(bytes)) {
            body = decoded
        } else {
            return tiktokFailure(.invalidParams("Invalid request body"), endpoint: .tiktokVideoList, account: account.id, now: now)
        }
        let maxCount = body.max_count ?? 10
        guard maxCount > 0, maxCount <= configuration.insights.tiktokMaxListCount else {
            return tiktokFailure(
                .invalidParams("max_count must be between 1 and \(configuration.insights.tiktokMaxListCount)"),
                endpoint: .tiktokVideoList, account: account.id, now: now)
        }
        let cursor = body.cursor ?? Int64.max
        let older = listing(of: account, now: now).drop { $0.createdAt.milliseconds >= cursor }
        let slots = older.prefix(maxCount)
        var json = JSONWriter(reservingCapacity: 96 + 96 * slots.count)
        json.beginObject()
        json.key("data")
        json.beginObject()
        json.key("videos")
        json.beginArray()
        var nextCursor = cursor == Int64.max ? now.milliseconds : cursor
        for slot in slots {
            nextCursor = slot.createdAt.milliseconds
            if !slot.deleted, let post = post(slot.id, now: now) { writeVideo(post, fields: fields, now: now, into: &json) }
        }
        json.endArray()
        json.field("cursor", nextCursor)
        json.field("has_more", older.count > slots.count)
        json.endObject()
        writeOK(into: &json, now: now)
        json.endObject()
        return RouteResult(
            response: SimulatedResponse(json: json), endpoint: .tiktokVideoList, account: account.id, outcome: .success)
    }

    private func writeVideo(_ post: SimulatedPost, fields: [String], now: Timestamp, into json: inout JSONWriter) {
        json.beginObject()
        for field in fields {
            switch field {
            case "id": json.field("id", post.id)
            case "create_time": json.field("create_time", post.createdAt.milliseconds / 1000)
            case "like_count": json.field("like_count", count("likes", of: post, at: now))
            case "comment_count": json.field("comment_count", count("comments", of: post, at: now))
            case "share_count": json.field("share_count", count("shares", of: post, at: now))
            case "view_count": json.field("view_count", count("views", of: post, at: now))
            case "duration": json.field("duration", 15)
            case "height": json.field("height", 1920)
            case "width": json.field("width", 1080)
            case "title", "video_description": json.field(field, "Simulated video \(post.id)")
            default: json.field(field, "https://www.tiktok.com/@sim/video/\(post.id)")
            }
        }
        json.endObject()
    }

    private mutating func writeOK(into json: inout JSONWriter, now: Timestamp) {
        json.key("error")
        json.beginObject()
        json.field("code", "ok")
        json.field("message", "")
        json.field("log_id", nextLogID(now: now))
        json.endObject()
    }

    mutating func tiktokFailure(
        _ error: TikTokError, endpoint: SimulatorEndpoint, account: String?, now: Timestamp
    ) -> RouteResult {
        RouteResult(response: error.response(logID: nextLogID(now: now)), endpoint: endpoint, account: account, outcome: .error)
    }

    // MARK: OAuth

    /// `grant_type=refresh_token`: issues a new access token AND a new refresh token, and retires the refresh token
    /// that was used, so a caller that loses the answer has lost the account (store the pair before using it).
    /// Errors use OAuth's flat shape `{"error","error_description","log_id"}` with HTTP 400 (status UNCONFIRMED).
    private mutating func tiktokRefresh(_ request: SimulatedRequest, now: Timestamp) -> RouteResult {
        func failure(_ code: String, _ description: String, account: String? = nil) -> RouteResult {
            var json = JSONWriter(reservingCapacity: 160)
            json.beginObject()
            json.field("error", code)
            json.field("error_description", description)
            json.field("log_id", nextLogID(now: now))
            json.endObject()
            return RouteResult(
                response: SimulatedResponse(status: .badRequest, json: json), endpoint: .tiktokOAuthToken,
                account: account, outcome: .error)
        }
        let bytes = request.bodyBytes
        let form = URLQuery(String(decoding: bytes, as: UTF8.self)[...])
        guard form["grant_type"] == "refresh_token" else {
            return failure("unsupported_grant_type", "The grant type is not supported.")
        }
        let tokens = configuration.tokens
        if let key = tokens.tiktokClientKey, form["client_key"] != key {
            return failure("invalid_client", "Client key or secret is invalid.")
        }
        if let secret = tokens.tiktokClientSecret, form["client_secret"] != secret {
            return failure("invalid_client", "Client key or secret is invalid.")
        }
        guard let refreshToken = form["refresh_token"], !refreshToken.isEmpty else {
            return failure("invalid_request", "refresh_token is required.")
        }
        guard let grant = refreshTokens[refreshToken], now < grant.expiresAt,
              let account = accounts[grant.accountID]
        else {
            return failure("invalid_grant", "Refresh token is invalid or expired.")
        }
        refreshTokens[refreshToken] = nil
        let serial = nextSerial()
        let newAccess = "act.sim\(serial).\(account.id)"
        let newRefresh = "rft.sim\(serial).\(account.id)"
        accessTokens[newAccess] = AccessGrant(
            accountID: account.id, issuedAt: now, expiresAt: now.adding(seconds: tokens.tiktokAccessSeconds))
        refreshTokens[newRefresh] = RefreshGrant(
            accountID: account.id, expiresAt: now.adding(seconds: tokens.tiktokRefreshSeconds))
        accounts[account.id]?.accessToken = newAccess
        accounts[account.id]?.refreshToken = newRefresh
        issuedTokens += [newAccess, newRefresh]

        var json = JSONWriter(reservingCapacity: 256)
        json.beginObject()
        json.field("access_token", newAccess)
        json.field("expires_in", Int64(tokens.tiktokAccessSeconds))
        json.field("open_id", account.id)
        json.field("refresh_expires_in", Int64(tokens.tiktokRefreshSeconds))
        json.field("refresh_token", newRefresh)
        json.field("scope", account.scopes.sorted().joined(separator: ","))
        json.field("token_type", "Bearer")
        json.endObject()
        return RouteResult(
            response: SimulatedResponse(json: json), endpoint: .tiktokOAuthToken, account: account.id, outcome: .success)
    }
}
