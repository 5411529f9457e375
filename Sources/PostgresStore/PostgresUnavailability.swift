import _ConnectionPoolModule
import NIOCore
import PostgresNIO
import StorageContract

/// Which failures mean "the database cannot serve now" (`StorageUnavailable`: -32003, `health` failing, the store
/// reconnecting behind it) and which are errors of this code (kept as they are: -32603).
///
/// Unavailable: no connection (refused, reset, closed, timed out, the pool's circuit breaker), the server refusing
/// this client (authentication, an unknown database, too many connections), and the server unable to do work
/// (shutting down or starting, in recovery or read-only, out of disk or memory, an I/O error). Everything else a
/// server says — a syntax error, a type mismatch, a violated constraint — is a bug here and stays an error.
enum PostgresUnavailability {
    /// A short reason safe to show a caller (no SQL, no password), or nil when `error` is not about availability.
    static func reason(_ error: any Error) -> String? {
        switch error {
        case let unavailable as StorageUnavailable:
            return unavailable.reason
        case let error as PSQLError:
            return reason(error)
        case let error as PostgresTransactionError:
            for inner in [error.beginError, error.closureError, error.commitError].compactMap({ $0 }) {
                if let reason = reason(inner) { return reason }
            }
            return nil
        case let error as ConnectionPoolError where error == .connectionCreationCircuitBreakerTripped:
            return "cannot connect to the database"
        case let error as ConnectionPoolError where error == .poolShutdown:
            return "the database connection pool is closed"
        case let error as IOError:
            return "cannot connect to the database: \(error.description)"
        case is ChannelError, is NIOConnectionError:
            return "cannot connect to the database: \(error)"
        default:
            return nil
        }
    }

    private static func reason(_ error: PSQLError) -> String? {
        switch error.code {
        case .server:
            guard let state = error.serverInfo?[.sqlState] else { return nil }
            let message = error.serverInfo?[.message] ?? state
            switch state.prefix(2) {
            // connection exception, insufficient resources, operator intervention, system error, invalid
            // authorization, invalid catalog (the database does not exist)
            case "08", "53", "57", "58", "28", "3D":
                return "database refused: \(message)"
            default:
                // read-only (a standby, or default_transaction_read_only), and "cannot connect now" in class 57.
                return state == "25006" ? "database is read-only: \(message)" : nil
            }
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            let underlying = error.underlying.map { ": \($0)" } ?? ""
            return "lost the connection to the database\(underlying)"
        case .poolClosed:
            return "the database connection pool is closed"
        case .sslUnsupported:
            return "the database server does not offer TLS (sslmode requires it)"
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return "TLS with the database failed"
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return "cannot authenticate to the database (is a password set: in the URL, PGPASSWORD or ~/.pgpass?)"
        default:
            return nil
        }
    }

    /// A transient conflict with another transaction, worth running the transaction again: serialization failure,
    /// deadlock, and a unique violation from two daemons inserting the same key at once (the retry sees the other's
    /// row, and the method's own checks then answer as they would have).
    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01" || state == "23505"
    }

    /// The error a transaction's body threw, rather than postgres-nio's wrapper around it.
    static func unwrap(_ error: any Error) -> any Error {
        guard let error = error as? PostgresTransactionError else { return error }
        return error.closureError ?? error.beginError ?? error.commitError ?? error
    }
}
