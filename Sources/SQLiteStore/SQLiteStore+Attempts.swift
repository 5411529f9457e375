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
        let written = try await pool.write { db in
            var writer = SnapshotWriter(db)
            let written = try writer.write(snapshots, onConflict: .replace)
            let fetched = try db.cachedStatement(sql: """
                UPDATE posts SET last_refreshed_at = ?, last_attempt_at = ?, last_error = NULL, consecutive_failures = 0,
                    next_due_at = ?, last_main_value = coalesce(?, last_main_value), last_main_at = coalesce(?, last_main_at)
                WHERE id = ?
                """)
            let noData = try db.cachedStatement(sql: """
                UPDATE posts SET last_attempt_at = ?, last_error = NULL, consecutive_failures = 0, next_due_at = ? WHERE id = ?
                """)
            let failed = try db.cachedStatement(sql: """
                UPDATE posts SET last_error = ?, last_attempt_at = ?, consecutive_failures = consecutive_failures + 1,
                    next_due_at = ?
                WHERE id = ?
                """)
            let error = try db.cachedStatement(sql: """
                INSERT INTO refresh_errors (run_id, post_id, account_id, platform, kind, message, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for attempt in attempts {
                switch attempt.outcome {
                case .fetched(let snapshot):
                    let main = snapshot.values.mainCounter
                    try fetched.execute(arguments: [
                        snapshot.capturedAt, attempt.at, attempt.nextDueAt, main, main.map { _ in snapshot.capturedAt }, attempt.postId,
                    ])
                case .noData:
                    try noData.execute(arguments: [attempt.at, attempt.nextDueAt, attempt.postId])
                case .failed(let kind, let message):
                    try error.execute(arguments: [
                        runId, attempt.postId, attempt.accountId, attempt.platform, kind.rawValue, message, attempt.at,
                    ])
                    try failed.execute(arguments: [message, attempt.at, attempt.nextDueAt, attempt.postId])
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
