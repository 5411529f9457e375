/// Why a call did not get an answer. (An answer that is a JSON-RPC error is not one of these: it is a
/// `Result.failure(RPCError)` from `call`.)
public enum RPCClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing accepts connections at the path (no daemon, wrong path, permissions).
    case cannotConnect(path: String, reason: String)
    /// The connection broke or timed out mid-call.
    case connectionLost(String)
    /// The daemon sent something that is not a JSON-RPC reply.
    case invalidReply(String)

    public var description: String {
        switch self {
        case .cannotConnect(let path, let reason): "cannot connect to \(path): \(reason)"
        case .connectionLost(let reason): "connection to the daemon lost: \(reason)"
        case .invalidReply(let reason): "invalid reply from the daemon: \(reason)"
        }
    }
}
