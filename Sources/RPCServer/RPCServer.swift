#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONRPC
import Logging
import NIOCore
import NIOPosix
import Telemetry

/// The JSON-RPC server on a Unix domain socket: NDJSON in, NDJSON out.
///
/// Connections are independent: each has its own framer and its own event-loop-confined handler, so a
/// slow or silent client holds nothing another client needs. Its lifetime is scoped: `run` serves until
/// `shutdown` is called, then drains in-flight calls within the grace period and removes the socket file.
public final class RPCServer: Sendable {
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private let configuration: RPCServerConfiguration
    private let dispatcher: RPCDispatcher
    private let group: any EventLoopGroup
    private let logger: Logger
    private let serverChannel: any Channel
    private let connections: ConnectionRegistry

    /// Binds the socket (or takes the one systemd passed) and starts accepting. Throws a `StartError` that says
    /// what to do when the path is unusable (too long, a live daemon there, not a socket).
    public static func start(
        configuration: RPCServerConfiguration, dispatcher: RPCDispatcher, group: any EventLoopGroup, logger: Logger,
        telemetry: RPCTelemetry = Telemetry.disabled.rpc
    ) async throws -> RPCServer {
        let connections = ConnectionRegistry(telemetry: telemetry)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                Self.initialize(channel, configuration: configuration, dispatcher: dispatcher, connections: connections, logger: logger)
            }
        if let descriptor = configuration.inheritedDescriptor {
            let channel: any Channel
            do {
                channel = try await bootstrap.withBoundSocket(descriptor).get()
            } catch {
                throw StartError(description: "cannot listen on the socket systemd passed (fd \(descriptor)): \(error)")
            }
            logger.info("listening", metadata: ["socket": "\(configuration.socketPath)", "activation": "systemd"])
            return RPCServer(
                configuration: configuration, dispatcher: dispatcher, group: group, logger: logger,
                serverChannel: channel, connections: connections)
        }
        do {
            try UnixSocketPath.prepare(configuration.socketPath)
        } catch {
            throw StartError(description: error.description)
        }
        // Owner-only from the moment the file exists, then its group and mode, all before `listen`: no window in which
        // another user could connect (`OwnerOnlySocket`).
        let channel: any Channel
        do throws(OwnerOnlySocket.Failure) {
            let descriptor = try OwnerOnlySocket.bind(
                path: configuration.socketPath, mode: configuration.socketMode, group: configuration.socketGroup)
            do {
                channel = try await bootstrap.withBoundSocket(descriptor).get()
            } catch {
                close(descriptor)
                unlink(configuration.socketPath)
                throw OwnerOnlySocket.Failure(description: "cannot listen on \(configuration.socketPath): \(error)")
            }
        } catch {
            throw StartError(description: error.description)
        }
        logger.info("listening", metadata: ["socket": "\(configuration.socketPath)"])
        return RPCServer(
            configuration: configuration, dispatcher: dispatcher, group: group, logger: logger,
            serverChannel: channel, connections: connections)
    }

    private init(
        configuration: RPCServerConfiguration, dispatcher: RPCDispatcher, group: any EventLoopGroup, logger: Logger,
        serverChannel: any Channel, connections: ConnectionRegistry
    ) {
        self.configuration = configuration
        self.dispatcher = dispatcher
        self.group = group
        self.logger = logger
        self.serverChannel = serverChannel
        self.connections = connections
    }

    /// Stops accepting, lets every connection answer what it is running (up to the grace period), closes
    /// them, and removes the socket file (unless systemd passed it: its file is systemd's).
    public func shutdown() async {
        try? await serverChannel.close()
        let open = connections.all
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(DrainConnection())
        }
        // The grace period is enforced on each connection's own event loop: a close scheduled for the deadline. Racing
        // `closeFuture.get()` against a timer in a task group would not bound anything, since the group waits for
        // its children and `get()` does not answer cancellation: a client that never closed held shutdown until
        // its idle timeout.
        let deadline = NIODeadline.now() + configuration.shutdownGracePeriod
        for channel in open {
            let forced = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
            try? await channel.closeFuture.get()
            forced.cancel()
        }
        if configuration.inheritedDescriptor == nil {
            unlink(configuration.socketPath)
        }
        logger.info("stopped listening", metadata: ["socket": "\(configuration.socketPath)"])
    }

    private static func initialize(
        _ channel: any Channel, configuration: RPCServerConfiguration, dispatcher: RPCDispatcher,
        connections: ConnectionRegistry, logger: Logger
    ) -> EventLoopFuture<Void> {
        guard connections.admit(channel, limit: configuration.maximumConnections) else {
            connections.telemetry.refusedConnections.increment()
            logger.warning("connection refused: limit reached", metadata: ["limit": "\(configuration.maximumConnections)"])
            let error = RPCError.serverBusy(maximumConnections: configuration.maximumConnections)
            let line = RPCResponseEncoder.line(id: .null, outcome: .failure(error))
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RefuseConnectionHandler(line: line))
            }
        }
        return channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(BackPressureHandler())
            try sync.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout))
            try sync.addHandler(
                RPCConnectionHandler(dispatcher: dispatcher, maximumLineBytes: configuration.maximumLineBytes, logger: logger))
        }
    }
}
