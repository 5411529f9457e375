import CoreMetrics
import Synchronization

/// The event log and its subscribers: events by type, subscriptions open, subscriptions that lagged.
public final class EventTelemetry: Sendable {
    /// The event types, spelled as the wire spells them (a bounded label set).
    public static let types = ["snapshot", "milestone", "account", "post", "run", "anomaly", "import"]

    private let written: [String: Counter]
    private let open: Gauge
    private let openCount = Atomic<Int>(0)
    private let lagged: Counter

    init(factory: any MetricsFactory) {
        written = Dictionary(uniqueKeysWithValues: Self.types.map {
            ($0, Counter(label: Instruments.eventsWritten.name, dimensions: [("type", $0)], factory: factory))
        })
        open = Gauge(label: Instruments.subscriptionsOpen.name, factory: factory)
        open.record(0)
        lagged = Counter(label: Instruments.subscriptionsLagged.name, factory: factory)
    }

    public func eventWritten(type: String) {
        written[type]?.increment()
    }

    public func subscriptionOpened() {
        open.record(openCount.add(1, ordering: .relaxed).newValue)
    }

    public func subscriptionClosed() {
        open.record(openCount.subtract(1, ordering: .relaxed).newValue)
    }

    public func subscriptionLagged() {
        lagged.increment()
    }
}
