import RefreshEngine
import ServiceLifecycle
import StorageContract

/// A service the daemon runs beside itself for its whole life: the demo's platform simulator.
///
/// It starts with the daemon and, listed first in the service group, stops after it (graceful shutdown runs in
/// reverse order), so it outlives the refresh runs that call it. Its `run()` is the one place it is stopped,
/// whether the daemon ends by a signal or by a start-up failure: the group cancels it in both cases.
public protocol DaemonCompanion: Service {
    /// The platform endpoints the daemon is to use: suspends until the companion knows them (the simulator binds a
    /// free port when it starts) and throws when it could not start.
    func endpoints(replacing configured: DaemonConfiguration.Endpoints) async throws -> DaemonConfiguration.Endpoints

    /// Called once the refresh engine exists, before the socket listens: what the companion registers is there
    /// for the first request.
    func daemonReady(store: any MetricsStorage, engine: RefreshEngine) async throws
}
