import Logging
import RefreshEngine
import ServiceLifecycle

/// This daemon's membership of the cluster on a shared database (`RefreshEngine.runCluster`): ticks its leases,
/// does its part of shared runs, and on graceful shutdown leaves, so the others take its accounts at once instead
/// of a lease's length later.
struct ClusterService: Service, CustomStringConvertible {
    let engine: RefreshEngine
    let logger: Logger

    var description: String { "ClusterService" }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await engine.runCluster()
            }
        } catch is CancellationError {
            // Graceful shutdown: runCluster left the cluster on its way out.
        }
    }
}
