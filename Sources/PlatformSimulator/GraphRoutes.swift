import JSON
import MetricsCore
import NIOHTTP1

/// The Graph API's shared front door for Instagram and Facebook: version prefix, object lookup, token check,
/// call budgets and usage headers, then the object's own route.
///
/// Ids are global in the Graph API, as here: the object an id names decides whether it is an Instagram media,
/// an Instagram user, a Facebook Page or a Page post.
extension SimulatorWorld {
    enum GraphObject {
        case instagramMedia(SimulatedPost)
        case instagramUser(SimulatedAccount)
        case facebookPost(SimulatedPost)
        case facebookPage(SimulatedAccount)

        var ownerID: String {
            switch self {
            case .instagramMedia(let post), .facebookPost(let post): post.accountID
            case .instagramUser(let account), .facebookPage(let account): account.id
            }
        }
    }

    /// Everything a Graph route needs about the call being served.
    struct GraphContext {
        var request: SimulatedRequest
        var version: Int
        var token: String
        var grant: AccessGrant
        var now: Timestamp
    }

    mutating func graph(_ request: SimulatedRequest, segments: [Substring], now: Timestamp) -> RouteResult {
        var rest = segments[...]
        var version = configuration.graphVersion
        if let first = rest.first, let parsed = Self.graphVersion(first) {
            version = parsed
            rest = rest.dropFirst()
        }
        let token = request.query["access_token"] ?? Self.bearer(request.authorization)

        if rest.count == 1, rest.first == "refresh_access_token" {
            return instagramRefresh(request, token: token, now: now)
        }
        guard request.method == .GET, let id = rest.first, rest.count <= 2 else {
            return RouteResult(
                response: GraphError.unknownPath(request.path).response(traceID: nextTraceID()),
                endpoint: .graphOther, account: nil, outcome: .error)
        }
        let edge = rest.count == 2 ? rest.last : nil
        let object = lookUp(String(id), now: now)
        let endpoint = Self.endpoint(object: object, edge: edge)

        let grant: AccessGrant
        switch checkAccessToken(token, now: now) {
        case .valid(let valid): grant = valid
        case .missing: return graphFailure(.missingToken, endpoint: endpoint, account: nil)
        case .unknown: return graphFailure(.unparseableToken, endpoint: endpoint, account: nil)
        case .expired(let expired, let at):
            return graphFailure(.expiredToken(expiredAt: at, now: now), endpoint: endpoint, account: expired.accountID)
        }

        var usageHeaders: [(String, String)] = []
        if configuration.metaLimits.enabled {
            let (headers, limitError) = chargeMetaCall(account: grant.accountID, now: now)
            usageHeaders = headers
            if var limitError {
                limitError.headers += headers
                return RouteResult(
                    response: limitError.response(traceID: nextTraceID()), endpoint: endpoint,
                    account: grant.accountID, outcome: .rateLimited)
            }
        }

        var result: RouteResult
        if let object, object.ownerID == grant.accountID, let token {
            let context = GraphContext(request: request, version: version, token: token, grant: grant, now: now)
            result = route(object, edge: edge, endpoint: endpoint, context: context)
        } else {
            // Someone else's object looks exactly like a missing one (#100, subcode 33), as on the real API.
            result = graphFailure(.objectNotFound(String(id)), endpoint: endpoint, account: grant.accountID)
        }
        result.response.headers += usageHeaders
        return result
    }

    private mutating func route(
        _ object: GraphObject, edge: Substring?, endpoint: SimulatorEndpoint, context: GraphContext
    ) -> RouteResult {
        switch (object, edge) {
        case (.instagramMedia(let post), nil):
            return instagramMediaNode(post, context: context)
        case (.instagramMedia(let post), "insights"):
            return instagramInsights(post, context: context)
        case (.instagramUser(let account), nil):
            return userNode(account, endpoint: endpoint, context: context)
        case (.instagramUser(let account), "media"):
            return instagramMediaList(account, context: context)
        case (.facebookPost(let post), nil):
            return facebookPostNode(post, context: context)
        case (.facebookPost(let post), "insights"):
            return facebookInsights(post, context: context)
        case (.facebookPage(let account), nil):
            return userNode(account, endpoint: endpoint, context: context)
        case (.facebookPage(let account), "posts"), (.facebookPage(let account), "feed"),
             (.facebookPage(let account), "published_posts"):
            return facebookPostList(account, context: context)
        default:
            return graphFailure(
                .unknownPath(context.request.path), endpoint: endpoint, account: context.grant.accountID)
        }
    }

