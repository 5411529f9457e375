import Foundation
import Logging
import MetricsCore
import PostgresNIO
import ServiceLifecycle
import StorageContract
import Synchronization
import Telemetry

/// The store in one PostgreSQL database shared by several daemons: the same `MetricsStorage` as the SQLite store,
/// with the same results, pages, errors and rollups (the store tests run every case against both).
///
/// Opening never fails because the server is down: the daemon must start, say so in `health` and answer -32003.
/// `run()` (a `Service`, for the daemon's ServiceGroup) keeps the connection pool and applies the schema's
/// migrations, retrying with backoff until the database lets it; until then, and whenever no connection can be had
/// within `Options.unavailableAfter`, every operation throws `StorageUnavailable` promptly. When the server comes
/// back, the pool reconnects and everything works again without a restart.
public final class PostgresStore: MetricsStorage, Service, Sendable {
    public struct Options: Sendable {
        /// When posts are due: a new post's first due time, and what `health` counts as failing.
        public var schedule = RefreshSchedule(cadence: .standard(windowDays: 30))
        /// How long an operation waits for a connection before answering `StorageUnavailable`: long enough for a
        /// reconnect to a live server (a few ms), short enough that a caller hears about an outage within it.
        public var unavailableAfter: Duration = .seconds(3)
        /// How long one connection attempt may take (a server that does not answer at all).
        public var connectTimeout: Duration = .seconds(3)
        /// How long one leased connection's work may take (a transaction, a page of reads) before the connection is
        /// closed under it and the caller answered `StorageUnavailable`: far above any real statement (the slowest,
        /// a time-zone change's rebuild of a large workspace, takes seconds), there so that a connection whose server
        /// vanished mid-statement can never hold its caller for ever.
        public var statementDeadline: Duration = .seconds(300)
        /// Connections of this daemon's pool (each is a server process: several daemons multiply it).
        public var maximumConnections = 10
        /// Waits between attempts to apply the migrations while the database cannot be reached: 0.1 s doubling to
        /// 5 s (each up to half shorter, so daemons started together do not knock in step).
        public var migrationRetry = Backoff(initialMilliseconds: 100, maximumMilliseconds: 5_000, maximumRetries: .max)
        /// The latest-snapshot cache (`LatestSnapshotCache`), used while the daemon listens to the event log: other
        /// daemons' snapshots reach it through their notifications; `lifetime` bounds what a lost one could cost.
        public var latestCacheCapacity: Int = 10_000
        public var latestCacheLifetimeMilliseconds: Int64 = 2_000
        public var telemetry: StoreTelemetry = Telemetry.disabled.store

        public init() {}
    }

    public let configuration: Configuration
    let options: Options
    let client: PostgresClient
    let clock: any WallClock
    let logger: Logger
    /// Advanced by this daemon's numbering rounds and by every round's notification (`EventLogFollower`).
    public let eventsCommitted = EventWatermark()
    let numbering: EventNumbering
    let latestCache: LatestSnapshotCache
    private let state = Mutex(State())
    private let closeSignal: AsyncStream<Void>
    private let closeContinuation: AsyncStream<Void>.Continuation

    private enum Readiness {
        /// Migrations not applied yet; the last reason they could not be.
        case starting(lastError: String?)
        case ready
        case closed
    }

    private struct State {
        var readiness = Readiness.starting(lastError: nil)
        var readyWaiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var running = false
        var stoppedWaiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
        /// The cluster member this store serves: the last to tick through it (`clusterTick`), until it leaves.
        var member: String?
        /// A `LISTEN` on the event log is in place: the latest-snapshot cache hears of every daemon's writes.
        var listening = false
    }

    /// A store for `configuration`; connects only once `run()` runs. Never fails: a wrong URL was refused when the
    /// configuration was made, and an unreachable server is a state, not an error.
    public init(
        configuration: Configuration, clock: any WallClock = SystemClock(), options: Options = Options(),
        logger: Logger = Logger(label: "metricsd.postgres")
    ) {
        self.configuration = configuration
        self.options = options
        self.clock = clock
        self.logger = logger
        self.client = PostgresClient(configuration: configuration.clientConfiguration(options), backgroundLogger: logger)
        self.numbering = EventNumbering(logger: logger)
        self.latestCache = LatestSnapshotCache(
            capacity: options.latestCacheCapacity, lifetimeMilliseconds: options.latestCacheLifetimeMilliseconds, clock: clock)
        (closeSignal, closeContinuation) = AsyncStream<Void>.makeStream()
    }

    public var synchronousReads: (any SynchronousReads)? { nil }

    /// The URL without its password.
    public var location: String { configuration.url.redacted }

    public var traits: StorageTraits { StorageTraits(isShared: true) }

    var schedule: RefreshSchedule { options.schedule }

