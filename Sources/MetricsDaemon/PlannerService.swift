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
