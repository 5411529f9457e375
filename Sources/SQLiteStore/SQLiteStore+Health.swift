import Foundation
import GRDB
import MetricsCore
import StorageContract

/// The facts `health` reports about the database, and the run records.
extension SQLiteStore {

    public func healthFacts() throws -> HealthFacts {
        try pool.read { db in
            let pageCount = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            var byStatus: [AccountStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM accounts GROUP BY status") {
                byStatus[try row.decode(atIndex: 0)] = try row.decode(atIndex: 1)
            }
            let lastRun = try RunRecord.newest(db, limit: 1).first
            let failing = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM posts INDEXED BY posts_failing WHERE consecutive_failures >= ? AND consecutive_failures > 0",
                arguments: [schedule.failures.failingAfter]) ?? 0
            let snapshotRows = try Int64.fetchOne(db, sql: "SELECT value FROM store_stats WHERE name = 'snapshot_rows'") ?? 0
            let soon = clock.now.milliseconds + HealthFacts.tokenExpiryWarningMilliseconds
            return HealthFacts(
                sizeBytes: pageCount * pageSize + walBytes(), accountsByStatus: byStatus, lastRun: lastRun, failingPosts: failing,
                snapshotRows: snapshotRows, lastRetention: try Self.lastRetentionPass(db),
                tokensExpiringSoon: try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM accounts WHERE status = 'connected' AND (
                        (refresh_token IS NOT NULL AND refresh_token_expires_at < ?) OR (refresh_token IS NULL AND token_expires_at < ?))
                    """, arguments: [soon, soon]) ?? 0)
        }
    }

    private func walBytes() -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "-wal")
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The newest runs first.
    public func listRuns(limit: Int, before: Int64? = nil) throws -> [RefreshRunInfo] {
        try pool.read { db in
            var request = RunRecord.order(RunRecord.Columns.id.desc).limit(limit)
            if let before { request = request.filter(RunRecord.Columns.id < before) }
            return try request.fetchAll(db).map(\.info)
        }
    }

    public func run(id: Int64) throws -> RefreshRunInfo? {
        try pool.read { db in try RunRecord.fetchOne(db, key: id)?.info }
    }
}
