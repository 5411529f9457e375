import GRDB
import MetricsCore
import StorageContract

/// Retention: raw snapshots older than `keepRawDays` local days are thinned to the last one of each local day (the
/// point the day's rollup holds), so `history` still answers one point per day for old periods; with `keepDays`,
/// everything older than that goes, rollups and totals included.
///
/// A pass works in small transactions — a few hundred posts, or a few thousand rows, at a time — so the writer is
/// never held long enough to stall a refresh batch waiting for it (reads never wait for it in WAL mode), and frees
/// the pages it emptied a few hundred at a time (`PRAGMA incremental_vacuum`, on databases created with
/// incremental auto-vacuum), so the file shrinks as the history does.
extension SQLiteStore {
    /// One pass over every workspace. Returns what it did, and records it for `health`.
    @discardableResult
    public func retentionPass(_ policy: RetentionPolicy) async throws -> RetentionPass {
        let startedAt = clock.now
        let workspaces = try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, time_zone FROM workspaces ORDER BY id").map { row in
                (id: row[0] as String, calendar: LocalCalendar(identifier: row[1]) ?? .utc)
            }
        }
        let (deleted, swept) = try await RetentionSweep(policy: policy, clock: clock).run(
            over: workspaces,
            retain: { workspaceId, afterKey, cuts in
                try await pool.write { db -> (Int64?, Int64) in try Self.retain(db, workspaceId: workspaceId, afterKey: afterKey, cuts: cuts) }
            },
            dropTotals: { workspaceId, day in
                try await pool.write { db in
                    try db.execute(sql: "DELETE FROM daily_totals WHERE workspace_id = ? AND day < ?", arguments: [workspaceId, day])
                }
            })
        _ = try await deleteOldEvents(policy)
        let transactions = swept + (try await releaseFreePages())
        let pass = RetentionPass(startedAt: startedAt, finishedAt: clock.now, deletedSnapshots: deleted, transactions: transactions)
        try await pool.write { db in
            for (name, value) in [
                ("retention_started_at", pass.startedAt.milliseconds), ("retention_finished_at", pass.finishedAt.milliseconds),
                ("retention_deleted", pass.deletedSnapshots),
            ] {
                try db.execute(
                    sql: "INSERT INTO store_stats (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    arguments: [name, value])
            }
        }
        if deleted > 0 { latestCache.invalidateAll() }
        return pass
    }

    /// One small transaction: the next posts of a workspace after `afterKey`. Returns the last key handled (nil
    /// when there were none left) and the snapshots deleted.
    private static func retain(_ db: Database, workspaceId: String, afterKey: Int64, cuts: RetentionSweep.Cuts) throws -> (Int64?, Int64) {
        let (rawCutoff, cutoff, oldestDay) = (cuts.rawCutoff, cuts.cutoff, cuts.oldestDay)
        let keys = try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT key FROM posts WHERE workspace_id = ? AND key > ? ORDER BY key LIMIT ?"),
            arguments: [workspaceId, afterKey, RetentionPolicy.postsPerTransaction])
        guard let lastKey = keys.last else { return (nil, 0) }
        var deleted: Int64 = 0
        var handled = lastKey
        for key in keys {
            if let cutoff {
                try db.cachedStatement(sql: "DELETE FROM snapshots WHERE post_key = ? AND captured_at < ?").execute(arguments: [key, cutoff])
                deleted += Int64(db.changesCount)
                try db.cachedStatement(sql: "DELETE FROM daily_rollups WHERE post_key = ? AND day < ?").execute(arguments: [key, oldestDay])
            }
            if let rawCutoff {
                // Keep each old day's last point: the one its rollup holds.
                try db.cachedStatement(sql: """
                    DELETE FROM snapshots WHERE post_key = ?1 AND captured_at < ?2
                    AND captured_at NOT IN (SELECT captured_at FROM daily_rollups WHERE post_key = ?1)
                    """).execute(arguments: [key, rawCutoff])
                deleted += Int64(db.changesCount)
            }
            if deleted >= RetentionPolicy.rowsPerTransaction {
                handled = key
                break
            }
        }
        if deleted > 0 {
            try db.execute(sql: "UPDATE store_stats SET value = value - ? WHERE name = 'snapshot_rows'", arguments: [deleted])
        }
        return (handled, deleted)
    }

    /// Gives the pages retention emptied back to the file system, a few hundred per transaction (a database made
    /// before incremental auto-vacuum keeps them for reuse instead). Returns the transactions used.
    private func releaseFreePages() async throws -> Int {
        var transactions = 0
        while true {
            try Task.checkCancellation()
            let free = try await pool.writeWithoutTransaction { db -> Int in
                guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 else { return 0 }
                let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
                if free > 0 { try db.execute(sql: "PRAGMA incremental_vacuum(500)") }
                return free
            }
            guard free > 0 else { return transactions }
            transactions += 1
        }
    }

    /// The last retention pass, if any.
    public func lastRetentionPass() throws -> RetentionPass? {
        try pool.read { db in try Self.lastRetentionPass(db) }
    }

    static func lastRetentionPass(_ db: Database) throws -> RetentionPass? {
        var values: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, value FROM store_stats WHERE name LIKE 'retention_%'") {
            values[row[0]] = row[1]
        }
        guard let started = values["retention_started_at"], let finished = values["retention_finished_at"] else { return nil }
        return RetentionPass(
            startedAt: Timestamp(milliseconds: started), finishedAt: Timestamp(milliseconds: finished),
            deletedSnapshots: values["retention_deleted"] ?? 0, transactions: 0)
    }
}
