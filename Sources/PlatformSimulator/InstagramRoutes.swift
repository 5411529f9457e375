import JSON
import MetricsCore

/// Instagram's media insights, media fields, media listing and long-lived token refresh.
extension SimulatorWorld {
    mutating func instagramInsights(_ post: SimulatedPost, context: GraphContext) -> RouteResult {
        graphInsights(post, endpoint: .instagramInsights, context: context) { world, post, names, context, json in
            world.writeInstagramInsights(post, metrics: names, context: context, into: &json)
        }
    }

    /// Writes `"data":[…]` (the insights edge's body, also nested under `insights` by field expansion), or returns
    /// the error that fails the whole request: one unsupported name is enough.
    mutating func writeInstagramInsights(
        _ post: SimulatedPost, metrics names: [String], context: GraphContext, into json: inout JSONWriter
    ) -> GraphError? {
        guard !names.isEmpty else { return .invalidParameter("The parameter metric is required") }
        if post.notEnoughViewers { return .notEnoughViewers }
        let family = post.productType.insightsFamily
        var unsupported: [String] = []
        var unknown = false
        for name in names {
            switch InstagramMetricCatalog.verdict(
                name, family: family, createdAt: post.createdAt, version: context.version, now: context.now,
                configuration: configuration.insights)
            {
            case .valid: break
            case .unsupported: unsupported.append(name)
            case .unknown:
                unsupported.append(name)
                unknown = true
            }
        }
        if !unsupported.isEmpty {
            return unknown || !configuration.insights.instagramNamesUnsupportedMetrics
                ? .invalidInsightsMetric : .unsupportedInstagramMetrics(unsupported)
        }
        json.key("data")
        json.beginArray()
        if !insightsReady(post, now: context.now) {
            json.endArray()
            return nil
        }
        for name in names {
            writeInsightEntry(
                name, of: post, title: InstagramMetricCatalog.title(name),
                description: InstagramMetricCatalog.description(name), into: &json
            ) { json in json.int(instagramValue(name, of: post, now: context.now)) }
        }
        json.endArray()
        return nil
    }

    func insightsReady(_ post: SimulatedPost, now: Timestamp) -> Bool {
        if post.tooNew { return false }
        let delay = configuration.insights.delaySeconds
        return delay <= 0 || now.milliseconds(since: post.createdAt) >= Int64(delay * 1000)
    }

    private func instagramValue(_ name: String, of post: SimulatedPost, now: Timestamp) -> Int64 {
        switch name {
        case "total_interactions":
            let parts = post.productType.insightsFamily == .story
                ? ["shares", "replies"] : ["likes", "comments", "shares", "saved"]
            return parts.reduce(0) { $0 + count($1, of: post, at: now) }
        case "impressions" where post.metrics["impressions"] == nil:
            return count("views", of: post, at: now)
        default:
            return count(name, of: post, at: now)
        }
    }

    // MARK: Media node and listing

    mutating func instagramMediaNode(_ post: SimulatedPost, context: GraphContext) -> RouteResult {
        graphObject(post, defaultFields: "id", endpoint: .instagramMedia, context: context) { world, post, fields, context, json in
            world.writeInstagramMedia(post, fields: fields, context: context, into: &json)
        }
    }

    mutating func instagramMediaList(_ account: SimulatedAccount, context: GraphContext) -> RouteResult {
        graphEdge(account, defaultFields: "id", endpoint: .instagramMediaList, context: context) { world, post, fields, context, json in
            world.writeInstagramMedia(post, fields: fields, context: context, into: &json)
        }
    }

    /// One media object with the requested fields; `like_count` is left out when the owner hides likes.
    private mutating func writeInstagramMedia(
        _ post: SimulatedPost, fields: GraphFieldList, context: GraphContext, into json: inout JSONWriter
    ) -> GraphError? {
        let hideLikes = accounts[post.accountID]?.hideLikes ?? false
        json.beginObject()
        for field in fields.fields {
            switch field.name {
            case "id": json.field("id", post.id)
            case "media_type":
                let type = switch post.productType {
                case .carouselAlbum: "CAROUSEL_ALBUM"
                case .reels: "VIDEO"
                default: "IMAGE"
                }
                json.field("media_type", type)
            case "media_product_type":
                json.field("media_product_type", post.productType == .carouselAlbum ? "FEED" : post.productType.rawValue)
            case "timestamp": json.field("timestamp", GraphTime.payload(post.createdAt))
            case "like_count":
                if !hideLikes { json.field("like_count", count("likes", of: post, at: context.now)) }
            case "comments_count": json.field("comments_count", count("comments", of: post, at: context.now))
            case "caption": json.field("caption", "Simulated post \(post.id)")
            case "permalink": json.field("permalink", "https://www.instagram.com/p/\(post.id)/")
            case "username": json.field("username", "sim_\(post.accountID.suffix(6))")
            case "owner":
                json.key("owner")
                json.beginObject()
                json.field("id", post.accountID)
                json.endObject()
            case "insights":
                json.key("insights")
                json.beginObject()
                let metrics = field.list("metric") ?? []
                if let error = writeInstagramInsights(post, metrics: metrics, context: context, into: &json) {
                    return error
                }
                json.endObject()
            default:
                return .invalidParameter("Tried accessing nonexisting field (\(field.name)) on node type (IGMedia)")
            }
        }
        json.endObject()
        return nil
    }

    // MARK: Token refresh

    /// `GET /refresh_access_token?grant_type=ig_refresh_token&access_token=…`: a new 60-day token for one that
    /// is at least a day old and not yet expired. The old token keeps working until its own expiry.
    mutating func instagramRefresh(_ request: SimulatedRequest, token: String?, now: Timestamp) -> RouteResult {
        guard request.query["grant_type"] == "ig_refresh_token" else {
            return graphFailure(
                .invalidParameter("grant_type must be ig_refresh_token"), endpoint: .instagramRefreshToken, account: nil)
        }
        let grant: AccessGrant
        switch checkAccessToken(token, now: now) {
        case .valid(let valid): grant = valid
        case .missing: return graphFailure(.missingToken, endpoint: .instagramRefreshToken, account: nil)
        case .unknown: return graphFailure(.unparseableToken, endpoint: .instagramRefreshToken, account: nil)
        case .expired(let expired, let at):
            return graphFailure(
                .expiredToken(expiredAt: at, now: now), endpoint: .instagramRefreshToken, account: expired.accountID)
        }
        let minimumAge = Int64(configuration.tokens.instagramMinimumRefreshAgeSeconds * 1000)
        guard now.milliseconds(since: grant.issuedAt) >= minimumAge else {
            return graphFailure(
                .invalidParameter("The access token must be at least 24 hours old to be refreshed"),
                endpoint: .instagramRefreshToken, account: grant.accountID)
        }
        let lifetime = configuration.tokens.instagramSeconds
        let newToken = "IGAA\(grant.accountID.suffix(6))sim\(nextSerial())"
        accessTokens[newToken] = AccessGrant(
            accountID: grant.accountID, issuedAt: now, expiresAt: now.adding(seconds: lifetime))
        issuedTokens.append(newToken)
        accounts[grant.accountID]?.accessToken = newToken
        var json = JSONWriter(reservingCapacity: 128)
        json.beginObject()
        json.field("access_token", newToken)
        json.field("token_type", "bearer")
        json.field("expires_in", Int64(lifetime))
        json.endObject()
        return RouteResult(
            response: SimulatedResponse(json: json), endpoint: .instagramRefreshToken, account: grant.accountID,
            outcome: .success)
    }
}
