import MetricsCore

/// Every number the simulator enforces, so tests can scale time down and benchmarks can switch limits off.
///
/// Decoded from the `simulator` object of a `--config` file; every key is optional and falls back to the value
/// documented in `platform-apis.md` (or to "off" for limits and faults, so the default path stays cheap).
public struct SimulatorConfiguration: Sendable, Hashable, Codable {
    /// The Graph API version the simulator treats as current, used for unversioned paths.
    public var graphVersion: Int = 25
    public var metaLimits = MetaLimits()
    public var tiktokLimits = TikTokLimits()
    public var tokens = TokenLifetimes()
    public var faults = Faults()
    public var insights = Insights()
    public var paging = Paging()
    public var publishing = Publishing()

    public init() {}

    /// Meta's call budgets: one per app (code 4) and one per account (17/32/613/80001/80002), over a sliding window.
    /// Real budgets scale with the account's impressions; here they are fixed numbers so tests can reach them.
    public struct MetaLimits: Sendable, Hashable, Codable {
        /// Off by default: no counting, no usage headers, nothing rejected.
        public var enabled = false
        public var windowSeconds: Double = 3600
        /// Granularity of the sliding window: the window is split into this many buckets.
        public var windowBuckets = 60
        public var appCallBudget = 200_000
        public var accountCallBudget = 4_800
        /// The code an Instagram account's exhausted budget answers with (80002 business use case, or 17, 613).
        public var instagramAccountLimitCode = 80002
        /// The code a Facebook Page's exhausted budget answers with (32 Pages limit, or 80001, 17, 613).
        public var facebookAccountLimitCode = 32
        /// HTTP status of throttling errors (Graph answers 400 for most, some gateways 403 or 429).
        public var rejectionHTTPStatus = 400
        /// Usage headers are only sent once some percentage is at least this (Meta omits them on light use).
        public var usageHeaderMinimumPercent = 0

        public init() {}
    }

    /// TikTok's per-endpoint sliding-window limit (600 per minute on video query and list).
    public struct TikTokLimits: Sendable, Hashable, Codable {
        public var enabled = false
        public var requestsPerWindow = 600
        public var windowSeconds: Double = 60
        public var windowBuckets = 60
        /// Whether the limit is kept per app (one counter per endpoint) or per user token. UNCONFIRMED upstream.
        public var perAccount = false

        public init() {}
    }

    public struct TokenLifetimes: Sendable, Hashable, Codable {
        public var instagramSeconds: Double = 60 * 86_400
        /// Instagram refuses to refresh a long-lived token younger than this.
        public var instagramMinimumRefreshAgeSeconds: Double = 86_400
        public var facebookPageSeconds: Double? = nil
        public var tiktokAccessSeconds: Double = 7_200
        public var tiktokRefreshSeconds: Double = 180 * 86_400
        /// When set, the TikTok token endpoint checks them (`invalid_client` otherwise).
        public var tiktokClientKey: String? = nil
        public var tiktokClientSecret: String? = nil

        public init() {}
    }

    /// Random faults, drawn per platform request from a generator seeded with `seed`, so a run is repeatable.
    public struct Faults: Sendable, Hashable, Codable {
        public var seed: UInt64 = 1
        public var latencyRate: Double = 0
        public var latencyMilliseconds: Int = 0
        public var serverErrorRate: Double = 0
        public var timeoutRate: Double = 0
        public var resetRate: Double = 0
        public var malformedRate: Double = 0

        public init() {}

        var isOff: Bool {
            latencyRate <= 0 && serverErrorRate <= 0 && timeoutRate <= 0 && resetRate <= 0 && malformedRate <= 0
        }
    }

    public struct Insights: Sendable, Hashable, Codable {
        /// Media younger than this answers `{"data":[]}` (Meta's data lags up to 48 h); 0 = only seeded `tooNew`.
        public var delaySeconds: Double = 0
        /// Whether Instagram names the offending metrics in its #100 message or only says
        /// "The value must be a valid insights metric" (both shapes are seen in the wild).
        public var instagramNamesUnsupportedMetrics = true
        /// `impressions` is still served for media created before this moment, on versions up to `impressionsMaxVersion`.
        public var impressionsCutoff = "2024-07-02T00:00:00Z"
        public var impressionsMaxVersion = 21
        public var tiktokMaxVideoIDs = 20
        public var tiktokMaxListCount = 20
        /// Days of metric growth per day of the simulator's clock after it starts (1: the clock's pace), for
        /// growth alone; a `ScaledClock` (`platform-sim --clock-speed`) speeds up everything, tokens and budgets
        /// too, and is what the demo uses. Read at start.
        public var growthSpeed: Double = 1
        /// When growth starts running at `growthSpeed` (ISO 8601); nil: when the simulator starts. A restarted
        /// demo passes its first start, so its counters continue the same curve instead of starting over.
        public var growthSince: String? = nil

