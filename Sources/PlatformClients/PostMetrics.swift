import MetricsCore

/// One post's numbers as a platform reported them, ready to become a `Snapshot` (the engine adds the post id and
/// the capture time). A metric the platform did not report stays nil, never 0.
public struct PostMetrics: Sendable, Hashable {
    public var values: MetricValues
    /// Everything else worth keeping: reactions by type, clicks, watch time, follows, …
    public var metadata: SnapshotMetadata
    /// True when the platform answered with no numbers at all (Instagram's `{"data":[]}` for media too new).
    public var noDataYet: Bool

    public init(values: MetricValues = MetricValues(), metadata: SnapshotMetadata = [:], noDataYet: Bool = false) {
        self.values = values
        self.metadata = metadata
        self.noDataYet = noDataYet
    }
}

/// A post found by discovery (`/media`, `/posts`, `/video/list`).
public struct DiscoveredPost: Sendable, Hashable {
    public var externalID: String
    public var createdAt: Timestamp
    /// Instagram only (a carousel is reported as `.carouselAlbum`); nil on Facebook and TikTok.
    public var mediaProductType: MediaProductType?

    public init(externalID: String, createdAt: Timestamp, mediaProductType: MediaProductType? = nil) {
        self.externalID = externalID
        self.createdAt = createdAt
        self.mediaProductType = mediaProductType
    }
}

/// A refreshed Instagram long-lived token.
public struct RefreshedAccessToken: Sendable, Hashable {
    public var accessToken: String
    public var expiresAt: Timestamp

    public init(accessToken: String, expiresAt: Timestamp) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
    }
}

/// What a TikTok refresh grant returns. TikTok rotates refresh tokens: the one just used is dead, so persist this
/// whole pair durably before using the new access token.
public struct TikTokTokenPair: Sendable, Hashable {
    public var openID: String?
    public var accessToken: String
    public var accessTokenExpiresAt: Timestamp
    public var refreshToken: String
    public var refreshTokenExpiresAt: Timestamp
    public var scopes: [String]

    public init(
        openID: String?, accessToken: String, accessTokenExpiresAt: Timestamp, refreshToken: String,
        refreshTokenExpiresAt: Timestamp, scopes: [String]
    ) {
        self.openID = openID
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshToken = refreshToken
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.scopes = scopes
    }
}
