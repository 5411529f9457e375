import MetricsCore
import PostgresNIO
import StorageContract

/// Refresh run records.
extension PostgresStore {
    /// Runs left `running` by a daemon that died are `interrupted`: nothing will finish them. Several daemons share
    /// this table, so only runs whose member is not alive (left, or silent past its lease) or that name no member
    /// (a daemon outside any cluster) are theirs to mark: a live daemon's runs are left running. Shared runs are
    /// not marked either, even when their starter is gone: the other members finish their work and write their
    /// report (`orphanedSharedRuns`).
    @discardableResult
    public func markRunningRunsInterrupted() async throws -> Int {
        let now = nowMilliseconds
        let logger = self.logger
        return try await transaction { connection in
            try await connection.rows("""
                UPDATE refresh_runs r SET status = 'interrupted', finished_at = \(now)
                WHERE r.status = 'running' AND r.scope_key IS NULL AND (r.member_id IS NULL OR NOT EXISTS (
                    SELECT 1 FROM cluster_members m WHERE m.id = r.member_id AND \(unescaped: ClusterSchema.alive("m"))))
                RETURNING 1
                """, logger).count
        }
    }

    /// A run of this daemon alone (the planner's, or any run outside a cluster), recorded with the member this store
    /// serves, if any, so other daemons know whose it is.
    public func startRun(trigger: RefreshTrigger, scope: String, at startedAt: Timestamp) async throws -> Int64 {
        let logger = self.logger
        let member = memberId
        return try await transaction { connection in
            guard let id = try await connection.first("""
                INSERT INTO refresh_runs (trigger, scope, status, started_at, member_id) VALUES (\(trigger.rawValue), \(scope), 'running',
                \(startedAt.milliseconds), \(member)) RETURNING id
                """, logger, { try $0.next(Int64.self) })
            else { throw UndecodableColumn(column: "id", expected: "the new run's id", found: "no row") }
            return id
        }
    }

    public func finishRun(id: Int64, status: RefreshRunStatus, summary: String?, at finishedAt: Timestamp) async throws {
        let logger = self.logger
        try await writeWithEvents { connection, events in
            guard let (trigger, scope, startedAt) = try await connection.first("""
                UPDATE refresh_runs SET status = \(status.rawValue), summary = \(summary), finished_at = \(finishedAt.milliseconds)
                WHERE id = \(id)
                RETURNING trigger, scope, started_at
                """, logger, { row in (try row.next(String.self), try row.next(String?.self), try row.optionalTimestamp()) })
            else { return }
            events.append(
                .run, workspaceId: RunScopeText.workspaceId(scope),
                data: EventData.run(
                    runId: id, trigger: trigger, status: status.rawValue, startedAt: startedAt, finishedAt: finishedAt, summary: summary))
        }
    }

    public func failureCount(runId: Int64) async throws -> Int {
        let logger = self.logger
        return try await withConnection { connection in
            Int(try await connection.first("SELECT count(*) FROM refresh_errors WHERE run_id = \(runId)", logger) { try $0.next(Int64.self) } ?? 0)
        }
    }

    /// The newest runs first.
    public func listRuns(limit: Int, before: Int64?) async throws -> [RefreshRunInfo] {
        let logger = self.logger
        return try await withConnection { connection in
            try await Self.runs(connection, logger, limit: limit, before: before)
        }
    }

    public func run(id: Int64) async throws -> RefreshRunInfo? {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.first(
                "SELECT \(unescaped: Self.runColumns) FROM refresh_runs WHERE id = \(id)", logger) { try Self.runInfo(&$0) }
        }
    }

    static let runColumns = "id, trigger, scope, status, started_at, finished_at, summary"

    static func runs(_ connection: PostgresConnection, _ logger: Logger, limit: Int, before: Int64?) async throws -> [RefreshRunInfo] {
        try await connection.all("""
            SELECT \(unescaped: runColumns) FROM refresh_runs WHERE \(before)::bigint IS NULL OR id < \(before)
            ORDER BY id DESC LIMIT \(Int64(limit))
            """, logger) { try runInfo(&$0) }
    }

    static func runInfo(_ row: inout RowReader) throws -> RefreshRunInfo {
        RefreshRunInfo(
            id: try row.next(), trigger: try row.next(), scope: try row.next(), status: try row.next(), startedAt: try row.timestamp(),
            finishedAt: try row.optionalTimestamp(), summary: try row.next())
    }
}
