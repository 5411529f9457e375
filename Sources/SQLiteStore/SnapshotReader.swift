import GRDB
import GRDBSQLite
import MetricsCore
import StorageContract
import Synchronization

/// The daemon's hot reads — a post's newest snapshot, a range of its history — on read-only SQLite connections
/// of its own, each with its statements prepared once.
///
/// Measured (scripts/bench/rpc, and `history` of 30 points over 1M rows): going through GRDB's pool costs a
/// `DispatchQueue.sync`, a lock and a transaction per call, and its `Row` decoding a dynamic cast per column,
/// several times the index seeks themselves. Here a caller takes a connection from a mutex-guarded free list
/// (uncontended: a few nanoseconds), binds, steps, resets, and gives it back. WAL lets these readers run beside
/// the writer without waiting for it; each statement reads one consistent snapshot. Failures are GRDB's
/// `DatabaseError`, so the daemon maps a busy or broken database the same way whichever path met it.
final class SnapshotReader: Sendable {
    struct HistoryRow: Sendable {
        var capturedAt: Int64
        var values: MetricValues
    }

    /// One connection and its prepared statements; used by one caller at a time.
    private final class Connection: @unchecked Sendable {
        let database: OpaquePointer
        let latest: OpaquePointer
        let history: OpaquePointer
        let postExists: OpaquePointer

        init(path: String, busyTimeoutMilliseconds: Int32) throws {
            var database: OpaquePointer?
            let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
            guard sqlite3_open_v2(path, &database, flags, nil) == SQLITE_OK, let database else {
                let code = database.map(sqlite3_errcode) ?? SQLITE_NOMEM
                let message = database.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                sqlite3_close(database)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot open \(path) for reading: \(message)")
            }
            sqlite3_busy_timeout(database, busyTimeoutMilliseconds)
            var prepared: [OpaquePointer] = []
            for sql in [SQLiteStore.latestByPostSQL, SQLiteStore.historySQL, "SELECT 1 FROM posts WHERE id = ?"] {
                var statement: OpaquePointer?
                guard sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
                      let statement
                else {
                    let error = DatabaseError(
                        resultCode: ResultCode(rawValue: sqlite3_errcode(database)), message: String(cString: sqlite3_errmsg(database)),
                        sql: sql)
                    prepared.forEach { sqlite3_finalize($0) }
                    sqlite3_close(database)
                    throw error
                }
                prepared.append(statement)
            }
            self.database = database
            (latest, history, postExists) = (prepared[0], prepared[1], prepared[2])
        }

        deinit {
            [latest, history, postExists].forEach { sqlite3_finalize($0) }
            sqlite3_close(database)
        }

        func error() -> DatabaseError {
            DatabaseError(resultCode: ResultCode(rawValue: sqlite3_errcode(database)), message: String(cString: sqlite3_errmsg(database)))
        }
    }

    private let path: String
    private let busyTimeoutMilliseconds: Int32
    private let idle = Mutex<[Connection]>([])

    init(path: String, busyTimeoutMilliseconds: Int32) {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    }

    /// The platform and newest snapshot of `postId` (capturedAt nil when it has none); nil when no such post exists.
    func latest(postId: String) throws -> (platform: String, capturedAt: Int64?, values: MetricValues)? {
        try withStatement(\.latest, binding: { statement in
            try Self.bind(postId, at: 1, statement)
        }) { statement, connection in
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                let platform = String(cString: sqlite3_column_text(statement, 0))
                return (platform, Self.integer(statement, 1), Self.values(statement, from: 2))
            case SQLITE_DONE:
                return nil
            default:
                throw connection.error()
            }
        }
    }

    /// At most `limit` snapshots of `postId` with `since <= capturedAt <= until`, oldest first (primary-key order,
    /// no sort); empty also for an unknown post, which `postExists` tells apart.
    func history(postId: String, since: Int64, until: Int64, limit: Int) throws -> [HistoryRow] {
        try withStatement(\.history, binding: { statement in
            try Self.bind(postId, at: 1, statement)
            sqlite3_bind_int64(statement, 2, since)
            sqlite3_bind_int64(statement, 3, until)
            sqlite3_bind_int64(statement, 4, Int64(limit))
        }) { statement, connection in
            var rows: [HistoryRow] = []
            rows.reserveCapacity(min(limit, 1024))
            while true {
                switch sqlite3_step(statement) {
                case SQLITE_ROW:
                    rows.append(HistoryRow(capturedAt: sqlite3_column_int64(statement, 0), values: Self.values(statement, from: 1)))
                case SQLITE_DONE:
                    return rows
                default:
                    throw connection.error()
                }
            }
        }
    }

    func postExists(_ postId: String) throws -> Bool {
        try withStatement(\.postExists, binding: { try Self.bind(postId, at: 1, $0) }) { statement, connection in
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw connection.error()
            }
        }
    }

    /// Closes the idle connections (those in use close when their caller gives them back and the reader is gone).
    func close() {
        idle.withLock { $0.removeAll() }
    }

    // MARK: Connections and statements

    private func withStatement<T>(
        _ which: KeyPath<Connection, OpaquePointer>, binding bind: (OpaquePointer) throws -> Void,
        _ body: (OpaquePointer, Connection) throws -> T
    ) throws -> T {
        let connection = try take()
        defer { giveBack(connection) }
        let statement = connection[keyPath: which]
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(statement)
        return try body(statement, connection)
    }

    private func take() throws -> Connection {
        if let connection = idle.withLock({ $0.popLast() }) {
            return connection
        }
        return try Connection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    }

    private func giveBack(_ connection: Connection) {
        idle.withLock { $0.append(connection) }
    }

    private static func bind(_ text: String, at index: Int32, _ statement: OpaquePointer) throws {
        // SQLITE_TRANSIENT: SQLite copies the text, so the Swift string's buffer need not outlive the call.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let code = sqlite3_bind_text(statement, index, text, -1, transient)
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind a post id")
        }
    }

    private static func integer(_ statement: OpaquePointer, _ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    /// The seven metric columns, in `MetricValues.names` order, starting at `first`.
    private static func values(_ statement: OpaquePointer, from first: Int32) -> MetricValues {
        MetricValues(
            impressions: integer(statement, first), views: integer(statement, first + 1), reach: integer(statement, first + 2),
            likes: integer(statement, first + 3), comments: integer(statement, first + 4), shares: integer(statement, first + 5),
            saves: integer(statement, first + 6))
    }
}