        public init() {}
    }

    public struct Paging: Sendable, Hashable, Codable {
        public var graphDefaultLimit = 25
        public var graphMaxLimit = 100

        public init() {}
    }

    /// New posts as simulated time passes (see `PublishingSchedule`): every account publishes
    /// `postsPerAccountPerDay` posts a day from `since` on, at times drawn from `seed`. Off (0) by default, so a
    /// seeded world stays exactly what was seeded. Read at start, like `growthSpeed`: a later change would move
    /// posts that have already appeared.
    public struct Publishing: Sendable, Hashable, Codable {
        public var postsPerAccountPerDay: Double = 0
        /// When publishing starts (ISO 8601); nil: when the simulator starts. A restarted demo passes its first
        /// start, so the posts it published before it stopped are there again, with the same ids and times.
        public var since: String? = nil
        public var seed: UInt64 = 1

        public init(postsPerAccountPerDay: Double = 0, since: String? = nil, seed: UInt64 = 1) {
            self.postsPerAccountPerDay = postsPerAccountPerDay
            self.since = since
            self.seed = seed
        }
    }
}

// Every key optional: a config file names only what it changes.
extension SimulatorConfiguration {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SimulatorConfiguration()
        graphVersion = try c.decodeIfPresent(Int.self, forKey: .graphVersion) ?? d.graphVersion
        metaLimits = try c.decodeIfPresent(MetaLimits.self, forKey: .metaLimits) ?? d.metaLimits
        tiktokLimits = try c.decodeIfPresent(TikTokLimits.self, forKey: .tiktokLimits) ?? d.tiktokLimits
        tokens = try c.decodeIfPresent(TokenLifetimes.self, forKey: .tokens) ?? d.tokens
        faults = try c.decodeIfPresent(Faults.self, forKey: .faults) ?? d.faults
        insights = try c.decodeIfPresent(Insights.self, forKey: .insights) ?? d.insights
        paging = try c.decodeIfPresent(Paging.self, forKey: .paging) ?? d.paging
        publishing = try c.decodeIfPresent(Publishing.self, forKey: .publishing) ?? d.publishing
    }
}

extension SimulatorConfiguration.MetaLimits {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        windowSeconds = try c.decodeIfPresent(Double.self, forKey: .windowSeconds) ?? d.windowSeconds
        windowBuckets = try c.decodeIfPresent(Int.self, forKey: .windowBuckets) ?? d.windowBuckets
        appCallBudget = try c.decodeIfPresent(Int.self, forKey: .appCallBudget) ?? d.appCallBudget
        accountCallBudget = try c.decodeIfPresent(Int.self, forKey: .accountCallBudget) ?? d.accountCallBudget
        instagramAccountLimitCode = try c.decodeIfPresent(Int.self, forKey: .instagramAccountLimitCode)
            ?? d.instagramAccountLimitCode
        facebookAccountLimitCode = try c.decodeIfPresent(Int.self, forKey: .facebookAccountLimitCode)
            ?? d.facebookAccountLimitCode
        rejectionHTTPStatus = try c.decodeIfPresent(Int.self, forKey: .rejectionHTTPStatus) ?? d.rejectionHTTPStatus
        usageHeaderMinimumPercent = try c.decodeIfPresent(Int.self, forKey: .usageHeaderMinimumPercent)
            ?? d.usageHeaderMinimumPercent
    }
}

extension SimulatorConfiguration.TikTokLimits {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        requestsPerWindow = try c.decodeIfPresent(Int.self, forKey: .requestsPerWindow) ?? d.requestsPerWindow
        windowSeconds = try c.decodeIfPresent(Double.self, forKey: .windowSeconds) ?? d.windowSeconds
        windowBuckets = try c.decodeIfPresent(Int.self, forKey: .windowBuckets) ?? d.windowBuckets
        perAccount = try c.decodeIfPresent(Bool.self, forKey: .perAccount) ?? d.perAccount
    }
}

