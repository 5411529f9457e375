import MetricsCore

/// An account as the simulator keeps it: an Instagram professional account, a Facebook Page, or a TikTok user.
struct SimulatedAccount: Sendable {
    let platform: Platform
    let id: String
    var hideLikes: Bool
    /// TikTok scopes granted; Meta accounts ignore it.
    var scopes: Set<String>
    /// Post ids, newest first (the order every listing endpoint serves).
    var postIDs: [String] = []
    /// The token pair the account currently holds, for in-process inspection (`PlatformSimulator.tokens(of:)`).
    var accessToken: String
    var refreshToken: String?

    static let allTikTokScopes: Set<String> = ["user.info.basic", "video.list"]
}

/// A post, media object or video, with its counters as functions of time.
struct SimulatedPost: Sendable {
    let id: String
    let platform: Platform
    let accountID: String
    var productType: MediaProductType
    var createdAt: Timestamp
    var tooNew: Bool
    var deleted: Bool
    var notEnoughViewers: Bool
    var metrics: [String: Int64]
    var growthPerDay: [String: Double]

    /// A counter's value at `now`; 0 for a metric the seed did not mention (the platform would still report it).
    func value(_ name: String, now: Timestamp, timeline: GrowthTimeline) -> Int64 {
        MetricGrowth.value(
            base: metrics[name] ?? 0, perDay: growthPerDay[name] ?? 0,
            ageMilliseconds: timeline.ageMilliseconds(createdAt: createdAt, now: now))
    }
}

/// What an access token is worth: whose it is and until when.
struct AccessGrant: Sendable {
    let accountID: String
    let issuedAt: Timestamp
    /// nil: never expires (long-lived Facebook Page tokens).
    let expiresAt: Timestamp?
}

/// A TikTok refresh token; it stops working the moment it is used (rotation) or when it expires.
struct RefreshGrant: Sendable {
    let accountID: String
    let expiresAt: Timestamp
}
