import GRDB
import MetricsCore
import StorageContract

/// What the refresh writes: every attempt at a post, in one transaction per batch — the snapshot or the failure,
/// the post's bookkeeping, and when it is next due.
extension SQLiteStore {

    /// Writes a batch of attempts in one transaction: snapshots (a duplicate (post, capturedAt) replaces the earlier
    /// point), failures (kept per run in `refresh_errors` and as the post's `lastError`), and each post's due time.
    /// Returns the snapshots written.
    @discardableResult
    public func recordAttempts(runId: Int64, _ attempts: [RefreshAttempt]) async throws -> Int {
        guard !attempts.isEmpty else { return 0 }
        let snapshots = attempts.compactMap { attempt -> Snapshot? in
            if case .fetched(let snapshot) = attempt.outcome { snapshot } else { nil }
        }
        defer { if !snapshots.isEmpty { latestCache.invalidate(snapshots.lazy.map(\.postId)) } }
        // A post is failing from this many failures in a row (as `health` and the planner count them).
        let failingAfter = max(schedule.failures.failingAfter, 1)
        let written = try await writeWithEvents { db, events in
            var writer = SnapshotWriter(db)
            let written = try writer.write(snapshots, onConflict: .replace) { snapshot, post in
                try events.snapshot(snapshot, of: post)
            }
            // A post still short of failing (nearly every one) is updated by the first statement; one that was failing
            // is left to the second, which announces its recovery. No read of the old count on the common path.
            let fetchedSet = """
                SET last_refreshed_at = ?, last_attempt_at = ?, last_error = NULL, consecutive_failures = 0, next_due_at = ?,
                    last_main_value = coalesce(?, last_main_value), last_main_at = coalesce(?, last_main_at)
                """
            let noDataSet = "SET last_attempt_at = ?, last_error = NULL, consecutive_failures = 0, next_due_at = ?"
            let recovering = "WHERE id = ? RETURNING key, account_id, platform, workspace_id"
            let fetched = try db.cachedStatement(sql: "UPDATE posts \(fetchedSet) WHERE id = ? AND consecutive_failures < ?")
            let fetchedRecovering = try db.cachedStatement(sql: "UPDATE posts \(fetchedSet) \(recovering)")
            let noData = try db.cachedStatement(sql: "UPDATE posts \(noDataSet) WHERE id = ? AND consecutive_failures < ?")
            let noDataRecovering = try db.cachedStatement(sql: "UPDATE posts \(noDataSet) \(recovering)")
            let failed = try db.cachedStatement(sql: """
                UPDATE posts SET last_error = ?, last_attempt_at = ?, consecutive_failures = consecutive_failures + 1,
                    next_due_at = ?
                WHERE id = ? RETURNING consecutive_failures, key, account_id, platform, workspace_id
                """)
            let error = try db.cachedStatement(sql: """
                INSERT INTO refresh_errors (run_id, post_id, account_id, platform, kind, message, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            func announce(_ row: Row?, postId: String, failing: Bool, failures: Int, lastError: String?) throws {
                guard let row else { return }
                let (key, accountId, platform, workspaceId): (Int64, String, String, String) = (row["key"], row["account_id"], row["platform"], row["workspace_id"])
                try events.append(
                    .post, workspaceId: workspaceId, postKey: key,
                    data: EventData.post(
                        postId: postId, accountId: accountId, platform: platform, failing: failing, consecutiveFailures: failures,
                        lastError: lastError))
            }
            for attempt in attempts {
                switch attempt.outcome {
                case .fetched(let snapshot):
                    let main = snapshot.values.mainCounter
                    let arguments: StatementArguments = [
                        snapshot.capturedAt, attempt.at, attempt.nextDueAt, main, main.map { _ in snapshot.capturedAt }, attempt.postId,
                    ]
                    try fetched.execute(arguments: arguments + [failingAfter])
                    if db.changesCount == 0 {
                        try announce(Row.fetchOne(fetchedRecovering, arguments: arguments), postId: attempt.postId, failing: false, failures: 0, lastError: nil)
                    }
                case .noData:
                    let arguments: StatementArguments = [attempt.at, attempt.nextDueAt, attempt.postId]
                    try noData.execute(arguments: arguments + [failingAfter])
                    if db.changesCount == 0 {
                        try announce(Row.fetchOne(noDataRecovering, arguments: arguments), postId: attempt.postId, failing: false, failures: 0, lastError: nil)
                    }
                case .failed(let kind, let message):
                    try error.execute(arguments: [
                        runId, attempt.postId, attempt.accountId, attempt.platform, kind.rawValue, message, attempt.at,
                    ])
                    let row = try Row.fetchOne(failed, arguments: [message, attempt.at, attempt.nextDueAt, attempt.postId])
                    if let row, let failures = row["consecutive_failures"] as Int?, failures == failingAfter {
                        try announce(row, postId: attempt.postId, failing: true, failures: failures, lastError: message)
                    }
                }
            }
            return written
        }
        telemetry.snapshotsWritten(written, source: .refresh)
        return written
    }

    /// An account-level failure of a run (its token stopped working): kept per run, with no post.
    public func recordAccountFailure(
        runId: Int64, accountId: String, platform: Platform, kind: RefreshFailureKind, message: String, at: Timestamp
    ) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO refresh_errors (run_id, post_id, account_id, platform, kind, message, occurred_at)
                VALUES (?, NULL, ?, ?, ?, ?, ?)
                """, arguments: [runId, accountId, platform, kind.rawValue, message, at])
        }
    }
}
