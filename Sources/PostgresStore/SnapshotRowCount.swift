import Logging
import PostgresNIO

/// The snapshot row count `health` reports, kept in the same transactions as the snapshots (counting millions of
/// rows is not a health check) but spread over `shards` rows: a single row would be updated by every writer of every
/// daemon, and each would wait for the others' commits. A transaction adds to the row of its server process.
enum SnapshotRowCount {
    static let shards = 16

    static func add(_ delta: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.run("""
            INSERT INTO snapshot_row_counts (shard, value) VALUES (pg_backend_pid() % \(Int32(shards)), \(delta))
            ON CONFLICT (shard) DO UPDATE SET value = snapshot_row_counts.value + excluded.value
            """, logger)
    }

    static func total(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        try await connection.first("SELECT coalesce(sum(value), 0)::bigint FROM snapshot_row_counts", logger) {
            try $0.next(Int64.self)
        } ?? 0
    }
}
