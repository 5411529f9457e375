import MetricsCore
import PlatformClients
import Telemetry

/// The engine's shared mutable state: the limiter, the metrics learned to be retired, and the runs in
/// progress. An actor on its own Dispatch queue: every decision about pacing is made there, serially,
/// while HTTP calls run concurrently elsewhere.
actor RefreshCoordinator {
    private nonisolated let executor = DispatchQueueExecutor(label: "metricsd.refresh")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let clock: any WallClock
    private let telemetry: RefreshTelemetry
    private var limiter: CallLimiter
    private var retired: [Platform: [String: Set<String>]]
    private var active: [String: RunExecution] = [:]
    private var accepting = true

    init(
        configuration: RefreshConfiguration, clock: any WallClock, retired: [Platform: [String: Set<String>]],
        telemetry: RefreshTelemetry = Telemetry.disabled.refresh
    ) {
        self.clock = clock
        self.telemetry = telemetry
        self.limiter = CallLimiter(configuration: configuration)
        self.retired = retired
    }

    /// Does nothing, on the coordinator's queue: answering at all is the point (see `RefreshEngine.ping`).
    func ping() {}

    // MARK: Pacing

    func earliestReady(platform: Platform, accountId: String) -> Timestamp {
        limiter.earliestReady(platform: platform, accountId: accountId, now: clock.now)
    }

    func reserve(platform: Platform, accountId: String) -> Timestamp {
        limiter.reserve(platform: platform, accountId: accountId, now: clock.now)
    }

    func observe(_ usage: PlatformUsage, platform: Platform, accountId: String) {
        for scope in limiter.observe(usage, platform: platform, accountId: accountId, now: clock.now) {
            telemetry.paused(platform, scope: scope.pauseScope)
        }
    }

    func rateLimited(scope: PlatformError.RateLimitScope, retryAfterSeconds: Int?, platform: Platform, accountId: String) {
        if limiter.rateLimited(
            scope: scope, retryAfterSeconds: retryAfterSeconds, platform: platform, accountId: accountId, now: clock.now)
        {
            telemetry.paused(platform, scope: scope.pauseScope)
        }
    }

    func standing(accountId: String, platform: Platform, budget: CallBudget) -> CallBudget.Standing {
        limiter.standing(accountId: accountId, platform: platform, now: clock.now, budget: budget)
    }

    func standing(platform: Platform, budget: CallBudget) -> CallBudget.Standing {
        limiter.standing(platform: platform, now: clock.now, budget: budget)
    }

    // MARK: In a cluster

    /// This daemon's fraction of each platform's app budget, and the app-wide pauses other members started.
    func joinCluster(appFractions: [Platform: Double], pauses: [Platform: Timestamp]) {
        limiter.share(appFractions: appFractions)
        for (platform, until) in pauses { limiter.applySharedPause(platform: platform, until: until) }
    }

    func takeUnsharedAppPauses() -> [Platform: Timestamp] {
        limiter.takeUnsharedAppPauses()
    }

    // MARK: Retired metrics

    func retiredMetrics(platform: Platform, mediaType: String) -> Set<String> {
        retired[platform]?[mediaType] ?? []
    }

    /// Returns the names not known before (the caller persists those).
    func learnRetired(platform: Platform, mediaType: String, metrics: [String]) -> [String] {
        let known = retired[platform]?[mediaType] ?? []
        let fresh = metrics.filter { !known.contains($0) }
        retired[platform, default: [:]][mediaType, default: []].formUnion(fresh)
        return fresh
    }

    // MARK: Token refresh

    private var tokenRefreshLocks: [String: AsyncSemaphore] = [:]

    /// The lock that lets one task at a time refresh `accountId`'s tokens: a rotating refresh token can be spent
    /// only once.
    func tokenRefreshLock(accountId: String) -> AsyncSemaphore {
        if let lock = tokenRefreshLocks[accountId] { return lock }
        let lock = AsyncSemaphore(permits: 1)
        tokenRefreshLocks[accountId] = lock
        return lock
    }

    // MARK: Runs

    /// The run for `scope`: the one in progress if there is one (the caller joins it), else a new one
    /// made by `make`. Registration happens before any suspension, so concurrent callers cannot both start one.
    func run(for scope: RefreshScope, make: () -> RunExecution) throws(RefreshEngineError) -> RunExecution {
        if let running = active[scope.key] { return running }
        guard accepting else {
            throw RefreshEngineError(kind: .shuttingDown, message: "metricsd is shutting down; no new refresh runs")
        }
        let execution = make()
        active[scope.key] = execution
        return execution
    }

    func finished(_ scope: RefreshScope) {
        active[scope.key] = nil
    }

    // MARK: Post discovery

    private var syncs: [Int: Task<RefreshEngine.SyncResult, any Error>] = [:]
    private var lastSync = 0
    /// Each account's last successful listing since this daemon started: what `DiscoverySchedule` decides from.
    private var listings: [String: DiscoverySchedule.Listing] = [:]

    func listing(accountId: String) -> DiscoverySchedule.Listing? {
        listings[accountId]
    }

    /// The listings of `accountIds`, in their order: one visit to the coordinator for a whole discovery pass.
    func listings(accountIds: [String]) -> [DiscoverySchedule.Listing?] {
        accountIds.map { listings[$0] }
    }

    /// Records a successful listing at `at` that found posts published up to `newest` (nil: none).
    func listed(accountId: String, at: Timestamp, newest: Timestamp?) {
        let last = listings[accountId] ?? DiscoverySchedule.Listing(at: nil, attemptedAt: at, newestPostedAt: nil)
        listings[accountId] = last.succeeded(at: at, newest: newest)
    }

    /// Records a listing that failed at `at`.
    func listingFailed(accountId: String, at: Timestamp) {
        let last = listings[accountId] ?? DiscoverySchedule.Listing(at: nil, attemptedAt: at, newestPostedAt: nil)
        listings[accountId] = last.failed(at: at)
    }

    /// Registers the discovery `make` starts, unless shutdown began; registered before any suspension, so shutdown
    /// sees every one that started.
    func startSync(
        _ make: () -> Task<RefreshEngine.SyncResult, any Error>
    ) throws(RefreshEngineError) -> (Int, Task<RefreshEngine.SyncResult, any Error>) {
        guard accepting else {
            throw RefreshEngineError(kind: .shuttingDown, message: "metricsd is shutting down; no new post discovery")
        }
        lastSync += 1
        let task = make()
        syncs[lastSync] = task
        return (lastSync, task)
    }

    func syncFinished(_ id: Int) {
        syncs[id] = nil
    }

    /// Stops new runs and post discovery, and returns what is in progress, so shutdown can cancel and await it.
    func stopAccepting() -> (runs: [RunExecution], syncs: [Task<RefreshEngine.SyncResult, any Error>]) {
        accepting = false
        return (Array(active.values), Array(syncs.values))
    }
}

extension PlatformError.RateLimitScope {
    var pauseScope: RefreshTelemetry.PauseScope {
        switch self {
        case .app: .app
        case .account: .account
        }
    }
}
