/// What the simulator saw, so tests and benchmarks can assert on traffic rather than trust the client:
/// "the engine made one call per post", "the limiter kept us under the budget".
public struct SimulatorStats: Sendable, Hashable, Codable {
    public struct Counts: Sendable, Hashable, Codable {
        public var requests = 0
        /// Requests refused by a rate limit or call budget (Meta 4/17/32/613/8000x, TikTok 429).
        public var rateLimited = 0
        /// Requests answered with any other error (not counting `rateLimited`).
        public var errors = 0
        /// Requests that got an injected fault (random or scripted).
        public var faults = 0

        public init() {}
    }

    public var total = Counts()
    /// By `SimulatorEndpoint` raw value.
    public var endpoints: [String: Counts] = [:]
    /// By external account id (the token owner).
    public var accounts: [String: Counts] = [:]

    public init() {}

    public func endpoint(_ endpoint: SimulatorEndpoint) -> Counts {
        endpoints[endpoint.rawValue] ?? Counts()
    }

    public func account(_ id: String) -> Counts {
        accounts[id] ?? Counts()
    }

    enum Outcome {
        case success, rateLimited, error
    }

    mutating func record(_ endpoint: SimulatorEndpoint, account: String?, outcome: Outcome, fault: Bool) {
        func apply(_ counts: inout Counts) {
            counts.requests += 1
            switch outcome {
            case .success: break
            case .rateLimited: counts.rateLimited += 1
            case .error: counts.errors += 1
            }
            if fault { counts.faults += 1 }
        }
        apply(&total)
        apply(&endpoints[endpoint.rawValue, default: Counts()])
        if let account {
            apply(&accounts[account, default: Counts()])
        }
    }
}

/// The platform endpoints the simulator serves, as named in its stats.
public enum SimulatorEndpoint: String, Sendable, Hashable, Codable, CaseIterable {
    case instagramInsights = "instagram.insights"
    case instagramMedia = "instagram.media"
    case instagramMediaList = "instagram.mediaList"
    case instagramRefreshToken = "instagram.refreshToken"
    case facebookInsights = "facebook.insights"
    case facebookPost = "facebook.post"
    case facebookPosts = "facebook.posts"
    case tiktokVideoQuery = "tiktok.videoQuery"
    case tiktokVideoList = "tiktok.videoList"
    case tiktokOAuthToken = "tiktok.oauthToken"
    case graphOther = "graph.other"
    case tiktokOther = "tiktok.other"

    var isTikTok: Bool {
        switch self {
        case .tiktokVideoQuery, .tiktokVideoList, .tiktokOAuthToken, .tiktokOther: true
        default: false
        }
    }
}