extension SimulatorConfiguration.TokenLifetimes {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        instagramSeconds = try c.decodeIfPresent(Double.self, forKey: .instagramSeconds) ?? d.instagramSeconds
        instagramMinimumRefreshAgeSeconds = try c.decodeIfPresent(
            Double.self, forKey: .instagramMinimumRefreshAgeSeconds) ?? d.instagramMinimumRefreshAgeSeconds
        facebookPageSeconds = try c.decodeIfPresent(Double.self, forKey: .facebookPageSeconds)
        tiktokAccessSeconds = try c.decodeIfPresent(Double.self, forKey: .tiktokAccessSeconds) ?? d.tiktokAccessSeconds
        tiktokRefreshSeconds = try c.decodeIfPresent(Double.self, forKey: .tiktokRefreshSeconds)
            ?? d.tiktokRefreshSeconds
        tiktokClientKey = try c.decodeIfPresent(String.self, forKey: .tiktokClientKey)
        tiktokClientSecret = try c.decodeIfPresent(String.self, forKey: .tiktokClientSecret)
    }
}

extension SimulatorConfiguration.Faults {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        latencyRate = try c.decodeIfPresent(Double.self, forKey: .latencyRate) ?? d.latencyRate
        latencyMilliseconds = try c.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? d.latencyMilliseconds
        serverErrorRate = try c.decodeIfPresent(Double.self, forKey: .serverErrorRate) ?? d.serverErrorRate
        timeoutRate = try c.decodeIfPresent(Double.self, forKey: .timeoutRate) ?? d.timeoutRate
        resetRate = try c.decodeIfPresent(Double.self, forKey: .resetRate) ?? d.resetRate
        malformedRate = try c.decodeIfPresent(Double.self, forKey: .malformedRate) ?? d.malformedRate
    }
}

extension SimulatorConfiguration.Insights {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        delaySeconds = try c.decodeIfPresent(Double.self, forKey: .delaySeconds) ?? d.delaySeconds
        instagramNamesUnsupportedMetrics = try c.decodeIfPresent(
            Bool.self, forKey: .instagramNamesUnsupportedMetrics) ?? d.instagramNamesUnsupportedMetrics
        impressionsCutoff = try c.decodeIfPresent(String.self, forKey: .impressionsCutoff) ?? d.impressionsCutoff
        impressionsMaxVersion = try c.decodeIfPresent(Int.self, forKey: .impressionsMaxVersion)
            ?? d.impressionsMaxVersion
        tiktokMaxVideoIDs = try c.decodeIfPresent(Int.self, forKey: .tiktokMaxVideoIDs) ?? d.tiktokMaxVideoIDs
        tiktokMaxListCount = try c.decodeIfPresent(Int.self, forKey: .tiktokMaxListCount) ?? d.tiktokMaxListCount
        growthSpeed = try c.decodeIfPresent(Double.self, forKey: .growthSpeed) ?? d.growthSpeed
        growthSince = try c.decodeIfPresent(String.self, forKey: .growthSince)
        if let growthSince, Timestamp(iso8601: growthSince) == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .growthSince, in: c, debugDescription: "growthSince must be an ISO 8601 time, not \(growthSince)")
        }
        guard growthSpeed >= 1, growthSpeed.isFinite else {
            throw DecodingError.dataCorruptedError(
                forKey: .growthSpeed, in: c, debugDescription: "growthSpeed must be a finite number of at least 1")
        }
    }
}

extension SimulatorConfiguration.Paging {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        graphDefaultLimit = try c.decodeIfPresent(Int.self, forKey: .graphDefaultLimit) ?? d.graphDefaultLimit
        graphMaxLimit = try c.decodeIfPresent(Int.self, forKey: .graphMaxLimit) ?? d.graphMaxLimit
    }
}

extension SimulatorConfiguration.Publishing {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        postsPerAccountPerDay = try c.decodeIfPresent(Double.self, forKey: .postsPerAccountPerDay) ?? d.postsPerAccountPerDay
        since = try c.decodeIfPresent(String.self, forKey: .since)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        // At most one post a millisecond: the schedule's slots are whole milliseconds.
        guard postsPerAccountPerDay >= 0, postsPerAccountPerDay <= 86_400_000, postsPerAccountPerDay.isFinite else {
            throw DecodingError.dataCorruptedError(
                forKey: .postsPerAccountPerDay, in: c,
                debugDescription: "postsPerAccountPerDay must be a number from 0 (off) to 86400000")
        }
        if let since, Timestamp(iso8601: since) == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .since, in: c, debugDescription: "since must be an ISO 8601 time, not \(since)")
        }
    }
}
