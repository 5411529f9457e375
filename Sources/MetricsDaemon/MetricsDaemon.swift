import AsyncHTTPClient
import JSONRPC
import Logging
import MetricsCore
import MetricsStore
import NIOCore
import PlatformClients
import RefreshEngine
import RPCServer
import ServiceLifecycle

/// The daemon: opens the store, serves the methods on the socket, and shuts down cleanly on SIGTERM/SIGINT.
public enum MetricsDaemon {
    public struct StartupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every method, routed: what the socket server serves, and what tests drive without a socket.
    static func dispatcher(store: MetricsStore, engine: RefreshEngine, health: HealthMonitor, openRPC: JSON, logger: Logger) -> RPCDispatcher {
        let mapping = RPCErrorMapping(logger: logger)
        return RPCDispatcher(
            methods: ServiceMethods.all(health: health, openRPC: openRPC)
                + RegistrationMethods.all(store: store, health: health)
                + ReadMethods.all(store: store, clock: engine.clock, failures: engine.configuration.schedule.failures)
                + ImportMethods.all(store: store)
                + RefreshMethods.all(engine: engine, store: store, health: health)
                + FreshnessMethods.all(store: store, engine: engine),
            mapError: { error, method in mapping.map(error, method: method) })
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting, finishes in-flight calls and returns.
    ///
    /// `companion` is made once the store is open and runs beside the daemon for its whole life (the demo's
    /// simulator, see `DaemonCompanion`).
    public static func run(
        _ configuration: DaemonConfiguration, logger: Logger,
        companion makeCompanion: (@Sendable (MetricsStore) async throws -> any DaemonCompanion)? = nil
    ) async throws {
        // Refuse a live daemon's socket before touching its database.
        do {
            try Directories.makeParents(of: configuration.server.socketPath)
            try UnixSocketPath.prepare(configuration.server.socketPath)
            try Directories.makeParents(of: configuration.databasePath)
        } catch {
            throw StartupError(description: "\(error)")
        }
        // The event loops read synchronously (the inline methods): give them a reader each, and a few to spare
        // for the engine, so a loop never waits for a free connection.
        var options = configuration.store
        options.maximumReaderCount = max(options.maximumReaderCount, System.coreCount + 4)
        options.schedule = configuration.refresh.schedule
        let store: MetricsStore
        do {
            store = try MetricsStore.open(path: configuration.databasePath, clock: configuration.clock, options: options)
        } catch {
            throw StartupError(description: "cannot open database \(configuration.databasePath): \(error)")
        }
        defer { try? store.close() }
        logger.info("database open", metadata: ["path": "\(configuration.databasePath)"])

        let companion = try await makeCompanion?(store)
        let daemon = DaemonService(
            configuration: configuration, store: store, health: HealthMonitor(store: store), companion: companion, logger: logger)
        // The companion first: graceful shutdown goes in reverse order, so it stops after the daemon.
        let services: [any Service] = (companion.map { [$0] } ?? []) + [daemon]
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as RPCServer.StartError {
            throw StartupError(description: error.description)
        }
        logger.info("stopped")
    }

    static func clients(_ endpoints: DaemonConfiguration.Endpoints, httpClient: HTTPClient) -> PlatformClientSet {
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
        guard let accountIds = try? await store.accountIds(status: .connected) else { return }
        for accountId in accountIds {
            do {
                _ = try await engine.syncPosts(accountId: accountId)
            } catch {
                logger.warning("post discovery failed", metadata: ["account": "\(accountId)", "error": "\(error)"])
            }
        }
    }
}