    /// An Instagram user or a Page asked for itself: just enough to show a token works.
    private mutating func userNode(
        _ account: SimulatedAccount, endpoint: SimulatorEndpoint, context: GraphContext
    ) -> RouteResult {
        var json = JSONWriter(reservingCapacity: 96)
        json.beginObject()
        json.field("id", account.id)
        let name = account.platform == .instagram ? "username" : "name"
        json.field(name, account.platform == .instagram ? "sim_\(account.id.suffix(6))" : "Page \(account.id)")
        json.endObject()
        return RouteResult(
            response: SimulatedResponse(json: json), endpoint: endpoint, account: account.id, outcome: .success)
    }

    func lookUp(_ id: String, now: Timestamp) -> GraphObject? {
        if let post = post(id, now: now), !post.deleted {
            switch post.platform {
            case .instagram: return .instagramMedia(post)
            case .facebook: return .facebookPost(post)
            case .tiktok: return nil
            }
        }
        if let account = accounts[id] {
            switch account.platform {
            case .instagram: return .instagramUser(account)
            case .facebook: return .facebookPage(account)
            case .tiktok: return nil
            }
        }
        return nil
    }

    private static func endpoint(object: GraphObject?, edge: Substring?) -> SimulatorEndpoint {
        switch (object, edge) {
        case (.instagramMedia?, nil): .instagramMedia
        case (.instagramMedia?, "insights"): .instagramInsights
        case (.instagramUser?, "media"): .instagramMediaList
        case (.facebookPost?, nil): .facebookPost
        case (.facebookPost?, "insights"): .facebookInsights
        case (.facebookPage?, "posts"), (.facebookPage?, "feed"), (.facebookPage?, "published_posts"): .facebookPosts
        default: .graphOther
        }
    }

    mutating func graphFailure(_ error: GraphError, endpoint: SimulatorEndpoint, account: String?) -> RouteResult {
        RouteResult(response: error.response(traceID: nextTraceID()), endpoint: endpoint, account: account, outcome: .error)
    }

    /// `v25.0` → 25; anything else is not a version segment.
    static func graphVersion(_ segment: Substring) -> Int? {
        guard segment.first == "v" else { return nil }
        let number = segment.dropFirst()
        let major = number.split(separator: ".", maxSplits: 1).first ?? number
        return Int(major)
    }

    static func bearer(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        for prefix in ["Bearer ", "bearer ", "OAuth "] where authorization.hasPrefix(prefix) {
            return String(authorization.dropFirst(prefix.count))
        }
        return nil
    }

    // MARK: Call budgets

