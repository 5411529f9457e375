import MetricsCore
import PlatformClients

/// When the next platform call may go: token buckets per platform and per account, and "blocked until" gates
/// per app and per account fed by usage headers and rate-limit errors.
///
/// A pure value: all time comes in as arguments, so tests drive it with exact timestamps and no sockets.
/// The engine keeps one, confined to its serial executor.
public struct CallLimiter: Sendable {
    public let configuration: RefreshConfiguration
    private var platformBuckets: [Platform: TokenBucket] = [:]
    private var accountBuckets: [String: TokenBucket] = [:]
    private var appBlockedUntil: [Platform: Timestamp] = [:]
    private var accountBlockedUntil: [String: Timestamp] = [:]
    /// Calls reserved in the last hour, and the last usage percentages the headers gave: what budgets are made of.
    private var accountCalls: [String: SlidingHourCount] = [:]
    private var platformCalls: [Platform: SlidingHourCount] = [:]
    private var accountUsagePercent: [String: Int] = [:]
    private var appUsagePercent: [Platform: Int] = [:]
    /// This daemon's fraction of each platform's app budget: 1 alone; in a cluster, its share of the platform's
    /// accounts (`ClusterShare.appFractions`).
    public private(set) var appFractions: [Platform: Double] = [:]

    public func appFraction(_ platform: Platform) -> Double {
        appFractions[platform] ?? 1
    }
    /// App-wide pauses this daemon started and the cluster has not heard of yet.
    private var unsharedAppPauses: [Platform: Timestamp] = [:]

    public init(configuration: RefreshConfiguration) {
        self.configuration = configuration
    }

    /// When `accountId` could call next as far as its gates and its own bucket go, without taking anything.
    ///
    /// Wait for this before `reserve`: reserving while the account is paused would commit the slot at the end
    /// of the pause to the platform bucket too, and a bucket cannot hold a hole, so every other account of the
    /// platform would be held back until that pause ended (or, past the run's deadline, deferred with it).
    public func earliestReady(platform: Platform, accountId: String, now: Timestamp) -> Timestamp {
        let accountBucket = accountBuckets[accountId] ?? Self.bucket(configuration.accountRates[platform])
        let gate = max(now, appBlockedUntil[platform] ?? now, accountBlockedUntil[accountId] ?? now)
        return accountBucket.earliest(after: gate)
    }

    /// Reserves the next call for `accountId` on `platform` and returns when it may be made: after both gates
    /// open and when both buckets have a token. Call it once `earliestReady` has passed (see there).
    public mutating func reserve(platform: Platform, accountId: String, now: Timestamp) -> Timestamp {
        var platformBucket = platformBuckets[platform] ?? platformBucket(platform)
        var accountBucket = accountBuckets[accountId] ?? Self.bucket(configuration.accountRates[platform])
        let gate = max(now, appBlockedUntil[platform] ?? now, accountBlockedUntil[accountId] ?? now)
        let at = max(platformBucket.earliest(after: gate), accountBucket.earliest(after: gate))
        platformBucket.commit(at: at)
        accountBucket.commit(at: at)
        platformBuckets[platform] = platformBucket
        accountBuckets[accountId] = accountBucket
        accountCalls[accountId, default: SlidingHourCount()].record(at: at)
        platformCalls[platform, default: SlidingHourCount()].record(at: at)
        return at
    }

    /// Closes the gate until `until` (never shortens an existing pause). An app-wide pause is also kept for the
    /// cluster to hear of (`takeUnsharedAppPauses`). Returns whether that paused anything further: false when the
    /// gate was already closed at least that long.
    @discardableResult
    public mutating func block(platform: Platform, accountId: String?, until: Timestamp) -> Bool {
        if let accountId {
            let current = accountBlockedUntil[accountId]
            accountBlockedUntil[accountId] = max(current ?? until, until)
            return current.map { $0 < until } ?? true
        } else {
            let current = appBlockedUntil[platform]
            appBlockedUntil[platform] = max(current ?? until, until)
            unsharedAppPauses[platform] = max(unsharedAppPauses[platform] ?? until, until)
            return current.map { $0 < until } ?? true
        }
    }

    // MARK: In a cluster

    /// Takes this daemon's `fraction` of each platform's app budget from now: the platform buckets' rate and burst,
    /// and the hourly limit the planner's budget is a share of.
    public mutating func share(appFractions fractions: [Platform: Double]) {
        for (platform, fraction) in fractions where fraction > 0 && fraction != appFraction(platform) {
            appFractions[platform] = fraction
            if let bucket = platformBuckets[platform] {
                let fresh = platformBucket(platform)
                platformBuckets[platform] = bucket.rescaled(rate: fresh.rate, burst: fresh.burst)
            }
        }
    }

