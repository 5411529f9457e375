import MetricsCore

/// How hard the refresh may push each platform. Every number is a flag of `metricsd`.
///
/// The defaults sit below the published limits: TikTok allows 600 requests a minute per endpoint (we take
/// 8/s = 480); Meta's budgets depend on the account's reach and are learned at run time from the usage
/// headers, so the buckets are only a ceiling and the headers do the fine control.
public struct RefreshConfiguration: Sendable {
    public struct Rate: Sendable, Hashable {
        public var perSecond: Double
        public var burst: Int

        public init(perSecond: Double, burst: Int) {
            self.perSecond = perSecond
            self.burst = burst
        }
    }

    public var window = RefreshWindow()
    /// One bucket per platform (the app's budget).
    public var platformRates: [Platform: Rate] = [
        .instagram: Rate(perSecond: 50, burst: 50),
        .facebook: Rate(perSecond: 50, burst: 50),
        .tiktok: Rate(perSecond: 8, burst: 8),
    ]
    /// One bucket per account (the account's budget).
    public var accountRates: [Platform: Rate] = [
        .instagram: Rate(perSecond: 5, burst: 10),
        .facebook: Rate(perSecond: 5, burst: 10),
        .tiktok: Rate(perSecond: 8, burst: 8),
    ]
    /// Usage headers at or above this percentage pause the app or the account (Mixpost and Airbyte use 90–95).
    public var usageThresholdPercent = 90
    /// How long a pause lasts when the platform gives no regain time (Meta's penalty is about an hour).
    public var defaultPauseMilliseconds: Int64 = 3_600_000
    public var backoff = Backoff()
    /// Accounts a run works on at once; the others wait their turn with their posts not yet read, so a run's
    /// memory follows this, not the number of posts in its scope.
    public var maximumAccountsInFlight = 1024
    /// Platform calls in flight at once, per platform (matches the HTTP client's connections per host).
    /// Every account of a run proceeds concurrently, its own calls one at a time; only calls take slots.
    public var maximumCallsInFlight = 64
    /// Rate-limited work waits for its gate while the run is younger than this; after, it is recorded as
    /// deferred to the next run instead of holding the run open.
    public var runDeadlineMilliseconds: Int64 = 3_600_000
    /// When each post is due: the cadence ladder, velocity, failure backoff.
    public var schedule = RefreshSchedule(cadence: .standard(windowDays: 30))
    /// When post discovery (`--sync-posts`) lists each account, and how far back (see `DiscoverySchedule`).
    public var discovery = DiscoverySchedule()
    /// The planner's share of each account's and platform's hourly budget (`--budget-share`).
    public var budget = CallBudget()
    /// An account's fetched snapshots (and failures) are written in transactions of this many…
    public var snapshotBatchSize = 200
    /// …or at least this often, so a stop, or a crash, loses at most about this much of what was fetched.
    public var flushIntervalMilliseconds: Int64 = 1000
    /// A TikTok access token expiring within this is refreshed before the account's first call.
    public var tokenRefreshLeadMilliseconds: Int64 = 300_000
    /// An Instagram long-lived token (60 days) expiring within this is extended before the account's first
    /// call. A week: several scheduled runs get the chance, and Instagram only extends tokens a day old or more.
    public var instagramTokenRefreshLeadMilliseconds: Int64 = 7 * 86_400_000
    /// Progress notifications at most this often (and always at start and end).
    public var progressIntervalMilliseconds: Int64 = 200
    /// In a cluster: how long an account lease lasts after its holder's last tick (`--lease-ttl`). A daemon that dies
    /// loses its accounts to the others after this; ticks come three times per lease.
    public var leaseMilliseconds: Int64 = 60_000

    public init() {}
}
