import Logging
import MetricsCore
import StorageContract
import Telemetry

/// What every part of a run needs, passed down as one value.
struct EngineContext: Sendable {
    let store: any MetricsStorage
    let clients: PlatformClientSet
    let coordinator: RefreshCoordinator
    let clock: any WallClock
    let configuration: RefreshConfiguration
    let logger: Logger
    /// A number in [0, 1) for backoff jitter; injected so tests are exact.
    let random: @Sendable () -> Double
    /// Bounds calls in flight per platform.
    ///
    /// What must be bounded is concurrent HTTP calls (connections, memory), not accounts: an account spends most
    /// of a run waiting for its own rate, and a cap on accounts would leave later ones queued behind sleepers
    /// (measured: 2x the minimum time under per-account limits). So every account runs, and each call holds a
    /// permit only for the moment it is on the wire.
    let callSlots: [Platform: AsyncSemaphore]
    let accountsInProgress: AccountsInProgress
    /// This daemon's membership when several share the database (PostgreSQL); nil alone (SQLite).
    let cluster: ClusterMembership?
    /// Runs by trigger and status, their duration; the coordinator counts pauses with it too.
    let telemetry: RefreshTelemetry
}
