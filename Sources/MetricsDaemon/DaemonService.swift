import AsyncHTTPClient
import Logging
import MetricsCore
import NIOPosix
import PlatformClients
import RefreshEngine
import ServiceLifecycle
import StorageContract

/// The daemon proper, as one service: the refresh engine, the schedule, the socket, the metrics listener and
/// systemd's notifications, run as a group of their own inside the HTTP client's lifetime.
///
/// Everything that can fail at start (the companion's endpoints, recovering runs, the companion's registrations,
/// the metrics listener's port) happens inside `run`, so a failure ends the outer group like any service's failure
/// and the companion is stopped by its own `run`, the one place it is stopped.
struct DaemonService: Service, CustomStringConvertible {
    let configuration: DaemonConfiguration
    let store: any MetricsStorage
    /// This daemon among others sharing the database (PostgreSQL); nil alone.
    let member: ClusterMember?
    let health: HealthMonitor
    let access: AccessControl
    let metrics: DaemonMetrics
    let companion: (any DaemonCompanion)?
    /// Names what shutdown waits for, should it not finish in time.
    let watch: ShutdownWatch
    let logger: Logger

    /// What swift-service-lifecycle logs for this service: its name, not a dump of the configuration.
    var description: String { "DaemonService" }

    func run() async throws {
        let endpoints = try await companion?.endpoints(replacing: configuration.endpoints) ?? configuration.endpoints
        let telemetry = metrics.telemetry
        var closingClient: ShutdownWatch.Token?
        defer { closingClient.map(watch.end) }
        try await withPlatformHTTPClient { httpClient in
            let engine = try await RefreshEngine(
                store: store,
                clients: MetricsDaemon.clients(
                    endpoints, httpClient: httpClient, clock: configuration.clock, telemetry: telemetry.platforms),
                configuration: configuration.refresh, clock: configuration.clock, logger: Logger(label: "metricsd.refresh"),
                telemetry: telemetry.refresh, member: member)
            do {
                try await engine.recoverInterruptedRuns()
            } catch let error where StorageUnavailable.reason(of: error) != nil {
                // A shared database not reachable yet: the cluster's ticks recover the runs of daemons that died
                // once it is (and this daemon's runs cannot be left over: it has not started any).
                logger.warning("cannot recover interrupted runs yet", metadata: ["error": "\(error)"])
            }
            try await companion?.daemonReady(store: store, engine: engine)

            let events = DaemonEvents(store: store, buffer: configuration.subscriptionBuffer, telemetry: telemetry.events, logger: logger)
            let webhookChanges = WebhookChanges()
            let dispatcher = MetricsDaemon.dispatcher(
                store: store, engine: engine, health: health, openRPC: try OpenRPCDocument.load(), logger: logger, access: access,
                metrics: metrics, events: events, webhookChanges: webhookChanges)
            // Shutdown runs in reverse order: systemd hears STOPPING=1 first, the engine interrupts its runs (so
            // refresh calls waiting on them answer), retention and the planner stop, the socket drains and closes,
            // and the metrics listener, still answering scrapes meanwhile, closes last.
            // First, so it stops last: subscriptions read its ring until their connections have closed.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: EventFanoutService(fanout: events.fanout))]
            if let address = configuration.metricsListen {
                let server: MetricsHTTPServer
                do {
                    server = try await MetricsHTTPServer.bind(address, group: MultiThreadedEventLoopGroup.singleton)
                } catch {
                    throw MetricsDaemon.StartupError(description: "cannot serve metrics on \(address): \(error)")
                }
                var bound = address
                bound.port = server.boundPort
                logger.info("metrics listening", metadata: ["address": "\(bound)", "url": "http://\(bound)/metrics"])
                let scrape = MetricsScrape(metrics: metrics, store: store, engine: engine, logger: logger)
                services.append(.init(
                    service: MetricsListenService(server: server, scrape: scrape, logger: logger),
                    successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
            }
            let notifier = configuration.notifier
            let socketPath = configuration.server.socketPath
            services.append(.init(service: SocketService(
                configuration: configuration.server, dispatcher: dispatcher, telemetry: telemetry.rpc, logger: logger,
                listening: { notifier?.send(.ready(status: "listening on \(socketPath)")) })))
            if configuration.planner {
                services.append(.init(service: PlannerService(planner: RefreshPlanner(engine: engine), logger: logger)))
            }
            if configuration.discovery {
                services.append(.init(
                    service: DiscoveryService(store: store, engine: engine, clock: configuration.clock, logger: logger)))
            }
            if configuration.accessFile != nil {
                services.append(.init(service: AccessReloadService(access: access)))
            }
            if let policy = configuration.retention {
                services.append(.init(
                    service: RetentionService(store: store, policy: policy, clock: configuration.clock, logger: logger)))
            }
            services.append(.init(service: DailyAnomalyService(store: store, clock: configuration.clock, logger: logger)))
            if engine.cluster != nil {
                // Before the engine's service: the engine stops its runs first, then the daemon leaves the cluster.
                services.append(.init(service: ClusterService(engine: engine, logger: logger)))
            }
            // Stopped early in shutdown (reverse order), beside the engine: an attempt it cuts short is sent again after
            // the restart, since only a recorded delivery moves the position.
            let webhookLogger = Logger(label: "metricsd.webhooks")
            var deliverer = WebhookDeliverer(
                store: store, changes: webhookChanges, configuration: configuration.webhooks, clock: configuration.clock,
                telemetry: telemetry.webhooks, logger: webhookLogger)
            if let member, let cluster = store as? any ClusterStorage {
                deliverer.ownership = WebhookLeases(store: cluster, memberId: member.id, logger: webhookLogger)
            }
            services.append(.init(service: deliverer))
            services.append(.init(service: RefreshEngineService(engine: engine)))
            if let notifier {
                let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
                services.append(.init(service: SystemdService(
                    notifier: notifier, watchdog: configuration.watchdog, probe: LivenessProbe(loops: loops, engine: engine),
                    logger: logger)))
            }
            // No signals here: the outer group owns them, and its graceful shutdown reaches this one.
            for index in services.indices {
                services[index].service = WatchedService(service: services[index].service, watch: watch)
            }
            try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
            closingClient = watch.begin("the platform HTTP client's shutdown")
        }
    }
}
