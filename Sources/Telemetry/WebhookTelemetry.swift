import CoreMetrics
import MetricsCore

/// The webhook deliverer's instruments: attempts by outcome, and how long each POST took to be answered.
public final class WebhookTelemetry: Sendable {
    private let outcomes: [WebhookOutcome: Counter]
    private let latency: Timer

    init(factory: any MetricsFactory) {
        outcomes = Dictionary(uniqueKeysWithValues: WebhookOutcome.allCases.map {
            ($0, Counter(label: Instruments.webhookDeliveries.name, dimensions: [("outcome", $0.rawValue)], factory: factory))
        })
        latency = Timer(label: Instruments.webhookDeliveryDuration.name, factory: factory)
    }

    /// One record written: an attempt (`duration` from its request's start to its answer or failure) or a gap (nil).
    public func recorded(_ outcome: WebhookOutcome, duration: Duration?) {
        outcomes[outcome]?.increment()
        if let duration { latency.recordNanoseconds(RPCMethodInstruments.nanoseconds(duration)) }
    }
}
