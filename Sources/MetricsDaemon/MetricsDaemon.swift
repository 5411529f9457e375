import AsyncHTTPClient
import JSON
import JSONRPC
import Logging
import MetricsCore
import NIOCore
import PlatformClients
import RefreshEngine
import RPCServer
import ServiceLifecycle
import StorageContract
import Telemetry

/// The daemon: opens the store, serves the methods on the socket, and shuts down cleanly on SIGTERM/SIGINT.
public enum MetricsDaemon {
    public struct StartupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every method, routed, each behind the access policy: what the socket server serves, and what tests drive
    /// without a socket. Every answer is counted in `metrics`' RPC instruments.
    static func dispatcher(
        store: any MetricsStorage, engine: RefreshEngine, health: HealthMonitor, openRPC: JSON, logger: Logger, access: AccessControl,
        metrics: DaemonMetrics = DaemonMetrics(), events: DaemonEvents, webhookChanges: WebhookChanges = WebhookChanges()
    ) -> RPCDispatcher {
        let mapping = RPCErrorMapping(logger: logger)
        let scrape = MetricsScrape(metrics: metrics, store: store, engine: engine, logger: logger)
        // One group per line, appended: a chain of ten `+` between array calls takes the type checker minutes.
        let groups: [[RPCMethod]] = [
            ServiceMethods.all(health: health, store: store, openRPC: openRPC, access: access),
            RegistrationMethods.all(store: store, health: health, access: access),
            ReadMethods.all(store: store, clock: engine.clock, failures: engine.configuration.schedule.failures, access: access),
            ImportMethods.all(store: store, access: access),
            RefreshMethods.all(engine: engine, store: store, health: health, access: access),
            FreshnessMethods.all(store: store, engine: engine, access: access),
            HistoryMethods.all(store: store, clock: engine.clock, access: access),
            MetricsMethods.all(scrape: scrape),
            EventMethods.all(store: store, fanout: events.fanout, subscriptions: events.subscriptions, access: access),
            WebhookMethods.all(store: store, changes: webhookChanges, access: access),
        ]
        let methods = groups.flatMap { $0 }
        return RPCDispatcher(
            methods: methods.map { guarded($0, by: access) },
            observer: RPCTelemetryObserver(telemetry: metrics.telemetry.rpc),
            mapError: { error, method in mapping.map(error, method: method) })
    }

