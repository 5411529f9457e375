import MetricsCore
import PostgresNIO
import StorageContract

/// Shared runs: one `refresh_runs` row per scope being refreshed and one `run_work` row per account, claimed by the
/// members that may refresh the account (`ClusterStorage`; the tables are `ClusterSchema`'s).
extension PostgresStore {
    /// Inserts the run unless one is running for the same scope key (the partial unique index decides, so two daemons
    /// starting the same scope at the same moment cannot both start it), then reads the one running. The running run
    /// may finish between the two statements: then the insert is tried again, a few times.
    public func startSharedRun(_ run: SharedRunRequest) async throws -> SharedRunStart {
        let logger = self.logger
        return try await transaction { connection in
            for _ in 0..<5 {
                if let id = try await connection.first("""
                    INSERT INTO refresh_runs (trigger, scope, status, started_at, member_id, scope_key, posted_since, due_at, deadline)
                    VALUES (\(run.trigger.rawValue), \(run.scope), 'running', \(run.startedAt.milliseconds), \(run.memberId),
                            \(run.scopeKey), \(run.postedSince.milliseconds), \(run.dueAt?.milliseconds), \(run.deadline.milliseconds))
                    ON CONFLICT (scope_key) WHERE status = 'running' DO NOTHING
                    RETURNING id
                    """, logger, { try $0.next(Int64.self) })
                {
                    try await connection.run("""
                        INSERT INTO run_work (run_id, account_id)
                        SELECT \(id), account_id FROM unnest(\(Array(Set(run.accountIds)).sorted())::text[]) AS account_id
                        """, logger)
                    return .started(runId: id)
                }
                if let id = try await connection.first(
                    "SELECT id FROM refresh_runs WHERE scope_key = \(run.scopeKey) AND status = 'running'", logger, { try $0.next(Int64.self) })
                {
                    return .joined(runId: id)
                }
            }
            throw StorageUnavailable(reason: "runs of scope \(run.scopeKey) keep starting and finishing; try again")
        }
    }

    /// Claims work in running shared runs for a live member, in one transaction:
    ///
    /// 1. Candidates, locked `FOR UPDATE SKIP LOCKED` (members claiming at once take different rows): work pending, or
    ///    claimed by a member that is gone or whose claim lapsed; on an account this member holds or no live member
    ///    holds; and not claimed in another run by a live member (one refresh of an account at a time). One row per
    ///    account, the oldest run's first.
    /// 2. The lease of each candidate's account taken or renewed: only where, as committed now, it is this member's,
    ///    lapsed, or its member is gone (another member may have claimed the account since step 1 began).
    /// 3. The work of the accounts leased marked claimed until a lease from now (each tick extends it).
    public func claimRunWork(memberId: String, limit: Int, leaseMilliseconds: Int64) async throws -> [RunWork] {
        guard limit > 0 else { return [] }
        let logger = self.logger
        let lease = max(1, leaseMilliseconds)
        return try await transaction { connection in
            let candidates = try await connection.all("""
                SELECT w.run_id, w.account_id FROM run_work w
                JOIN refresh_runs r ON r.id = w.run_id AND r.status = 'running'
                LEFT JOIN account_leases l ON l.account_id = w.account_id
                LEFT JOIN cluster_members lm ON lm.id = l.member_id
                LEFT JOIN cluster_members cm ON cm.id = w.member_id
                WHERE w.status <> 'done'
                  AND (w.status = 'pending' OR w.claimed_until <= now() OR cm.id IS NULL OR NOT \(unescaped: ClusterSchema.alive("cm")))
                  AND ((l.member_id = \(memberId) AND l.expires_at > now())
                       OR l.account_id IS NULL OR l.expires_at <= now() OR lm.id IS NULL OR NOT \(unescaped: ClusterSchema.alive("lm")))
                  AND NOT EXISTS (
                      SELECT 1 FROM run_work o JOIN cluster_members om ON om.id = o.member_id
                      WHERE o.account_id = w.account_id AND o.run_id <> w.run_id AND o.status = 'claimed'
                        AND o.claimed_until > now() AND \(unescaped: ClusterSchema.alive("om")))
                  AND EXISTS (SELECT 1 FROM cluster_members me WHERE me.id = \(memberId) AND \(unescaped: ClusterSchema.alive("me")))
                ORDER BY w.run_id, w.account_id
                LIMIT \(Int64(limit))
                FOR UPDATE OF w SKIP LOCKED
                """, logger) { row in (runId: try row.next(Int64.self), accountId: try row.next(String.self)) }
            var seen = Set<String>()
            let work = candidates.filter { seen.insert($0.accountId).inserted }
            guard !work.isEmpty else { return [] }
            let leased = try await connection.all("""
                INSERT INTO account_leases (account_id, member_id, expires_at)
                SELECT account_id, \(memberId), now() + \(lease) * interval '1 millisecond'
                FROM unnest(\(work.map(\.accountId))::text[]) AS account_id
                ON CONFLICT (account_id) DO UPDATE SET member_id = excluded.member_id, expires_at = excluded.expires_at
                WHERE account_leases.member_id = excluded.member_id OR account_leases.expires_at <= now() OR NOT EXISTS (
                    SELECT 1 FROM cluster_members m WHERE m.id = account_leases.member_id AND \(unescaped: ClusterSchema.alive("m")))
                RETURNING account_id
                """, logger) { try $0.next(String.self) }
            let claimable = work.filter { Set(leased).contains($0.accountId) }
            guard !claimable.isEmpty else { return [] }
            return try await connection.all("""
                UPDATE run_work w SET status = 'claimed', member_id = \(memberId),
                    claimed_until = now() + \(lease) * interval '1 millisecond'
                FROM refresh_runs r, unnest(\(claimable.map(\.runId))::bigint[], \(claimable.map(\.accountId))::text[]) AS c(run_id, account_id)
                WHERE w.run_id = c.run_id AND w.account_id = c.account_id AND r.id = w.run_id
                RETURNING w.run_id, w.account_id, r.posted_since, r.due_at, r.deadline
                """, logger) { row in
                RunWork(
                    runId: try row.next(), accountId: try row.next(), postedSince: try row.timestamp(), dueAt: try row.optionalTimestamp(),
                    deadline: try row.timestamp())
            }.sorted { ($0.runId, $0.accountId) < ($1.runId, $1.accountId) }
        }
    }