    /// An app-wide pause another member started: held here too, not shared back.
    public mutating func applySharedPause(platform: Platform, until: Timestamp) {
        appBlockedUntil[platform] = max(appBlockedUntil[platform] ?? until, until)
    }

    /// The app-wide pauses started here since the last call, for the cluster.
    public mutating func takeUnsharedAppPauses() -> [Platform: Timestamp] {
        defer { unsharedAppPauses = [:] }
        return unsharedAppPauses
    }

    /// The platform's bucket at this daemon's fraction: burst scaled too (at least 1), or every member would
    /// still fire a full burst at once.
    private func platformBucket(_ platform: Platform) -> TokenBucket {
        let rate = configuration.platformRates[platform] ?? RefreshConfiguration.Rate(perSecond: 1, burst: 1)
        let fraction = appFraction(platform)
        return TokenBucket(rate: rate.perSecond * fraction, burst: max(1, Int((Double(rate.burst) * fraction).rounded(.down))))
    }

    public func blockedUntil(platform: Platform, accountId: String?) -> Timestamp? {
        accountId.flatMap { accountBlockedUntil[$0] } ?? appBlockedUntil[platform]
    }

    /// Reads the usage headers of a response: at or over the threshold, the app (`X-App-Usage`) or the
    /// account (`X-Business-Use-Case-Usage`) pauses for the regain time the platform gives, or the default.
    /// Returns the scopes this paused further (what `metricsd_refresh_pauses_total` counts).
    @discardableResult
    public mutating func observe(_ usage: PlatformUsage, platform: Platform, accountId: String, now: Timestamp)
        -> [PlatformError.RateLimitScope]
    {
        let threshold = configuration.usageThresholdPercent
        var paused: [PlatformError.RateLimitScope] = []
        if let app = usage.app {
            appUsagePercent[platform] = app.highestPercent
        }
        if let highest = usage.businessUseCase.map(\.highestPercent).max() {
            accountUsagePercent[accountId] = highest
        }
        if let app = usage.app, app.highestPercent >= threshold,
           block(platform: platform, accountId: nil, until: now.adding(milliseconds: configuration.defaultPauseMilliseconds))
        {
            paused.append(.app)
        }
        var accountPaused = false
        for entry in usage.businessUseCase where entry.highestPercent >= threshold {
            let pause = entry.estimatedMinutesToRegainAccess.map { max(Int64($0), 1) * 60_000 }
                ?? configuration.defaultPauseMilliseconds
            if block(platform: platform, accountId: accountId, until: now.adding(milliseconds: pause)) { accountPaused = true }
        }
        if accountPaused { paused.append(.account) }
        return paused
    }

    /// A rate-limit error: pause its scope for the time the platform asked, or the default. Returns whether that
    /// paused the scope any further.
    @discardableResult
    public mutating func rateLimited(
        scope: PlatformError.RateLimitScope, retryAfterSeconds: Int?, platform: Platform, accountId: String, now: Timestamp
    ) -> Bool {
        let pause = retryAfterSeconds.map { Int64(max($0, 1)) * 1000 } ?? configuration.defaultPauseMilliseconds
        return block(platform: platform, accountId: scope == .account ? accountId : nil, until: now.adding(milliseconds: pause))
    }

    // MARK: Budgets

    /// Where an account stands against its hourly budget at `now` (see `CallBudget`).
    public func standing(accountId: String, platform: Platform, now: Timestamp, budget: CallBudget) -> CallBudget.Standing {
        let calls = accountCalls[accountId]?.count(at: now) ?? 0
        let perSecond = min(
            configuration.accountRates[platform]?.perSecond ?? 1, (configuration.platformRates[platform]?.perSecond ?? 1) * appFraction(platform))
        let limit = CallBudget.hourlyLimit(perSecond: perSecond, usagePercent: accountUsagePercent[accountId], callsLastHour: calls)
        return budget.standing(hourlyLimit: limit, callsLastHour: calls)
    }

    /// Where a platform (the app's budget, every account together) stands at `now`.
    public func standing(platform: Platform, now: Timestamp, budget: CallBudget) -> CallBudget.Standing {
        let calls = platformCalls[platform]?.count(at: now) ?? 0
        let limit = CallBudget.hourlyLimit(
            perSecond: (configuration.platformRates[platform]?.perSecond ?? 1) * appFraction(platform), usagePercent: appUsagePercent[platform],
            callsLastHour: calls)
        return budget.standing(hourlyLimit: limit, callsLastHour: calls)
    }

    private static func bucket(_ rate: RefreshConfiguration.Rate?) -> TokenBucket {
        let rate = rate ?? RefreshConfiguration.Rate(perSecond: 1, burst: 1)
        return TokenBucket(rate: rate.perSecond, burst: rate.burst)
    }
}
