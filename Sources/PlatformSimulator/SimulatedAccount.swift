import MetricsCore

/// An account as the simulator keeps it: an Instagram professional account, a Facebook Page, or a TikTok user.
struct SimulatedAccount: Sendable {
    let platform: Platform
    let id: String
    /// The order in which the simulator first saw the account, from 1: what its published posts' ids carry
    /// (`PublishedPostID`). Seeding the same accounts in the same order gives the same ordinals.
    let ordinal: Int
    var hideLikes: Bool
    /// TikTok scopes granted; Meta accounts ignore it.
    var scopes: Set<String>
    /// Seeded post ids, newest first (the order every listing endpoint serves; published posts are merged in
    /// by `SimulatorWorld.listing(of:now:)`).
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

    init(_ post: SimulatorSeed.Post, owner: SimulatedAccount) {
        self.init(
            id: post.id, platform: owner.platform, accountID: owner.id, productType: post.mediaProductType ?? .feed,
            createdAt: post.createdAt, tooNew: post.tooNew, deleted: post.deleted,
            notEnoughViewers: post.notEnoughViewers, metrics: post.metrics, growthPerDay: post.growthPerDay)
    }

    init(
        id: String, platform: Platform, accountID: String, productType: MediaProductType, createdAt: Timestamp,
        tooNew: Bool, deleted: Bool, notEnoughViewers: Bool, metrics: [String: Int64], growthPerDay: [String: Double]
    ) {
        self.id = id
        self.platform = platform
        self.accountID = accountID
        self.productType = productType
        self.createdAt = createdAt
        self.tooNew = tooNew
        self.deleted = deleted
        self.notEnoughViewers = notEnoughViewers
        self.metrics = metrics
        self.growthPerDay = growthPerDay
    }

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
