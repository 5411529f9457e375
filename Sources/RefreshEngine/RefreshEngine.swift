import Logging
import MetricsCore
import PlatformClients
import StorageContract
import Telemetry

/// The refresh: runs on demand and on schedule, paced per platform and per account, recorded in the store.
///
/// Its state lives on its own Dispatch queue (the coordinator); platform calls run concurrently on the
/// HTTP client's own event loops; snapshots are written in batched transactions. Nothing of it runs on
/// the RPC server's event loops, so reads stay as fast during a refresh as without one.
public final class RefreshEngine: Sendable {
    let context: EngineContext

    /// `member`: this daemon in a cluster, when the store is shared by several (see `runCluster`).
    public init(
        store: any MetricsStorage, clients: PlatformClientSet, configuration: RefreshConfiguration = RefreshConfiguration(),
        clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "metricsd.refresh"),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        telemetry: RefreshTelemetry = Telemetry.disabled.refresh, member: ClusterMember? = nil
    ) async throws {
        let cluster = (store as? any ClusterStorage).flatMap { shared in
            member.map { ClusterMembership(member: $0, store: shared, leaseMilliseconds: configuration.leaseMilliseconds) }
        }
        // Metrics a platform retired, learnt from its errors before. A shared database not reachable yet is no
        // reason not to start: they are learnt again from the next errors.
        let retired: [Platform: [String: Set<String>]]
        do {
            retired = try await store.retiredMetrics()
        } catch let error where StorageUnavailable.reason(of: error) != nil {
            logger.warning("cannot read retired metrics yet", metadata: ["error": "\(failureSentence(error))"])
            retired = [:]
        }
        context = EngineContext(
            store: store, clients: clients,
            coordinator: RefreshCoordinator(
                configuration: configuration, clock: clock, retired: retired, telemetry: telemetry),
            clock: clock, configuration: configuration, logger: logger, random: random,
            callSlots: Dictionary(uniqueKeysWithValues: Platform.allCases.map {
                ($0, AsyncSemaphore(permits: max(1, configuration.maximumCallsInFlight)))
            }),
            accountsInProgress: AccountsInProgress(), cluster: cluster, telemetry: telemetry)
    }

    public var configuration: RefreshConfiguration { context.configuration }

    /// The engine's clock: what due times and deadlines are measured on.
    public var clock: any WallClock { context.clock }

    /// Accounts of the running refreshes that still have work left.
    public var accountsInProgress: Int { context.accountsInProgress.count }

    /// Where an account stands against its hourly call budget now (calls in the last hour, the planner's budget).
    public func standing(accountId: String, platform: Platform) async -> CallBudget.Standing {
        await context.coordinator.standing(accountId: accountId, platform: platform, budget: context.configuration.budget)
    }

    /// Where a platform's app budget stands now, every account together.
    public func standing(platform: Platform) async -> CallBudget.Standing {
        await context.coordinator.standing(platform: platform, budget: context.configuration.budget)
    }

    /// Returns once the coordinator, the actor every refresh decision goes through, has taken a call: what the
    /// systemd watchdog's probe asks before it vouches for the engine.
    public func ping() async {
        await context.coordinator.ping()
    }

    /// Whether a running refresh has work left for this account (the planner leaves such accounts alone).
    public func isInProgress(accountId: String) -> Bool { context.accountsInProgress.contains(accountId) }

    /// In a cluster: whether this daemon may plan for `accountId` (it holds the account's lease). Alone: always.
    public func mayPlan(accountId: String) -> Bool {
        context.cluster?.holds(accountId) ?? true
    }

    /// This daemon's membership in a cluster, nil alone.
    public var cluster: ClusterMembership? { context.cluster }

    /// In a cluster, until cancelled: ticks the membership (leases, shares, pauses), does this daemon's part of the
    /// shared runs, and writes the reports of runs whose starter left; then leaves the cluster. Alone: returns.
    public func runCluster() async throws {
        guard let membership = context.cluster else { return }
        let context = self.context
        defer { context.logger.info("left the cluster", metadata: ["member": "\(membership.member.id)"]) }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var failing = false  // said once when ticks start failing, once when they work again
                    while !Task.isCancelled {
                        do {
                            try await membership.tick(context: context)
                            try await SharedRun.sweepOrphans(cluster: membership.store, context: context)
                            // Runs of daemons that died (their members gone): nobody else will finish them.
                            let interrupted = try await context.store.markRunningRunsInterrupted()
                            if interrupted > 0 {
                                context.logger.warning(
                                    "marked runs of daemons that left the cluster as interrupted", metadata: ["count": "\(interrupted)"])
                            }
                            if failing {
                                context.logger.info("cluster ticks work again")
                                failing = false
                            }
                        } catch is CancellationError {
                            throw CancellationError()
                        } catch {
                            context.logger.log(level: failing ? .debug : .warning, "cluster tick failed", metadata: ["error": "\(failureSentence(error))"])
                            failing = true
                        }
                        try await Task.sleep(for: membership.tickInterval)
                    }
                }
                group.addTask { try await RunWorker(membership: membership, context: context).run() }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await Task.detached { await membership.leave() }.value
            throw error
        }
        await Task.detached { await membership.leave() }.value
    }

    /// Marks runs a previous daemon left `running` as `interrupted`. Call once at start-up.
    public func recoverInterruptedRuns() async throws {
        let count = try await context.store.markRunningRunsInterrupted()
        if count > 0 {
            context.logger.warning("marked runs left running by a previous daemon as interrupted", metadata: ["count": "\(count)"])
        }
    }

    /// A started (or joined) run: its id now, its report when it finishes.
    public struct Handle: Sendable {
        let execution: RunExecution

        public var runId: Int64 {
            get async throws { try await execution.runID.value }
        }

        /// The run's report once it ends. A caller whose task is cancelled stops waiting (`CancellationError`); the
        /// run, which other callers may share, goes on.
        public func report() async throws -> RefreshReport {
            try await execution.report.valueUnlessCancelled()
        }

        /// Receives progress from now on (and the latest count at once).
        public func onProgress(_ sink: @escaping @Sendable (RefreshProgress) -> Void) {
            execution.progress.subscribe(sink)
        }
    }

    /// Starts a run for `scope`, or joins the one already refreshing it.
    public func start(_ scope: RefreshScope, trigger: RefreshTrigger) async throws -> Handle {
        let context = self.context
        let execution = try await context.coordinator.run(for: scope) {
            RunExecution.start(scope: scope, trigger: trigger, context: context)
        }
        return Handle(execution: execution)
    }

    /// Stops starting runs and post discovery, interrupts what is in progress, and waits for it to end (runs
    /// record that they were interrupted).
    public func shutdown() async {
        let (running, syncing) = await context.coordinator.stopAccepting()
        for execution in running {
            execution.report.cancel()
        }
        for sync in syncing {
            sync.cancel()
        }
        for execution in running {
            _ = try? await execution.report.value
        }
        for sync in syncing {
            _ = try? await sync.value
        }
    }

    // MARK: Discovery

    public struct SyncResult: Sendable, Equatable {
        public var discovered: Int
        public var registered: Int
    }

    /// Lists the account's recent posts on the platform and registers the ones metricsd does not know yet,
    /// under ids `<accountId>/<externalId>`. This is how TikTok video ids replace publish ids.
    ///
    /// `incremental` (periodic discovery): the listing reaches back only to shortly before this account's last one
    /// (`DiscoverySchedule.since`), one page instead of the window's; otherwise (the `syncPosts` method) to the
    /// window's start. Either way the listing is paced like any call: it waits for and takes a token of the
    /// account's and the platform's buckets, counts in their hourly budgets, and its usage headers and rate-limit
    /// errors pause what they name.
    ///
    /// Tracked like a run: refused once shutdown began (the demo's discovery runs beside the daemon and outlives
    /// it), and one in progress is cancelled and awaited by `shutdown`, so no page of a listing goes out on an HTTP
    /// client the daemon has already shut down (a debug build traps on NIO's leaked promise when one does).
    public func syncPosts(accountId: String, incremental: Bool = false) async throws -> SyncResult {
        let context = self.context
        let (id, task) = try await context.coordinator.startSync {
            Task { try await Self.sync(accountId: accountId, incremental: incremental, context: context) }
        }
        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        await context.coordinator.syncFinished(id)
        return try result.get()
    }

    /// Of `accountIds`, those due for a periodic listing now, and when the next of the others is due.
    public func discoveryDue(among accountIds: [String]) async -> (due: [String], next: Timestamp?) {
        let now = context.clock.now
        let windowStart = context.configuration.window.oldestPostedAt(now: now)
        let schedule = context.configuration.discovery
        var due: [String] = []
        var next: Timestamp?
        let listings = await context.coordinator.listings(accountIds: accountIds)
        for (accountId, last) in zip(accountIds, listings) {
            guard let at = schedule.nextListing(after: last, windowStart: windowStart), at > now else {
                due.append(accountId)
                continue
            }
            next = min(next ?? at, at)
        }
        return (due, next)
    }

    private static func sync(accountId: String, incremental: Bool, context: EngineContext) async throws -> SyncResult {
        guard let credentials = try await context.store.credentials(accountId: accountId) else {
            throw StoreError.notFound(.account, id: accountId, input: .accountId)
        }
        guard credentials.status == .connected else {
            throw RefreshEngineError(
                kind: .accountNotConnected, field: "accountId",
                message: "account \"\(accountId)\" is \(credentials.status.rawValue); register it again with a fresh token")
        }
        let platform = credentials.platform
        let windowStart = context.configuration.window.oldestPostedAt(now: context.clock.now)
        let since = incremental
            ? context.configuration.discovery.since(await context.coordinator.listing(accountId: accountId), windowStart: windowStart)
            : windowStart
        try await context.clock.sleep(until: await context.coordinator.earliestReady(platform: platform, accountId: accountId))
        try await context.clock.sleep(until: await context.coordinator.reserve(platform: platform, accountId: accountId))
        let listedAt = context.clock.now
        do {
            return try await list(credentials, since: since, accountId: accountId, at: listedAt, context: context)
        } catch {
            await context.coordinator.listingFailed(accountId: accountId, at: listedAt)
            throw error
        }
    }

    /// One listing and the registration of what it found.
    private static func list(
        _ credentials: AccountCredentials, since: Timestamp, accountId: String, at listedAt: Timestamp, context: EngineContext
    ) async throws -> SyncResult {
        let platform = credentials.platform
        let response: PlatformResponse<[DiscoveredPost]>
        do {
            switch platform {
            case .instagram:
                response = try await context.clients.instagram.recentMedia(
                    userID: credentials.externalAccountId, accessToken: credentials.accessToken, since: since)
            case .facebook:
                response = try await context.clients.facebook.recentPosts(
                    pageID: credentials.externalAccountId, accessToken: credentials.accessToken, since: since)
            case .tiktok:
                response = try await context.clients.tiktok.recentVideos(accessToken: credentials.accessToken, since: since)
            }
        } catch {
            await context.coordinator.observe(error.usage, platform: platform, accountId: accountId)
            if case .rateLimited(let scope, let retryAfterSeconds, _) = error.kind {
                await context.coordinator.rateLimited(
                    scope: scope, retryAfterSeconds: retryAfterSeconds, platform: platform, accountId: accountId)
            }
            throw error
        }
        await context.coordinator.observe(response.usage, platform: platform, accountId: accountId)
        let discovered = response.value
        let known = try await context.store.knownExternalPostIds(accountId: accountId)
        let fresh = discovered.filter { !known.contains($0.externalID) }
        let registrations = fresh.map { post in
            PostRegistration(
                id: "\(accountId)/\(post.externalID)", accountId: accountId, externalPostId: post.externalID,
                postedAt: post.createdAt, mediaProductType: platform == .instagram ? post.mediaProductType : nil)
        }
        _ = try await context.store.upsertPosts(registrations)
        await context.coordinator.listed(accountId: accountId, at: listedAt, newest: discovered.map(\.createdAt).max())
        return SyncResult(discovered: discovered.count, registered: registrations.count)
    }
}
