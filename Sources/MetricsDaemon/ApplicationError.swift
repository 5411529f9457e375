import JSON
import JSONRPC
import Logging
import PlatformClients
import RefreshEngine
import StorageContract

/// The daemon's own JSON-RPC error codes (-32000…-32099), each documented in Schemas/openrpc.json.
enum ApplicationErrorCode {
    /// Too many connections: sent by the server layer (`RPCError.serverBusy`), listed here so all codes are
    /// in one place.
    static let serverBusy = RPCError.serverBusyCode
    /// A referenced workspace, account, post or run does not exist. `data`: `{field, id}`.
    static let notFound = -32001
    /// The write contradicts stored state (ids registered elsewhere, platform change). `data`: `{field}`.
    static let conflict = -32002
    /// The database could not serve the call (disk full, locked past the busy timeout). Retry later.
    static let storageUnavailable = -32003
    /// The account's token no longer works (expired, needs reconnect): register it again. `data`: `{field}`.
    static let accountNotConnected = -32004
    /// The daemon is shutting down and starts no new refresh runs. Retry against the next daemon.
    static let shuttingDown = -32005
    /// The platform refused or failed a call the method needed (e.g. `syncPosts`). `data`: `{platform}`.
    static let platformError = -32006
    /// The caller's role or workspaces do not cover the call (`--access`). `data`: `{method, workspaceId?}`.
    static let permissionDenied = -32007
}

/// The one place where domain errors become JSON-RPC errors.
struct RPCErrorMapping: Sendable {
    let logger: Logger

    private static func rpcError(_ error: StoreError, field: String) -> RPCError {
        switch error.kind {
        case .notFound(_, let id):
            RPCError(
                code: ApplicationErrorCode.notFound, message: "Not found: \(field): \(error.message)",
                data: ["field": .string(field), "id": .string(id)])
        case .conflict:
            RPCError(code: ApplicationErrorCode.conflict, message: "Conflict: \(field): \(error.message)", data: ["field": .string(field)])
        case .invalid:
            .invalidParams(field: field, reason: error.message)
        }
    }

    func map(_ error: any Error, method: String) -> RPCError {
        switch error {
        case let denied as AccessDenied:
            var data: JSONObject = ["method": .string(denied.method)]
            if let workspaceId = denied.workspaceId { data.append("workspaceId", .string(workspaceId)) }
            return RPCError(code: ApplicationErrorCode.permissionDenied, message: "Permission denied", data: .object(data))
        case let located as LocatedStoreError:
            return Self.rpcError(located.error, field: located.field)
        case let error as StoreError:
            // Not about one item of many: the input's name is the param's.
            return Self.rpcError(error, field: error.input.rawValue)
        case let error as RefreshEngineError:
            switch error.kind {
            case .accountNotConnected:
                return RPCError(
                    code: ApplicationErrorCode.accountNotConnected, message: "Account not connected: \(error.message)",
                    data: error.field.map { ["field": .string($0)] })
            case .shuttingDown:
                return RPCError(code: ApplicationErrorCode.shuttingDown, message: "Shutting down: \(error.message)")
            }
        case let unknown as UnknownSubscription:
            return RPCError(
                code: ApplicationErrorCode.notFound, message: "Not found: subscription: no subscription \"\(unknown.id)\" on this connection",
                data: ["field": "subscription", "id": .string(unknown.id)])
        case let expired as EventsExpired:
            return RPCError(
                code: RPCError.invalidParamsCode, message: "Invalid params: fromSeq: \(expired.description)",
                data: ["field": "fromSeq", "reason": .string(expired.description), "oldestSeq": .int(expired.oldestSeq)])
        case let error as PlatformError:
            return RPCError(
                code: ApplicationErrorCode.platformError, message: "Platform error: \(error)",
                data: ["platform": .string(error.platform.rawValue)])
        default:
            if let reason = StorageUnavailable.reason(of: error) {
                logger.error("storage unavailable", metadata: ["method": "\(method)", "error": "\(failureSentence(error))"])
                return RPCError(
                    code: ApplicationErrorCode.storageUnavailable, message: "Storage unavailable: \(reason); retry later")
            }
            logger.error("internal error", metadata: ["method": "\(method)", "error": "\(failureSentence(error))"])
            return .internalError
        }
    }
}
