import MetricsCore

/// Accounts and posts to load into the simulator, from a config file, `POST /_sim/seed`, or in process.
///
/// Times are ISO 8601 strings (or milliseconds since the epoch) in JSON. What a seed leaves out gets the
/// platform's defaults at seeding time: tokens issued now with the configured lifetimes, every scope granted.
/// Seeding adds to (and replaces by id) what is already there.
public struct SimulatorSeed: Sendable, Hashable, Codable {
    public var accounts: [Account]
    public var posts: [Post]
    /// A cheap way to ask for "100 accounts × 100 posts on each platform"; expanded at seeding time.
    public var generate: Generate?

    public init(accounts: [Account] = [], posts: [Post] = [], generate: Generate? = nil) {
        self.accounts = accounts
        self.posts = posts
        self.generate = generate
    }

    public struct Account: Sendable, Hashable, Codable {
        public var platform: Platform
        /// Instagram user id, Facebook Page id, or TikTok open_id.
        public var id: String
        public var accessToken: String
        public var accessTokenIssuedAt: Timestamp?
        /// nil: the platform's lifetime from the issue time (a Facebook Page token never expires).
        public var accessTokenExpiresAt: Timestamp?
        /// TikTok only.
        public var refreshToken: String?
        public var refreshTokenExpiresAt: Timestamp?
        /// Instagram: the owner hides like counts, so `like_count` is omitted from media fields.
        public var hideLikes: Bool
        /// TikTok scopes granted; nil means all (`user.info.basic,video.list`).
        public var scopes: [String]?

        public init(
            platform: Platform, id: String, accessToken: String, accessTokenIssuedAt: Timestamp? = nil,
            accessTokenExpiresAt: Timestamp? = nil, refreshToken: String? = nil,
            refreshTokenExpiresAt: Timestamp? = nil, hideLikes: Bool = false, scopes: [String]? = nil
        ) {
            self.platform = platform
            self.id = id
            self.accessToken = accessToken
            self.accessTokenIssuedAt = accessTokenIssuedAt
            self.accessTokenExpiresAt = accessTokenExpiresAt
            self.refreshToken = refreshToken
            self.refreshTokenExpiresAt = refreshTokenExpiresAt
            self.hideLikes = hideLikes
            self.scopes = scopes
        }
    }

    public struct Post: Sendable, Hashable, Codable {
        /// Instagram media id, Facebook `{page-id}_{post-id}`, or TikTok video id.
        public var id: String
        /// The owning account's id.
        public var account: String
        /// Instagram only; CAROUSEL_ALBUM answers with FEED's metric set. Defaults to FEED.
        public var mediaProductType: MediaProductType?
        public var createdAt: Timestamp
        /// Insights answer `{"data":[]}` as for media whose numbers are not computed yet.
        public var tooNew: Bool
        /// Gone from listings and queries (TikTok: absent from video query results).
        public var deleted: Bool
        /// Instagram stories: insights fail with "(#10) Not enough viewers for the media to show insights".
        public var notEnoughViewers: Bool
        /// Values at creation time, by metric name: `views`, `reach`, `likes`, `comments`, `shares`, `saved`,
        /// `follows`, `profile_visits`, `replies`, `navigation`, `clicks`, `reactions.like`, `reactions.love`, …
        public var metrics: [String: Int64]
        /// Growth per day for any of the names above (see `MetricGrowth`).
        public var growthPerDay: [String: Double]

        public init(
            id: String, account: String, mediaProductType: MediaProductType? = nil, createdAt: Timestamp,
            tooNew: Bool = false, deleted: Bool = false, notEnoughViewers: Bool = false,
            metrics: [String: Int64] = [:], growthPerDay: [String: Double] = [:]
        ) {
            self.id = id
            self.account = account
            self.mediaProductType = mediaProductType
            self.createdAt = createdAt
            self.tooNew = tooNew
            self.deleted = deleted
            self.notEnoughViewers = notEnoughViewers
            self.metrics = metrics
            self.growthPerDay = growthPerDay
        }
    }

