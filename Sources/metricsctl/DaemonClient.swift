import JSON
import JSONRPC
import RPCClient

/// One connection to the daemon, with answers already sorted into "result" or a `CommandFailure`, so a
/// subcommand's `run()` reads as the happy path.
struct DaemonClient {
    let connection: RPCConnection

    /// `onNotification` receives what the daemon sends before the reply (a refresh's `progress`).
    func call(
        _ method: String, _ params: JSON? = nil, onNotification: (String, JSON) -> Void = { _, _ in }
    ) throws(CommandFailure) -> JSON {
        let answer: Result<JSON, RPCError>
        do {
            answer = try connection.call(method, params: params, onNotification: onNotification)
        } catch {
            throw .unreachable(error)
        }
        switch answer {
        case .success(let result): return result
        case .failure(let error): throw .daemon(error)
        }
    }
}