    /// The method behind its role check: a caller whose role does not reach it gets -32007 before anything runs.
    static func guarded(_ method: RPCMethod, by access: AccessControl) -> RPCMethod {
        let name = method.name
        switch method.execution {
        case .inline(let body):
            return .inline(name, parameters: method.parameters) { fields, context in
                _ = try access.authorize(name, context)
                return try body(fields, context)
            }
        case .task(let body):
            return .task(name, parameters: method.parameters) { fields, context in
                _ = try access.authorize(name, context)
                return try await body(fields, context)
            }
        }
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting, finishes in-flight calls and returns.
    ///
    /// `chooseClock`, when given, replaces `configuration.clock` once the socket is known to be free and the
    /// database's folder exists, before the store opens: the demo anchors its scaled clock at its first start,
    /// which its database knows. `companion` is made once the store is open, with the daemon's clock, and runs
    /// beside the daemon for its whole life (the demo's simulator, see `DaemonCompanion`).
    public static func run(
        _ configuration: DaemonConfiguration, logger: Logger,
        clock chooseClock: (@Sendable (_ databasePath: String) async throws -> any WallClock)? = nil,
        companion makeCompanion: (@Sendable (any MetricsStorage, any WallClock) async throws -> any DaemonCompanion)? = nil
    ) async throws {
        var configuration = configuration
        let metrics = DaemonMetrics()
        // A bad access file stops start-up, naming the rule, before anything else is touched.
        let access: AccessControl
        do {
            let rpc = metrics.telemetry.rpc
            access = try AccessControl(path: configuration.accessFile, logger: logger) { rpc.method($0).permissionDenied() }
        } catch {
            throw StartupError(description: error.description)
        }
        // Refuse a live daemon's socket before touching its database. A socket systemd passed is systemd's: it
        // answers (systemd holds it open) and must not be replaced.
        do {
            if configuration.server.inheritedDescriptor == nil {
                try Directories.makeParents(of: configuration.server.socketPath)
                try UnixSocketPath.prepare(configuration.server.socketPath)
            }
            if configuration.postgres == nil { try Directories.makeParents(of: configuration.databasePath) }
        } catch {
            throw StartupError(description: "\(error)")
        }
        if let chooseClock {
            do {
                configuration.clock = try await chooseClock(configuration.databasePath)
            } catch {
                throw StartupError(description: "cannot set up the clock from \(configuration.databasePath): \(error)")
            }
        }
        let opened = try openStore(configuration, metrics: metrics, logger: logger)
        let watch = ShutdownWatch(timeout: configuration.shutdownTimeout, logger: logger)
        // Until run returns: the store's close below is shutdown too.
        defer { watch.finish() }
        var failure: (any Error)?
        do {
            try await serve(
                opened, configuration, access: access, metrics: metrics, watch: watch, logger: logger, companion: makeCompanion)
        } catch {
            failure = error
        }
        // Closed on every path, the one place it is: SQLite's readers, or PostgreSQL's pool.
        await watch.step("closing the store") { try? await opened.store.close() }
        if let failure { throw failure }
        logger.info("stopped")
    }

    /// The daemon's services on an open store, until graceful shutdown: the companion (SQLite only: the demo's
    /// simulator) first, then a network store's connections, then the daemon, so shutdown, in reverse order, stops
    /// the daemon before what it needs.
    private static func serve(
        _ opened: OpenedStore, _ configuration: DaemonConfiguration, access: AccessControl, metrics: DaemonMetrics,
        watch: ShutdownWatch, logger: Logger,
        companion makeCompanion: (@Sendable (any MetricsStorage, any WallClock) async throws -> any DaemonCompanion)?
    ) async throws {
        var companion: (any DaemonCompanion)?
        if !opened.store.traits.isShared, let makeCompanion {
            companion = try await makeCompanion(opened.store, configuration.clock)
        }
        let store = opened.store
        let daemon = DaemonService(
            configuration: configuration, store: store, member: opened.member, health: HealthMonitor(store: store), access: access,
            metrics: metrics, companion: companion, watch: watch, logger: logger)
        let services: [any Service] = (companion.map { [$0] } ?? []) + opened.services + [daemon]
        // The watch last: its graceful shutdown comes first, and starts the clock on the rest.
        let configurations = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: WatchedService(service: $0, watch: watch)) }
            + [.init(service: ShutdownWatchService(watch: watch))]
        let group = ServiceGroup(
            configuration: .init(services: configurations, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as RPCServer.StartError {
            throw StartupError(description: error.description)
        }
    }

    /// The platform clients, on `clock` where they read the time (token expiries).
    static func clients(
        _ endpoints: DaemonConfiguration.Endpoints, httpClient: HTTPClient, clock: any WallClock = SystemClock(),
        telemetry: PlatformTelemetry = Telemetry.disabled.platforms
    ) -> PlatformClientSet {
        let credentials = endpoints.tiktokClientKey.flatMap { key in
            endpoints.tiktokClientSecret.map { TikTokAppCredentials(clientKey: key, clientSecret: $0) }
        }
        return PlatformClientSet(
            instagram: InstagramClient(
                httpClient: httpClient, baseURL: endpoints.instagram, apiVersion: endpoints.graphAPIVersion, clock: clock,
                telemetry: telemetry),
            facebook: FacebookClient(
                httpClient: httpClient, baseURL: endpoints.facebook, apiVersion: endpoints.graphAPIVersion, telemetry: telemetry),
            tiktok: TikTokClient(
                httpClient: httpClient, baseURL: endpoints.tiktok, credentials: credentials, clock: clock, telemetry: telemetry))
    }
}
