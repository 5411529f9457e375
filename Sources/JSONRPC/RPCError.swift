import JSON

/// A JSON-RPC error object: what a failed call answers with.
///
/// Only the protocol layer and the daemon's error mapping create these; domain code throws its own typed
/// errors and the boundary translates them, so codes live in one place.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSON?

    public init(code: Int, message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "\(code) \(message)" }

    public var json: JSON {
        var object: JSONObject = ["code": .int(code), "message": .string(message)]
        if let data { object.append("data", data) }
        return .object(object)
    }

    // MARK: The spec's codes

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603

    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: parseErrorCode, message: "Parse error: \(detail)")
    }

    public static func invalidRequest(_ detail: String, data: JSON? = nil) -> RPCError {
        RPCError(code: invalidRequestCode, message: "Invalid Request: \(detail)", data: data)
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: methodNotFoundCode, message: "Method not found: \(method)", data: ["method": .string(method)])
    }

    /// `field` is a path into params (`posts[3].postedAt`), so a caller can find the bad value in a big call.
    public static func invalidParams(field: String, reason: String) -> RPCError {
        RPCError(
            code: invalidParamsCode,
            message: "Invalid params: \(field): \(reason)",
            data: ["field": .string(field), "reason": .string(reason)]
        )
    }

    /// Deliberately vague: the detail goes to the daemon's log, not to the client.
    public static let internalError = RPCError(code: internalErrorCode, message: "Internal error")

    // MARK: The server's own

    /// In JSON-RPC's server-error range (-32000…-32099) with the daemon's own codes, but raised here: the
    /// transport refuses the connection before any method, or the daemon's error mapping, is involved.
    public static let serverBusyCode = -32000

    /// Sent (with id null) to a connection beyond the server's cap, which is then closed: the client should
    /// retry later rather than treat the daemon as down.
    public static func serverBusy(maximumConnections: Int) -> RPCError {
        RPCError(
            code: serverBusyCode,
            message: "Server busy: more than \(maximumConnections) connections; try again later",
            data: ["maximumConnections": .int(maximumConnections)])
    }
}