    /// Counts the call against the app's and the account's budgets (rejected calls count too: Meta extends a
    /// penalty when a throttled caller keeps calling) and returns the usage headers, plus the error to answer
    /// with when a budget is exhausted.
    mutating func chargeMetaCall(account: String, now: Timestamp) -> ([(String, String)], GraphError?) {
        let limits = configuration.metaLimits
        metaAppWindow.record(now: now)
        let appCalls = metaAppWindow.count(now: now)
        var accountWindow = metaAccountWindows[account]
            ?? SlidingWindowCounter(windowSeconds: limits.windowSeconds, buckets: limits.windowBuckets)
        accountWindow.record(now: now)
        let accountCalls = accountWindow.count(now: now)
        let regainMilliseconds = accountWindow.millisecondsUntilBelow(limits.accountCallBudget, now: now)
        metaAccountWindows[account] = accountWindow

        let appPercent = appCalls * 100 / max(1, limits.appCallBudget)
        let accountPercent = accountCalls * 100 / max(1, limits.accountCallBudget)
        let regainMinutes = Int((regainMilliseconds + 59_999) / 60_000)
        let platform = accounts[account]?.platform ?? .instagram

        var headers: [(String, String)] = []
        if max(appPercent, accountPercent) >= limits.usageHeaderMinimumPercent {
            headers.append((
                "X-App-Usage",
                "{\"call_count\":\(appPercent),\"total_time\":\(appPercent / 2),\"total_cputime\":\(appPercent / 2)}"))
            let type = platform == .instagram ? "instagram" : "pages"
            headers.append((
                "X-Business-Use-Case-Usage",
                "{\"\(account)\":[{\"type\":\"\(type)\",\"call_count\":\(accountPercent),"
                    + "\"total_cputime\":\(accountPercent / 2),\"total_time\":\(accountPercent / 2),"
                    + "\"estimated_time_to_regain_access\":\(regainMinutes)}]}"))
        }
        let status = HTTPResponseStatus(statusCode: limits.rejectionHTTPStatus)
        if appCalls > limits.appCallBudget {
            return (headers, .limit(code: 4, status: status))
        }
        if accountCalls > limits.accountCallBudget {
            let code = platform == .instagram ? limits.instagramAccountLimitCode : limits.facebookAccountLimitCode
            return (headers, .limit(code: code, status: status))
        }
        return (headers, nil)
    }

    // MARK: Paging

    /// Graph's cursor paging over an account's listing: `limit`, `after`/`before` cursors, `since`/`until` (Unix
    /// seconds), and a `paging.next` URL that is present exactly when another page exists.
    struct GraphPage {
        var ids: [String]
        var startOffset: Int
        var endOffset: Int
        var hasNext: Bool
    }

    func graphPage(_ listing: [ListedPost], context: GraphContext) -> Result<GraphPage, GraphError> {
        let query = context.request.query
        var limit = configuration.paging.graphDefaultLimit
        if let text = query["limit"] {
            guard let parsed = Int(text), parsed > 0 else { return .failure(.invalidParameter("Invalid limit")) }
            limit = min(parsed, configuration.paging.graphMaxLimit)
        }
        let since = query["since"].flatMap { Int64($0) }.map { Timestamp(seconds: $0) }
        let until = query["until"].flatMap { Int64($0) }.map { Timestamp(seconds: $0) }
        let visible = listing.filter { post in
            if post.deleted { return false }
            if let since, post.createdAt < since { return false }
            if let until, post.createdAt > until { return false }
            return true
        }
        var start = 0
        if let after = query["after"] {
            guard let offset = Self.cursorOffset(after) else { return .failure(.invalidParameter("Invalid cursor")) }
            start = offset
        }
        start = min(start, visible.count)
        let end = min(visible.count, start + limit)
        return .success(GraphPage(
            ids: visible[start..<end].map(\.id), startOffset: start, endOffset: end, hasNext: end < visible.count))
    }

    static func cursor(_ offset: Int) -> String {
        "QVFIU" + String(offset, radix: 36, uppercase: true)
    }

    static func cursorOffset(_ cursor: String) -> Int? {
        guard cursor.hasPrefix("QVFIU") else { return nil }
        return Int(cursor.dropFirst(5), radix: 36)
    }

    func writePaging(_ page: GraphPage, into json: inout JSONWriter, context: GraphContext) {
        guard page.endOffset > page.startOffset || page.hasNext else { return }
        json.key("paging")
        json.beginObject()
        json.key("cursors")
        json.beginObject()
        json.field("before", Self.cursor(page.startOffset))
        json.field("after", Self.cursor(page.endOffset))
        json.endObject()
        if page.hasNext {
            var next = "http://\(context.request.host ?? "127.0.0.1")\(context.request.path)?"
            var parameters: [(String, String)] = context.request.query.pairs.filter { $0.name != "after" }
            if !parameters.contains(where: { $0.0 == "access_token" }) {
                parameters.append(("access_token", context.token))
            }
            parameters.append(("after", Self.cursor(page.endOffset)))
            next += parameters.map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
            json.field("next", next)
        }
        json.endObject()
    }

    static func percentEncode(_ text: String) -> String {
        var bytes: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                 UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
