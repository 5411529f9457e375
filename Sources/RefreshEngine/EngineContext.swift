import Logging
import MetricsCore
import MetricsStore

/// What every part of a run needs, passed down as one value.
struct EngineContext: Sendable {
    let store: MetricsStore
    let clients: PlatformClientSet
    let coordinator: RefreshCoordinator
    let clock: any WallClock
    let configuration: RefreshConfiguration
    let logger: Logger
    /// A number in [0, 1) for backoff jitter; injected so tests are exact.
    let random: @Sendable () -> Double
    /// Bounds calls in flight per platform.
    let callSlots: [Platform: CallSlots]
}
