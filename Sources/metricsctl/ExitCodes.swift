import ArgumentParser

/// metricsctl's exit statuses, as Core Lightning's `lightning-cli` uses them, so a script can tell "the daemon
/// said no" from "there is no daemon" from "I typed it wrong" without reading stderr.
enum MetricsctlExit {
    /// The daemon answered with a result.
    static let success = ExitCode(0)
    /// The daemon answered with a JSON-RPC error (unknown post, invalid params, storage unavailable).
    static let daemonError = ExitCode(1)
    /// No answer: nothing listens on the socket, the connection broke or timed out, or the reply was not
    /// JSON-RPC. Retrying later may help; fixing the command will not.
    static let unreachable = ExitCode(2)
    /// The command line itself is wrong. ArgumentParser's own code for this is 64 (`EX_USAGE`); metricsctl
    /// maps it to 3 in `MetricsctlCommand.main()`, where every usage error passes.
    static let usage = ExitCode(3)
}
