import CoreMetrics

/// The daemon's instruments, made once from one `MetricsFactory` and handed to the layers that record.
///
/// Handed down rather than bootstrapped globally (`MetricsSystem.bootstrap`): several daemons run inside one
/// test process, each with its own registry, and a layer used without a daemon (a test, a benchmark) records
/// into `disabled` at no cost. Every instrument is made here, at start, so the exposition lists each series at 0
/// before it first moves (a `rate()` over a counter that appears late misses its first increase) and the
/// recording paths never look a name up.
public final class Telemetry: Sendable {
    public let rpc: RPCTelemetry
    public let platforms: PlatformTelemetry
    public let refresh: RefreshTelemetry
    public let store: StoreTelemetry
    public let state: StateTelemetry
    public let events: EventTelemetry
    public let webhooks: WebhookTelemetry

    public init(factory: any MetricsFactory) {
        rpc = RPCTelemetry(factory: factory)
        platforms = PlatformTelemetry(factory: factory)
        refresh = RefreshTelemetry(factory: factory)
        store = StoreTelemetry(factory: factory)
        state = StateTelemetry(factory: factory)
        events = EventTelemetry(factory: factory)
        webhooks = WebhookTelemetry(factory: factory)
    }

    /// Records nothing: swift-metrics' no-op handlers.
    public static let disabled = Telemetry(factory: NOOPMetricsHandler.instance)
}
