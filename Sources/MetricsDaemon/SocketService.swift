import JSONRPC
import Logging
import NIOPosix
import RPCServer
import ServiceLifecycle

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
