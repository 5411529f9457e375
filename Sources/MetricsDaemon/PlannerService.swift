import Logging
import MetricsCore
import RefreshEngine
import ServiceLifecycle

/// The planner as a lifecycle service: refreshes each post when it is due until graceful shutdown.
struct PlannerService: Service, CustomStringConvertible {
    let planner: RefreshPlanner
    let logger: Logger

    var description: String { "PlannerService" }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await planner.run() }
        } catch is CancellationError {
            // Shutdown: the runs it started are interrupted by the engine and recorded as such.
        } catch let error as RefreshEngineError where error.kind == .shuttingDown {
            // The engine stopped taking runs first: the same shutdown.
        }
    }
}

/// Post discovery (`syncPosts`) for every connected account, at most once per `interval`: what `--sync-posts` adds
/// before the planner's passes.
actor PeriodicDiscovery {
    private let interval: Int64
    private let clock: any WallClock
    private var last: Timestamp?

    init(intervalMilliseconds: Int64, clock: any WallClock) {
        self.interval = intervalMilliseconds
        self.clock = clock
    }

    /// Whether discovery is due now; if so, counts it as done.
    func take() -> Bool {
        let now = clock.now
        if let last, now.milliseconds(since: last) < interval { return false }
        last = now
        return true
    }
}
