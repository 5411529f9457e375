import GRDBSQLite
import MetricsCore
import Synchronization

/// The daemon's hottest read — a post's newest snapshot — on read-only SQLite connections of its own.
///
/// Measured (scripts/bench/rpc): going through GRDB's pool costs a `DispatchQueue.sync`, a lock and a
/// transaction per call, several times the index seeks themselves. Here a caller takes a connection with its
/// statement already prepared from a mutex-guarded free list (uncontended: a few nanoseconds), binds, steps,
/// resets, and gives it back. WAL lets these readers run beside the writer without waiting for it; each step
/// of the statement reads one consistent snapshot.
final class LatestMetricsReader: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One connection and its prepared statement; used by one caller at a time.
    private final class Connection: @unchecked Sendable {
        let database: OpaquePointer
        let statement: OpaquePointer

        init(path: String, sql: String, busyTimeoutMilliseconds: Int32) throws {
            var database: OpaquePointer?
            let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
            guard sqlite3_open_v2(path, &database, flags, nil) == SQLITE_OK, let database else {
                let message = database.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                sqlite3_close(database)
                throw Failure(description: "cannot open \(path) for reading: \(message)")
            }
            sqlite3_busy_timeout(database, busyTimeoutMilliseconds)
            var statement: OpaquePointer?
            guard sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
                  let statement
            else {
                let message = String(cString: sqlite3_errmsg(database))
                sqlite3_close(database)
                throw Failure(description: "cannot prepare the latest-metrics query: \(message)")
            }
            self.database = database
            self.statement = statement
        }

        deinit {
            sqlite3_finalize(statement)
            sqlite3_close(database)
        }
    }

    private let path: String
    private let sql: String
    private let busyTimeoutMilliseconds: Int32
    private let idle = Mutex<[Connection]>([])

    init(path: String, sql: String, busyTimeoutMilliseconds: Int32) {
        self.path = path
        self.sql = sql
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    }

    /// The platform and newest snapshot of `postId`; nil when no such post exists.
    func latest(postId: String) throws -> (platform: String, capturedAt: Int64?, values: MetricValues)? {
        let connection = try take()
        defer { giveBack(connection) }
        let statement = connection.statement
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        // SQLITE_TRANSIENT: SQLite copies the text, so the Swift string's buffer need not outlive the call.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        guard sqlite3_bind_text(statement, 1, postId, -1, transient) == SQLITE_OK else {
            throw Failure(description: String(cString: sqlite3_errmsg(connection.database)))
        }
        switch sqlite3_step(statement) {
        case SQLITE_ROW:
            let platform = String(cString: sqlite3_column_text(statement, 0))
            func integer(_ column: Int32) -> Int64? {
                sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
            }
            let values = MetricValues(
                impressions: integer(2), views: integer(3), reach: integer(4), likes: integer(5), comments: integer(6),
                shares: integer(7), saves: integer(8))
            return (platform, integer(1), values)
        case SQLITE_DONE:
            return nil
        default:
            throw Failure(description: String(cString: sqlite3_errmsg(connection.database)))
        }
    }

    private func take() throws -> Connection {
        if let connection = idle.withLock({ $0.popLast() }) {
            return connection
        }
        return try Connection(path: path, sql: sql, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    }

    private func giveBack(_ connection: Connection) {
        idle.withLock { $0.append(connection) }
    }

    /// Closes the idle connections (those in use close when their caller gives them back and the reader is gone).
    func close() {
        idle.withLock { $0.removeAll() }
    }
}