    /// Deterministic bulk data: `accountsPerPlatform` accounts on each listed platform, each with
    /// `postsPerAccount` posts spread over the last `maxAgeDays` days. Ids and tokens follow `SeedGenerator`'s
    /// documented scheme and are returned in the seed summary.
    public struct Generate: Sendable, Hashable, Codable {
        public var accountsPerPlatform: Int
        public var postsPerAccount: Int
        public var platforms: [Platform]
        public var seed: UInt64
        public var maxAgeDays: Int
        /// Post ages count back from this instead of from now: a restarted demo passes its first start, so the
        /// same posts keep the same dates. Set from code only; not part of the seed file format.
        public var referenceTime: Timestamp?

        enum CodingKeys: String, CodingKey {
            case accountsPerPlatform, postsPerAccount, platforms, seed, maxAgeDays
        }

        public init(
            accountsPerPlatform: Int, postsPerAccount: Int, platforms: [Platform] = Platform.allCases,
            seed: UInt64 = 1, maxAgeDays: Int = 30, referenceTime: Timestamp? = nil
        ) {
            self.accountsPerPlatform = accountsPerPlatform
            self.postsPerAccount = postsPerAccount
            self.platforms = platforms
            self.seed = seed
            self.maxAgeDays = maxAgeDays
            self.referenceTime = referenceTime
        }
    }
}

/// What a seed created: every account with its current tokens and post ids, so a caller that asked for
/// generated data learns the names without knowing the scheme.
public struct SeedSummary: Sendable, Hashable, Codable {
    public struct Account: Sendable, Hashable, Codable {
        public var platform: Platform
        public var id: String
        public var accessToken: String
        public var accessTokenExpiresAt: Timestamp?
        public var refreshToken: String?
        public var refreshTokenExpiresAt: Timestamp?
        public var postIDs: [String]
    }

    public var accounts: [Account]
    public var postCount: Int
}

/// Why a seed was refused.
public struct SimulatorSeedError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

// MARK: JSON: times as ISO 8601 strings or epoch milliseconds; optional keys optional.

private struct SeedTime: Codable {
    var value: Timestamp

    init(_ value: Timestamp) { self.value = value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let milliseconds = try? container.decode(Int64.self) {
            value = Timestamp(milliseconds: milliseconds)
        } else {
            let text = try container.decode(String.self)
            guard let parsed = Timestamp(iso8601: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time: \(text)")
            }
            value = parsed
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.iso8601)
    }
}

extension KeyedDecodingContainer {
    fileprivate func time(_ key: Key) throws -> Timestamp? {
        try decodeIfPresent(SeedTime.self, forKey: key)?.value
    }
}

extension KeyedEncodingContainer {
    fileprivate mutating func time(_ value: Timestamp?, _ key: Key) throws {
        try encodeIfPresent(value.map(SeedTime.init), forKey: key)
    }
}

extension SimulatorSeed {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accounts = try c.decodeIfPresent([Account].self, forKey: .accounts) ?? []
        posts = try c.decodeIfPresent([Post].self, forKey: .posts) ?? []
        generate = try c.decodeIfPresent(Generate.self, forKey: .generate)
    }
}

