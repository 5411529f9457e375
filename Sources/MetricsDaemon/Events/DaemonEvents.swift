import Logging
import ServiceLifecycle
import StorageContract
import Telemetry

/// What the daemon keeps for live events: the fan-out of the log and the socket's subscriptions.
struct DaemonEvents: Sendable {
    let fanout: EventFanout
    let subscriptions: SubscriptionRegistry

    init(store: any MetricsStorage, buffer: Int, telemetry: EventTelemetry, logger: Logger) {
        fanout = EventFanout(store: store, capacity: buffer, telemetry: telemetry, logger: logger)
        subscriptions = SubscriptionRegistry(telemetry: telemetry)
    }
}

/// The fan-out's tail as a service: it follows the log until graceful shutdown.
struct EventFanoutService: Service, CustomStringConvertible {
    let fanout: EventFanout

    var description: String { "EventFanoutService" }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await fanout.run()
        }
    }
}
