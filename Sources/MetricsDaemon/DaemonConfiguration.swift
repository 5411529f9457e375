import Logging
import NIOCore
import RPCServer

/// Everything `metricsd` is told on its command line, with the defaults documented in the README.
public struct DaemonConfiguration: Sendable {
    public var server: RPCServerConfiguration
    public var databasePath: String
    public var logLevel: Logger.Level = .info

    public init(socketPath: String, databasePath: String) {
        self.server = RPCServerConfiguration(socketPath: socketPath)
        self.databasePath = databasePath
    }
}
