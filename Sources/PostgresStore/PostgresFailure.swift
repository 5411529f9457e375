import PostgresNIO
import StorageContract

/// A statement the server refused for a reason other than availability (a constraint, a type, a bug here): an
/// internal error at the boundary (-32603), and in the daemon's log a line an operator can act on.
///
/// postgres-nio's `PSQLError` describes itself only as "Generic description to prevent accidental leakage of
/// sensitive data", and its reflection carries the query and its bindings (tokens among them). This keeps what is
/// safe and useful: the SQLSTATE, the server's message and the constraint or column named, never the bindings.
public struct PostgresFailure: Error, Sendable, Hashable, CustomStringConvertible, DescribedFailure {
    public var sqlState: String?
    public var message: String

    public var description: String {
        "database error" + (sqlState.map { " \($0)" } ?? "") + ": " + message
    }

    public var sentence: String { description }

    /// `error` as a `PostgresFailure` when it is a `PSQLError`; anything else as it is.
    static func wrapping(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        guard error.code == .server, let info = error.serverInfo else {
            return PostgresFailure(sqlState: nil, message: "\(error.code)")
        }
        var message = info[.message] ?? "(no message)"
        if let constraint = info[.constraintName] { message += " (constraint \(constraint))" }
        if let column = info[.columnName] { message += " (column \(column))" }
        return PostgresFailure(sqlState: info[.sqlState], message: message)
    }
}
