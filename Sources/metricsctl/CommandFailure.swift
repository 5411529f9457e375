import ArgumentParser
import JSONRPC
import RPCClient

/// Why a subcommand could not print a result: the two outcomes that are not usage errors.
///
/// Subcommands throw this and never exit themselves, so the mapping to exit codes and the wording on stderr
/// live in one place (`MetricsctlCommand.main()`), the same for every subcommand present and future.
enum CommandFailure: Error {
    /// The daemon answered with an error object.
    case daemon(RPCError)
    /// No usable answer: see `MetricsctlExit.unreachable`.
    case unreachable(RPCClientError)

    /// A reply that is JSON-RPC but not the shape the method promises is as useless as no reply.
    static func unexpectedReply(_ reason: String) -> CommandFailure {
        .unreachable(.invalidReply(reason))
    }

    var exitCode: ExitCode {
        switch self {
        case .daemon: MetricsctlExit.daemonError
        case .unreachable: MetricsctlExit.unreachable
        }
    }

    /// The stderr lines: `error: <message>`, then the details a user acts on (the bad field, the error code).
    var lines: [String] {
        switch self {
        case .daemon(let error):
            var lines = ["error: \(error.message)"]
            if case .string(let field)? = error.data?["field"] {
                lines.append("field: \(field)")
            }
            lines.append("code: \(error.code)")
            return lines
        case .unreachable(let error):
            var lines = ["error: \(error.description)"]
            if case .cannotConnect = error {
                lines.append("hint: is metricsd running? Pass --socket or set METRICSD_SOCKET to its socket path.")
            }
            return lines
        }
    }
}
