import AsyncHTTPClient
import Logging
import MetricsCore
import MetricsStore
import PlatformClients
import RefreshEngine
import ServiceLifecycle

/// The daemon proper, as one service: the refresh engine, the schedule and the socket, run as a group of their
/// own inside the HTTP client's lifetime.
///
/// Everything that can fail at start (the companion's endpoints, recovering runs, the companion's registrations)
/// happens inside `run`, so a failure ends the outer group like any service's failure and the companion is
/// stopped by its own `run`, the one place it is stopped.
struct DaemonService: Service {
    let configuration: DaemonConfiguration
    let store: any MetricsStorage
    let health: HealthMonitor
    let access: AccessControl
    let companion: (any DaemonCompanion)?
    let logger: Logger

    func run() async throws {
        let endpoints = try await companion?.endpoints(replacing: configuration.endpoints) ?? configuration.endpoints
        try await withPlatformHTTPClient { httpClient in
            let engine = try await RefreshEngine(
                store: store, clients: MetricsDaemon.clients(endpoints, httpClient: httpClient, clock: configuration.clock),
                configuration: configuration.refresh, clock: configuration.clock, logger: Logger(label: "metricsd.refresh"))
            try await engine.recoverInterruptedRuns()
            try await companion?.daemonReady(store: store, engine: engine)

            let dispatcher = MetricsDaemon.dispatcher(
                store: store, engine: engine, health: health, openRPC: try OpenRPCDocument.load(), logger: logger, access: access)
            // Shutdown runs in reverse order: the engine interrupts its runs first (so refresh calls waiting on
            // them answer), then the planner stops, then the socket drains and closes.
            var services: [any Service] = [SocketService(configuration: configuration.server, dispatcher: dispatcher, logger: logger)]
            if configuration.planner {
                let discovery = configuration.discoveryIntervalMilliseconds.map {
                    PeriodicDiscovery(intervalMilliseconds: $0, clock: configuration.clock)
                }
                let (store, logger) = (store, logger)
                let planner = RefreshPlanner(engine: engine) {
                    if let discovery, await discovery.take() {
                        await MetricsDaemon.syncAllAccounts(store: store, engine: engine, logger: logger)
                    }
                }
                services.append(PlannerService(planner: planner, logger: logger))
            }
            if configuration.accessFile != nil {
                services.append(AccessReloadService(access: access))
            }
            if let policy = configuration.retention {
                services.append(RetentionService(store: store, policy: policy, clock: configuration.clock, logger: logger))
            }
            services.append(RefreshEngineService(engine: engine))
            // No signals here: the outer group owns them, and its graceful shutdown reaches this one.
            try await ServiceGroup(services: services, logger: logger).run()
        }
    }
}
