import AsyncHTTPClient
import JSONRPC
import Logging
import MetricsCore
import MetricsStore
import NIOCore
import NIOPosix
import PlatformClients
import PlatformSimulator
import RefreshEngine
import RPCServer
import ServiceLifecycle

/// The daemon: opens the store, serves the methods on the socket, and shuts down cleanly on SIGTERM/SIGINT.
public enum MetricsDaemon {
    public struct StartupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The dispatcher with every method, for the server and for tests that drive methods without a socket.
    static func dispatcher(store: MetricsStore, engine: RefreshEngine, health: HealthMonitor, openRPC: JSON, logger: Logger) -> RPCDispatcher {
        let mapping = RPCErrorMapping(logger: logger)
        return RPCDispatcher(
            methods: ServiceMethods.all(health: health, openRPC: openRPC)
                + RegistrationMethods.all(store: store, health: health)
                + ReadMethods.all(store: store)
                + ImportMethods.all(store: store)
                + RefreshMethods.all(engine: engine, store: store, health: health),
            mapError: { error, method in mapping.map(error, method: method) })
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting, finishes in-flight calls and returns.
    public static func run(_ configuration: DaemonConfiguration, logger: Logger) async throws {
        // Refuse a live daemon's socket before touching its database.
        do {
            try Directories.makeParents(of: configuration.server.socketPath)
            try UnixSocketPath.prepare(configuration.server.socketPath)
            try Directories.makeParents(of: configuration.databasePath)
        } catch {
            throw StartupError(description: "\(error)")
        }
        let store: MetricsStore
        do {
            store = try MetricsStore.open(path: configuration.databasePath, options: configuration.store)
        } catch {
            throw StartupError(description: "cannot open database \(configuration.databasePath): \(error)")
        }
        defer { try? store.close() }
        logger.info("database open", metadata: ["path": "\(configuration.databasePath)"])

        let health = HealthMonitor(store: store)

        // Platform calls get their own event loop: HTTP parsing for a big refresh never competes with the
        // RPC server's loops, so reads answer as fast during a refresh as without one.
        let httpLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let httpClient = HTTPClient.makeForPlatforms(eventLoopGroup: httpLoops)
        let simulatorBox = SimulatorBox()
        do {
            try await serve(
                configuration, store: store, health: health, httpClient: httpClient, simulator: simulatorBox, logger: logger)
        } catch {
            await shutdown(httpClient: httpClient, loops: httpLoops, simulator: simulatorBox)
            throw error
        }
        await shutdown(httpClient: httpClient, loops: httpLoops, simulator: simulatorBox)
        logger.info("stopped")
    }

    /// Holds the demo simulator so it is shut down on every exit path.
    final class SimulatorBox: @unchecked Sendable {
        var simulator: PlatformSimulator?
        var loops: MultiThreadedEventLoopGroup?
    }

    private static func shutdown(httpClient: HTTPClient, loops: MultiThreadedEventLoopGroup, simulator: SimulatorBox) async {
        try? await httpClient.shutdown()
        try? await loops.shutdownGracefully()
        try? await simulator.simulator?.shutdown()
        try? await simulator.loops?.shutdownGracefully()
    }

    private static func serve(
        _ configuration: DaemonConfiguration, store: MetricsStore, health: HealthMonitor, httpClient: HTTPClient,
        simulator simulatorBox: SimulatorBox, logger: Logger
    ) async throws {
        var endpoints = configuration.endpoints
        var seeded: SeedSummary?
        if configuration.demo {
            let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            simulatorBox.loops = loops
            let (started, summary) = try await DemoEnvironment.startSimulator(
                size: .init(accountsPerPlatform: configuration.demoAccountsPerPlatform, postsPerAccount: configuration.demoPostsPerAccount),
                since: try DemoEnvironment.firstStart(store: store), loops: loops, logger: logger)
            simulatorBox.simulator = started
            seeded = summary
            endpoints.instagram = started.baseURL
            endpoints.facebook = started.baseURL
            endpoints.tiktok = started.baseURL
            // The simulator accepts any app credentials; without some, TikTok tokens could not be refreshed
            // once they expire two hours into a demo.
            endpoints.tiktokClientKey = endpoints.tiktokClientKey ?? "demo-client-key"
            endpoints.tiktokClientSecret = endpoints.tiktokClientSecret ?? "demo-client-secret"
        }
        let engine = try RefreshEngine(
            store: store, clients: clients(endpoints, httpClient: httpClient, logger: logger),
            configuration: configuration.refresh, logger: Logger(label: "metricsd.refresh"))
        try await engine.recoverInterruptedRuns()
        if let seeded {
            try await DemoEnvironment.register(seeded, store: store, engine: engine, logger: logger)
        }

        let dispatcher = dispatcher(store: store, engine: engine, health: health, openRPC: try OpenRPCDocument.load(), logger: logger)
        // Shutdown runs in reverse order: the engine interrupts its runs first (so refresh calls waiting on
        // them answer), then the schedule stops, then the socket drains and closes.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: SocketService(configuration: configuration.server, dispatcher: dispatcher, logger: logger))
        ]
        if let interval = configuration.scheduleIntervalSeconds {
            let syncFirst = configuration.syncPostsOnSchedule
            services.append(.init(service: RefreshScheduler(
                engine: engine, intervalSeconds: interval, firstRunDelaySeconds: configuration.scheduleFirstRunDelaySeconds,
                clock: SystemClock(), logger: logger,
                beforeEachRun: { if syncFirst { await syncAllAccounts(store: store, engine: engine, logger: logger) } })))
        }
        services.append(.init(service: RefreshEngineService(engine: engine)))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as RPCServer.StartError {
            throw StartupError(description: error.description)
        }
    }
}

extension MetricsDaemon {
    static func clients(_ endpoints: DaemonConfiguration.Endpoints, httpClient: HTTPClient, logger: Logger) -> PlatformClientSet {
        let credentials = endpoints.tiktokClientKey.flatMap { key in
            endpoints.tiktokClientSecret.map { TikTokAppCredentials(clientKey: key, clientSecret: $0) }
        }
        return PlatformClientSet(
            instagram: InstagramClient(httpClient: httpClient, baseURL: endpoints.instagram, apiVersion: endpoints.graphAPIVersion),
            facebook: FacebookClient(httpClient: httpClient, baseURL: endpoints.facebook, apiVersion: endpoints.graphAPIVersion),
            tiktok: TikTokClient(httpClient: httpClient, baseURL: endpoints.tiktok, credentials: credentials))
    }

    /// Discovery for every connected account, before a scheduled run (`--sync-posts`).
    static func syncAllAccounts(store: MetricsStore, engine: RefreshEngine, logger: Logger) async {
        guard let accounts = try? store.listAccounts(workspaceId: nil) else { return }
        for account in accounts where account.status == .connected {
            do {
                _ = try await engine.syncPosts(accountId: account.id)
            } catch {
                logger.warning("post discovery failed", metadata: ["account": "\(account.id)", "error": "\(error)"])
            }
        }
    }
}

/// The socket server as a lifecycle service: listens, serves until graceful shutdown, then drains.
///
/// It binds inside `run`, after the service group has trapped SIGTERM/SIGINT: a signal that arrives as soon
/// as the socket answers must already mean "drain and exit 0", not the default "die".
struct SocketService: Service {
    let configuration: RPCServerConfiguration
    let dispatcher: RPCDispatcher
    let logger: Logger

    func run() async throws {
        let server = try await RPCServer.start(
            configuration: configuration, dispatcher: dispatcher, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        try? await gracefulShutdown()
        await server.shutdown()
    }
}
