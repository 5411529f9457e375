import Prometheus
import Telemetry

/// The daemon's metrics registry: every layer's instruments record into it (through `telemetry`), and a scrape
/// reads it out as Prometheus' text exposition format (version 0.0.4).
///
/// One per daemon, not the process-wide `MetricsSystem`: tests run several daemons in one process, and each
/// must report only its own.
public final class DaemonMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    public let telemetry: Telemetry

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        telemetry = Telemetry(factory: CatalogPrometheusFactory(registry: registry))
    }

    /// The exposition as it stands (no state is read here; see `MetricsScrape`).
    public func text() -> String {
        registry.emitToString()
    }

    /// What a `/metrics` answer's Content-Type says.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