extension SimulatorSeed.Account {
    enum CodingKeys: String, CodingKey {
        case platform, id, accessToken, accessTokenIssuedAt, accessTokenExpiresAt, refreshToken
        case refreshTokenExpiresAt, hideLikes, scopes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        platform = try c.decode(Platform.self, forKey: .platform)
        id = try c.decode(String.self, forKey: .id)
        accessToken = try c.decode(String.self, forKey: .accessToken)
        accessTokenIssuedAt = try c.time(.accessTokenIssuedAt)
        accessTokenExpiresAt = try c.time(.accessTokenExpiresAt)
        refreshToken = try c.decodeIfPresent(String.self, forKey: .refreshToken)
        refreshTokenExpiresAt = try c.time(.refreshTokenExpiresAt)
        hideLikes = try c.decodeIfPresent(Bool.self, forKey: .hideLikes) ?? false
        scopes = try c.decodeIfPresent([String].self, forKey: .scopes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(platform, forKey: .platform)
        try c.encode(id, forKey: .id)
        try c.encode(accessToken, forKey: .accessToken)
        try c.time(accessTokenIssuedAt, .accessTokenIssuedAt)
        try c.time(accessTokenExpiresAt, .accessTokenExpiresAt)
        try c.encodeIfPresent(refreshToken, forKey: .refreshToken)
        try c.time(refreshTokenExpiresAt, .refreshTokenExpiresAt)
        try c.encode(hideLikes, forKey: .hideLikes)
        try c.encodeIfPresent(scopes, forKey: .scopes)
    }
}

extension SimulatorSeed.Post {
    enum CodingKeys: String, CodingKey {
        case id, account, mediaProductType, createdAt, tooNew, deleted, notEnoughViewers, metrics, growthPerDay
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        account = try c.decode(String.self, forKey: .account)
        mediaProductType = try c.decodeIfPresent(MediaProductType.self, forKey: .mediaProductType)
        guard let created = try c.time(.createdAt) else {
            throw DecodingError.keyNotFound(
                CodingKeys.createdAt, .init(codingPath: c.codingPath, debugDescription: "createdAt is required"))
        }
        createdAt = created
        tooNew = try c.decodeIfPresent(Bool.self, forKey: .tooNew) ?? false
        deleted = try c.decodeIfPresent(Bool.self, forKey: .deleted) ?? false
        notEnoughViewers = try c.decodeIfPresent(Bool.self, forKey: .notEnoughViewers) ?? false
        metrics = try c.decodeIfPresent([String: Int64].self, forKey: .metrics) ?? [:]
        growthPerDay = try c.decodeIfPresent([String: Double].self, forKey: .growthPerDay) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(account, forKey: .account)
        try c.encodeIfPresent(mediaProductType, forKey: .mediaProductType)
        try c.time(createdAt, .createdAt)
        try c.encode(tooNew, forKey: .tooNew)
        try c.encode(deleted, forKey: .deleted)
        try c.encode(notEnoughViewers, forKey: .notEnoughViewers)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(growthPerDay, forKey: .growthPerDay)
    }
}

extension SimulatorSeed.Generate {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accountsPerPlatform = try c.decode(Int.self, forKey: .accountsPerPlatform)
        postsPerAccount = try c.decode(Int.self, forKey: .postsPerAccount)
        platforms = try c.decodeIfPresent([Platform].self, forKey: .platforms) ?? Platform.allCases
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        maxAgeDays = try c.decodeIfPresent(Int.self, forKey: .maxAgeDays) ?? 30
    }
}

extension SeedSummary.Account {
    enum CodingKeys: String, CodingKey {
        case platform, id, accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt, postIDs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        platform = try c.decode(Platform.self, forKey: .platform)
        id = try c.decode(String.self, forKey: .id)
        accessToken = try c.decode(String.self, forKey: .accessToken)
        accessTokenExpiresAt = try c.time(.accessTokenExpiresAt)
        refreshToken = try c.decodeIfPresent(String.self, forKey: .refreshToken)
        refreshTokenExpiresAt = try c.time(.refreshTokenExpiresAt)
        postIDs = try c.decodeIfPresent([String].self, forKey: .postIDs) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(platform, forKey: .platform)
        try c.encode(id, forKey: .id)
        try c.encode(accessToken, forKey: .accessToken)
        try c.time(accessTokenExpiresAt, .accessTokenExpiresAt)
        try c.encodeIfPresent(refreshToken, forKey: .refreshToken)
        try c.time(refreshTokenExpiresAt, .refreshTokenExpiresAt)
        try c.encode(postIDs, forKey: .postIDs)
    }
}
