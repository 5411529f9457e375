import ArgumentParser
import Foundation
import MetricsCore
import RPCClient

/// The options every subcommand shares: where the daemon is, and whether to print for a person or a program.
struct ConnectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The daemon's Unix socket.",
            discussion: "Default: $METRICSD_SOCKET, else /run/metricsd/metricsd.sock as root, else $XDG_RUNTIME_DIR/metricsd/metricsd.sock, the same place metricsd listens on when not told.",
            valueName: "path"))
    var socket: String?

    @Flag(help: "Print the daemon's result as JSON (for scripts) instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Seconds to wait for the daemon before giving up (exit 2).", valueName: "seconds"))
    var timeout: Double = 30

    mutating func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// Resolved the way `metricsd` resolves its own default, so both agree with no configuration.
    var socketPath: String {
        socket ?? DefaultLocations.socketPath(environment: ProcessInfo.processInfo.environment)
    }

    func connect() throws(CommandFailure) -> DaemonClient {
        do {
            return DaemonClient(connection: try RPCConnection(socketPath: socketPath, timeoutSeconds: timeout))
        } catch {
            throw .unreachable(error)
        }
    }
}