    /// The account's part done, with its report entry. The first to finish it wins: a member that stopped mid-work
    /// and whose work another claimed meanwhile may still write it (the posts it fetched are recorded); a second
    /// finish changes nothing.
    public func finishRunWork(runId: Int64, accountId: String, memberId: String, detail: String) async throws {
        let logger = self.logger
        try await transaction { connection in
            try await connection.run("""
                UPDATE run_work SET status = 'done', detail = \(detail), member_id = \(memberId), claimed_until = NULL
                WHERE run_id = \(runId) AND account_id = \(accountId) AND status <> 'done'
                """, logger)
        }
    }

    /// The run's record and the report entries done so far, in account order. An unknown run is not found.
    public func sharedRunState(runId: Int64) async throws -> SharedRunState {
        let logger = self.logger
        return try await transaction { connection in
            guard let run = try await connection.first("""
                SELECT status, trigger, scope, (SELECT count(*) FROM run_work w WHERE w.run_id = r.id) FROM refresh_runs r WHERE r.id = \(runId)
                """, logger, { row in
                    (status: try row.next(RefreshRunStatus.self), trigger: try row.next(RefreshTrigger.self), scope: try row.next(String.self),
                     accounts: try row.next(Int64.self))
                })
            else { throw StoreError.notFound(.run, id: String(runId), input: .runId) }
            let details = try await connection.all(
                "SELECT detail FROM run_work WHERE run_id = \(runId) AND status = 'done' ORDER BY account_id", logger
            ) { try $0.next(String?.self) ?? "null" }
            return SharedRunState(accounts: Int(run.accounts), details: details, status: run.status, trigger: run.trigger, scope: run.scope)
        }
    }

    /// Running shared runs whose starter is not alive (left, or silent past its lease): someone else must write their
    /// report once their work is done.
    public func orphanedSharedRuns() async throws -> [Int64] {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.all("""
                SELECT r.id FROM refresh_runs r LEFT JOIN cluster_members m ON m.id = r.member_id
                WHERE r.status = 'running' AND r.scope_key IS NOT NULL AND (m.id IS NULL OR NOT \(unescaped: ClusterSchema.alive("m")))
                ORDER BY r.id
                """, logger) { try $0.next(Int64.self) }
        }
    }
}