    var telemetry: StoreTelemetry { options.telemetry }

    // MARK: Lifecycle

    /// Runs the connection pool and applies the migrations (retried until they succeed); returns when the store is
    /// closed, the task is cancelled, or the service group shuts down gracefully.
    public func run() async throws {
        let alreadyRunning = state.withLock { state in
            defer { state.running = true }
            return state.running
        }
        precondition(!alreadyRunning, "PostgresStore.run() runs once")
        // The parts run in a task of their own, and a stop (graceful shutdown, `close()`) waits at most `stopGrace`
        // for them: postgres-nio's pool has been seen not to end after every connection had closed (a daemon's
        // shutdown stuck on this service, `ClusterShutdownTests`, exit 3, one full run in three beside a build), and
        // a part that does not end must not hold the process, or a test's `close()`, for good.
        let parts = Task<Void, any Error> { await self.runParts() }
        let logger = self.logger
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    _ = try? await parts.valueUnlessCancelled()
                    return true
                }
                group.addTask {
                    for await _ in self.closeSignal {}
                    parts.cancel()
                    try? await Task.sleep(for: Self.stopGrace)
                    return false
                }
                let ended = await group.next() ?? true
                group.cancelAll()
                if !ended {
                    logger.warning("the PostgreSQL store's connections did not all end within the stop's grace; leaving them", metadata: [
                        "graceMilliseconds": "\(Self.stopGrace.components.seconds * 1000)",
                    ])
                }
            }
        } onGracefulShutdown: {
            self.closeContinuation.finish()
        }
        let (readyWaiters, stoppedWaiters) = state.withLock { state in
            state.readiness = .closed
            state.stopped = true
            defer {
                state.readyWaiters = [:]
                state.stoppedWaiters = []
            }
            return (Array(state.readyWaiters.values), state.stoppedWaiters)
        }
        readyWaiters.forEach { $0.resume(returning: false) }
        stoppedWaiters.forEach { $0.resume() }
    }

    /// How long a stop waits for the pool and the event log's followers to end (see `run`).
    static let stopGrace: Duration = .seconds(2)

    /// The pool, the migrations and the event log's followers, until the pool ends or the task is cancelled.
    private func runParts() async {
        enum Ending: String { case pool, migrated, follower }
        let logger = self.logger
        await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                await self.client.run()
                return .pool
            }
            group.addTask {
                await self.migrateUntilApplied()
                return .migrated
            }
            group.addTask {
                // Stopped as soon as shutdown begins, not once the pool has ended: the pool's graceful end waits for its
                // connections to come back, and the sweep and the cache's reads would keep leasing them.
                await cancelWhenGracefulShutdown {
                    // The event log exists once the migrations are applied.
                    guard await self.waitUntilReady(timeout: .seconds(365 * 86_400)) else { return }
                    await withDiscardingTaskGroup { followers in
                        followers.addTask { await self.followEventLog() }
                        followers.addTask { await self.sweepEventLog() }
                    }
                }
                return .follower
            }
            while let ending = await group.next() {
                logger.debug("PostgreSQL store part ended", metadata: ["part": "\(ending.rawValue)"])
                if ending == .pool { group.cancelAll() }
            }
        }
    }

    /// Closes every connection (waiting for `run()` to end when it runs); operations afterwards throw
    /// `StorageUnavailable`.
    public func close() async throws {
        let running = state.withLock { state in
            state.readiness = .closed
            return state.running && !state.stopped
        }
        closeContinuation.finish()
        guard running else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let stopped = state.withLock { state in
                if !state.stopped { state.stoppedWaiters.append(continuation) }
                return state.stopped
            }
            if stopped { continuation.resume() }
        }
    }

    /// Waits until the migrations are applied (true), or `timeout` passes or the store closes (false): for tests and
    /// tools that must not start before the schema is there. The daemon does not wait: it answers -32003 meanwhile.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let answer: Bool? = self.state.withLock { state in
                        switch state.readiness {
                        case .ready: return true
                        case .closed: return false
                        case .starting:
                            state.readyWaiters[id] = continuation
                            return nil
                        }
                    }
                    if let answer { continuation.resume(returning: answer) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { $0.readyWaiters.removeValue(forKey: id) }
                waiter?.resume(returning: false)
                return false
            }
            _ = await group.next()
            group.cancelAll()
            // Whichever answered first, the truth is the state now (the timer may end just after the waiter was told).
            let waiter = state.withLock { $0.readyWaiters.removeValue(forKey: id) }
            waiter?.resume(returning: false)
            return isReady
        }
    }

    private func migrateUntilApplied() async {
        var attempt = 0
        while !Task.isCancelled {
            do {
                let applied = try await PostgresMigrations.apply(configuration.connectionConfiguration(options), logger: logger)
                if !applied.isEmpty { logger.info("applied migrations", metadata: ["migrations": "\(applied.joined(separator: ", "))"]) }
                let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                    guard case .starting = state.readiness else { return [] }
                    state.readiness = .ready
                    defer { state.readyWaiters = [:] }
                    return Array(state.readyWaiters.values)
                }
                waiters.forEach { $0.resume(returning: true) }
                return
            } catch {
                if Task.isCancelled { return }
                let reason = PostgresUnavailability.reason(error) ?? failureSentence(PostgresFailure.wrapping(error))
                state.withLock { state in
                    if case .starting = state.readiness { state.readiness = .starting(lastError: reason) }
                }
                if attempt == 0 || attempt % 20 == 0 {
                    logger.warning("database not ready; retrying", metadata: ["database": "\(location)", "reason": "\(reason)"])
                }
                let delay = options.migrationRetry.delay(beforeRetry: attempt, unitRandom: Double.random(in: 0..<1)) ?? 5_000
                attempt += 1
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
    }

    // MARK: The member this store serves

    /// The member whose runs this store records: a daemon ticks as one member through its one store, so the runs it
    /// starts (`startRun`) carry that member, and another daemon's `markRunningRunsInterrupted` leaves them alone
    /// while it lives. nil before the first tick and after leaving.
    var memberId: String? { state.withLock { $0.member } }

    func serve(member id: String) {
        state.withLock { $0.member = id }
    }

    func stopServing(member id: String) {
        state.withLock { state in
            if state.member == id { state.member = nil }
        }
    }

    // MARK: Listening to the event log

    var isReady: Bool {
        state.withLock { if case .ready = $0.readiness { true } else { false } }
    }

    var isListening: Bool { state.withLock { $0.listening } }

    /// A `LISTEN` is in place: the cache starts empty from here (what it held may have changed unheard).
    func startListening() {
        latestCache.invalidateAll()
        state.withLock { $0.listening = true }
    }

    func stopListening() {
        state.withLock { $0.listening = false }
        latestCache.invalidateAll()
    }

    // MARK: Connections

    /// Throws `StorageUnavailable` unless the schema is in place and the store open.
    private func requireReady() throws(StorageUnavailable) {
        let readiness = state.withLock { $0.readiness }
        switch readiness {
        case .ready:
            return
        case .starting(let lastError):
            throw StorageUnavailable(reason: "database not ready: " + (lastError ?? "connecting and applying the schema"))
        case .closed:
            throw StorageUnavailable(reason: "the store is closed")
        }
    }

    /// Runs `body` on a connection of the pool, outside a transaction (each statement commits on its own: reads).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try requireReady()
        do {
            return try await leased(body)
        } catch {
            throw mapped(error)
        }
    }

    /// Runs `body` in one transaction, run again (up to 4 times) when it met a transient conflict with another
    /// daemon's transaction (deadlock, serialization failure, a key inserted by both at once).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try requireReady()
        var attempt = 0
        while true {
            do {
                return try await leased { connection in
                    try await connection.withTransaction(logger: self.logger) { connection in try await body(connection) }
                }
            } catch {
                let inner = PostgresUnavailability.unwrap(error)
                if attempt < 4, PostgresUnavailability.isRetryable(inner) {
                    attempt += 1
                    continue
                }
                throw mapped(inner)
            }
        }
    }

    /// Leases a connection within `unavailableAfter`, then runs `body` on it within `statementDeadline`: past it the
    /// connection is closed (never reused mid-protocol) and the caller answered.
    private func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let (client, deadline, statementDeadline) = (client, options.unavailableAfter, options.statementDeadline)
        return try await ConnectionLease<T>.run(
            deadline: deadline, unavailable: { StorageUnavailable(reason: "no database connection within \(deadline)") },
            statementDeadline: statementDeadline,
            stalled: { StorageUnavailable(reason: "the database did not answer within \(statementDeadline)") },
            lease: { claim in
                try await client.withConnection { connection in
                    guard claim({ Task { try? await connection.close() } }) else { throw CancellationError() }
                    return try await body(connection)
                }
            })
    }

    private func mapped(_ error: any Error) -> any Error {
        let error = PostgresUnavailability.unwrap(error)
        if error is StorageUnavailable { return error }
        guard let reason = PostgresUnavailability.reason(error) else { return PostgresFailure.wrapping(error) }
        // Each failed call is answered -32003 and `health` reports the outage: a line per call would only flood the log.
        logger.debug("database unavailable", metadata: ["reason": "\(reason)"])
        return StorageUnavailable(reason: reason)
    }

    /// Now, in the store's clock's milliseconds: `created_at`, `updated_at` and the like.
    var nowMilliseconds: Int64 { clock.now.milliseconds }
}
