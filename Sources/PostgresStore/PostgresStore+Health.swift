import MetricsCore
import PostgresNIO
import StorageContract

/// The facts `health` reports about the database.
extension PostgresStore {
    /// One connection, a handful of statements: the database's size as the server counts it (tables, indexes and
    /// their free space), accounts by status, the last run, failing posts, the snapshot row count, the last retention.
    public func healthFacts() async throws -> HealthFacts {
        let logger = self.logger
        let failingAfter = Int32(clamping: schedule.failures.failingAfter)
        let soon = nowMilliseconds + HealthFacts.tokenExpiryWarningMilliseconds
        return try await withConnection { connection in
            let size = try await connection.first("SELECT pg_database_size(current_database())", logger) { try $0.next(Int64.self) } ?? 0
            var byStatus: [AccountStatus: Int] = [:]
            for (status, count) in try await connection.all(
                "SELECT status, count(*) FROM accounts GROUP BY status", logger, { row in (try row.next(AccountStatus.self), try row.next(Int64.self)) })
            {
                byStatus[status] = Int(count)
            }
            let lastRun = try await Self.runs(connection, logger, limit: 1, before: nil).first
            let failing = try await connection.first("""
                SELECT count(*) FROM posts WHERE consecutive_failures >= \(failingAfter) AND consecutive_failures > 0
                """, logger) { try $0.next(Int64.self) } ?? 0
            return HealthFacts(
                sizeBytes: size, accountsByStatus: byStatus, lastRun: lastRun, failingPosts: Int(failing),
                snapshotRows: try await SnapshotRowCount.total(connection, logger),
                lastRetention: try await Self.lastRetentionPass(connection, logger),
                tokensExpiringSoon: Int(try await connection.first("""
                    SELECT count(*) FROM accounts WHERE status = 'connected' AND (
                        (refresh_token IS NOT NULL AND refresh_token_expires_at < \(soon)) OR (refresh_token IS NULL AND token_expires_at < \(soon)))
                    """, logger) { try $0.next(Int64.self) } ?? 0))
        }
    }
}
