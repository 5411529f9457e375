import ArgumentParser
import Logging
import MetricsCore
import MetricsDaemon
import NIOCore

/// `metricsd`: parses flags, then hands over to `MetricsDaemon.run`. Nothing else lives here.
@main
struct MetricsdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metricsd",
        abstract: "Keeps social-media post metrics fresh; serves them over JSON-RPC on a Unix socket.",
        version: DefaultLocations.version)

    @Option(help: "Unix socket to listen on. (default: $METRICSD_SOCKET, /run/metricsd/metricsd.sock as root, else $XDG_RUNTIME_DIR/metricsd/metricsd.sock)")
    var socket: String?

    @Option(help: "SQLite database file. (default: $METRICSD_DATABASE, /var/lib/metricsd/metrics.sqlite as root, else ~/.local/share/metricsd/metrics.sqlite)")
    var database: String?

    @Flag(help: "Create the socket mode 0660 instead of 0600, so the daemon's group may connect.")
    var groupAccess = false

    @Option(help: "Longest request line accepted, in bytes; longer lines get a -32600 reply and the connection closes.")
    var maxRequestBytes: Int = 1 << 20

    @Option(help: "Most concurrent connections; more are answered with -32000 and closed.")
    var maxConnections: Int = 256

    @Option(help: "Seconds a connection may stay silent, with no call running, before it is closed.")
    var idleTimeout: Int64 = 300

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard maxRequestBytes >= 1024 else { throw ValidationError("--max-request-bytes must be at least 1024") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
    }

    func run() async throws {
        let environment = ProcessEnvironment.current
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "metricsd")

        var configuration = DaemonConfiguration(
            socketPath: socket ?? DefaultLocations.socketPath(environment: environment),
            databasePath: database ?? DefaultLocations.databasePath(environment: environment))
        configuration.logLevel = level
        configuration.server.socketMode = groupAccess ? 0o660 : 0o600
        configuration.server.maximumLineBytes = maxRequestBytes
        configuration.server.maximumConnections = maxConnections
        configuration.server.idleTimeout = .seconds(idleTimeout)
        do {
            try await MetricsDaemon.run(configuration, logger: logger)
        } catch let error as MetricsDaemon.StartupError {
            logger.critical("cannot start: \(error.description)")
            throw ExitCode(1)
        }
    }
}

