import JSONRPC
import Logging
import NIOPosix
import RPCServer
import ServiceLifecycle
import Telemetry

/// The socket server as a lifecycle service: listens, serves until graceful shutdown, then drains.
///
/// It binds inside `run`, after the service group has trapped SIGTERM/SIGINT: a signal that arrives as soon
/// as the socket answers must already mean "drain and exit 0", not the default "die".
struct SocketService: Service, CustomStringConvertible {
    let configuration: RPCServerConfiguration
    let dispatcher: RPCDispatcher
    let telemetry: RPCTelemetry
    let logger: Logger
    /// Called once the socket accepts connections: where systemd hears READY=1.
    let listening: @Sendable () -> Void

    var description: String { "SocketService(\(configuration.socketPath))" }

    func run() async throws {
        let server = try await RPCServer.start(
            configuration: configuration, dispatcher: dispatcher, group: MultiThreadedEventLoopGroup.singleton, logger: logger,
            telemetry: telemetry)
        listening()
        try? await gracefulShutdown()
        await server.shutdown()
    }
}
