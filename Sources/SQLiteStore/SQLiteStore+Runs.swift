import GRDB
import MetricsCore
import StorageContract

/// Refresh run records.
extension SQLiteStore {
    /// Runs left `running` by a daemon that died are `interrupted`: nothing will finish them.
    @discardableResult
    public func markRunningRunsInterrupted() async throws -> Int {
        let now = clock.now.milliseconds
        return try await pool.write { db in
            try db.execute(
                sql: "UPDATE refresh_runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'",
                arguments: [now])
            return db.changesCount
        }
    }

    public func startRun(trigger: RefreshTrigger, scope: String, at startedAt: Timestamp) async throws -> Int64 {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO refresh_runs (trigger, scope, status, started_at) VALUES (?, ?, 'running', ?)",
                arguments: [trigger.rawValue, scope, startedAt.milliseconds])
            return db.lastInsertedRowID
        }
    }

    public func finishRun(id: Int64, status: RefreshRunStatus, summary: String?, at finishedAt: Timestamp) async throws {
        try await writeWithEvents { db, events in
            guard let row = try Row.fetchOne(db, sql: "SELECT trigger, scope, started_at FROM refresh_runs WHERE id = ?", arguments: [id])
            else { return }
            try db.execute(
                sql: "UPDATE refresh_runs SET status = ?, summary = ?, finished_at = ? WHERE id = ?",
                arguments: [status.rawValue, summary, finishedAt.milliseconds, id])
            try events.append(
                .run, workspaceId: RunScopeText.workspaceId(row["scope"]),
                data: EventData.run(
                    runId: id, trigger: row["trigger"], status: status.rawValue, startedAt: row["started_at"], finishedAt: finishedAt,
                    summary: summary))
        }
    }

    public func failureCount(runId: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM refresh_errors WHERE run_id = ?", arguments: [runId]) ?? 0
        }
    }
}
