import MetricsCore
import PostgresNIO
import StorageContract

/// Retention, with the SQLite store's rules (`SQLiteStore+Retention`): raw snapshots older than `keepRawDays` local
/// days are thinned to the last one of each local day (the point the day's rollup holds); with `keepDays`,
/// everything older than that goes, rollups and totals included.
///
/// In small transactions — 200 posts, or 5,000 deleted rows, at a time — so no refresh batch of any daemon waits long
/// behind it. Each transaction locks its posts as the snapshot writers do, so a refresh writing one of them waits for
/// that transaction only. The emptied pages are PostgreSQL's (auto)vacuum's to reuse: there is no file to shrink.
extension PostgresStore {
    /// One pass over every workspace. Returns what it did, and records it for `health`.
    @discardableResult
    public func retentionPass(_ policy: RetentionPolicy) async throws -> RetentionPass {
        let logger = self.logger
        let startedAt = clock.now
        let workspaces = try await withConnection { connection in
            try await connection.all("SELECT id, time_zone FROM workspaces ORDER BY id", logger) { row in
                (id: try row.next(String.self), calendar: LocalCalendar(identifier: try row.next(String.self)) ?? .utc)
            }
        }
        let (deleted, transactions) = try await RetentionSweep(policy: policy, clock: clock).run(
            over: workspaces,
            retain: { workspaceId, afterKey, cuts in
                try await transaction { connection in
                    try await Self.retain(connection, logger, workspaceId: workspaceId, afterKey: afterKey, cuts: cuts)
                }
            },
            dropTotals: { workspaceId, day in
                try await transaction { connection in
                    try await connection.run("DELETE FROM daily_totals WHERE workspace_id = \(workspaceId) AND day < \(day)", logger)
                }
            })
        _ = try await deleteOldEvents(policy)
        // Another daemon's retention is not notified: only a post's oldest points go, never the newest it still has.
        if deleted > 0 { latestCache.invalidateAll() }
        let pass = RetentionPass(startedAt: startedAt, finishedAt: clock.now, deletedSnapshots: deleted, transactions: transactions)
        try await transaction { connection in
            try await connection.run("""
                INSERT INTO store_stats (name, value)
                VALUES ('retention_started_at', \(pass.startedAt.milliseconds)), ('retention_finished_at', \(pass.finishedAt.milliseconds)),
                       ('retention_deleted', \(pass.deletedSnapshots))
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, logger)
        }
        return pass
    }

    /// One small transaction: the next posts of a workspace after `afterKey`. Returns the last key handled (nil when
    /// there were none left) and the snapshots deleted.
    private static func retain(
        _ connection: PostgresConnection, _ logger: Logger, workspaceId: String, afterKey: Int64, cuts: RetentionSweep.Cuts
    ) async throws -> (Int64?, Int64) {
        let (rawCutoff, cutoff, oldestDay) = (cuts.rawCutoff, cuts.cutoff, cuts.oldestDay)
        let keys = try await connection.all("""
            SELECT key FROM posts WHERE workspace_id = \(workspaceId) AND key > \(afterKey) ORDER BY key
            LIMIT \(Int64(RetentionPolicy.postsPerTransaction)) FOR NO KEY UPDATE
            """, logger) { try $0.next(Int64.self) }
        guard let lastKey = keys.last else { return (nil, 0) }
        var deleted: Int64 = 0
        var handled = lastKey
        for key in keys {
            if let cutoff, let oldestDay {
                deleted += try await count(connection, logger, """
                    WITH gone AS (DELETE FROM snapshots WHERE post_key = \(key) AND captured_at < \(cutoff.milliseconds) RETURNING 1)
                    SELECT count(*) FROM gone
                    """)
                try await connection.run("DELETE FROM daily_rollups WHERE post_key = \(key) AND day < \(oldestDay)", logger)
            }
            if let rawCutoff {
                // Keep each old day's last point: the one its rollup holds.
                deleted += try await count(connection, logger, """
                    WITH gone AS (
                        DELETE FROM snapshots WHERE post_key = \(key) AND captured_at < \(rawCutoff.milliseconds)
                        AND captured_at NOT IN (SELECT captured_at FROM daily_rollups WHERE post_key = \(key))
                        RETURNING 1)
                    SELECT count(*) FROM gone
                    """)
            }
            if deleted >= Int64(RetentionPolicy.rowsPerTransaction) {
                handled = key
                break
            }
        }
        if deleted > 0 {
            try await SnapshotRowCount.add(-deleted, connection, logger)
        }
        return (handled, deleted)
    }

    private static func count(_ connection: PostgresConnection, _ logger: Logger, _ query: PostgresQuery) async throws -> Int64 {
        try await connection.first(query, logger) { try $0.next(Int64.self) } ?? 0
    }

    /// The last retention pass, if any.
    public func lastRetentionPass() async throws -> RetentionPass? {
        let logger = self.logger
        return try await withConnection { connection in try await Self.lastRetentionPass(connection, logger) }
    }

    static func lastRetentionPass(_ connection: PostgresConnection, _ logger: Logger) async throws -> RetentionPass? {
        var values: [String: Int64] = [:]
        for (name, value) in try await connection.all(
            "SELECT name, value FROM store_stats WHERE name LIKE 'retention\\_%'", logger, { row in (try row.next(String.self), try row.next(Int64.self)) })
        {
            values[name] = value
        }
        guard let started = values["retention_started_at"], let finished = values["retention_finished_at"] else { return nil }
        return RetentionPass(
            startedAt: Timestamp(milliseconds: started), finishedAt: Timestamp(milliseconds: finished),
            deletedSnapshots: values["retention_deleted"] ?? 0, transactions: 0)
    }
}
