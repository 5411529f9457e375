import JSONRPC
import Logging
import MetricsCore
import MetricsStore
import NIOCore
import NIOPosix
import RPCServer
import ServiceLifecycle

/// The daemon: opens the store, serves the methods on the socket, and shuts down cleanly on SIGTERM/SIGINT.
public enum MetricsDaemon {
    public struct StartupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The dispatcher with every method, for the server and for tests that drive methods without a socket.
    static func dispatcher(store: MetricsStore, health: HealthMonitor, openRPC: JSON, logger: Logger) -> RPCDispatcher {
        let mapping = RPCErrorMapping(logger: logger)
        return RPCDispatcher(
            methods: ServiceMethods.all(health: health, openRPC: openRPC)
                + RegistrationMethods.all(store: store, health: health)
                + ReadMethods.all(store: store)
                + ImportMethods.all(store: store),
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
            store = try MetricsStore.open(path: configuration.databasePath)
        } catch {
            throw StartupError(description: "cannot open database \(configuration.databasePath): \(error)")
        }
        defer { try? store.close() }
        logger.info("database open", metadata: ["path": "\(configuration.databasePath)"])

        let health = HealthMonitor(store: store)
        let dispatcher = dispatcher(store: store, health: health, openRPC: try OpenRPCDocument.load(), logger: logger)
        let socket = SocketService(configuration: configuration.server, dispatcher: dispatcher, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: socket)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch let error as RPCServer.StartError {
            throw StartupError(description: error.description)
        }
        logger.info("stopped")
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
