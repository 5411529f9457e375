import JSONRPC
import Logging
import MetricsStore

/// The daemon's own JSON-RPC error codes (-32000…-32099), each documented in Schemas/openrpc.json.
enum ApplicationErrorCode {
    /// Too many connections (sent by the server layer, listed here so all codes are in one place).
    static let serverBusy = -32000
    /// A referenced workspace, account, post or run does not exist. `data`: `{field, id}`.
    static let notFound = -32001
    /// The write contradicts stored state (ids registered elsewhere, platform change). `data`: `{field}`.
    static let conflict = -32002
    /// The database could not serve the call (disk full, locked past the busy timeout). Retry later.
    static let storageUnavailable = -32003
}

/// The one place where domain errors become JSON-RPC errors.
struct RPCErrorMapping: Sendable {
    let logger: Logger

    func map(_ error: any Error, method: String) -> RPCError {
        switch error {
        case let error as StoreError:
            switch error.kind {
            case .notFound(_, let id):
                return RPCError(
                    code: ApplicationErrorCode.notFound, message: "Not found: \(error.field): \(error.message)",
                    data: ["field": .string(error.field), "id": .string(id)])
            case .conflict:
                return RPCError(
                    code: ApplicationErrorCode.conflict, message: "Conflict: \(error.field): \(error.message)",
                    data: ["field": .string(error.field)])
            case .invalid:
                return .invalidParams(field: error.field, reason: error.message)
            }
        default:
            if let reason = MetricsStore.unavailability(of: error) {
                logger.error("storage unavailable", metadata: ["method": "\(method)", "error": "\(error)"])
                return RPCError(
                    code: ApplicationErrorCode.storageUnavailable, message: "Storage unavailable: \(reason); retry later")
            }
            logger.error("internal error", metadata: ["method": "\(method)", "error": "\(error)"])
            return .internalError
        }
    }
}
