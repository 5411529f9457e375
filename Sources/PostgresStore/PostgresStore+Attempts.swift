import MetricsCore
import PostgresNIO
import StorageContract

/// What the refresh writes: every attempt at a post, in one transaction per batch — the snapshot or the failure,
/// the post's bookkeeping, and when it is next due.
extension PostgresStore {
    /// Writes a batch of attempts in one transaction: snapshots (a duplicate (post, capturedAt) replaces the earlier
    /// point), failures (kept per run in `refresh_errors` and as the post's `lastError`), and each post's due time.
    /// Returns the snapshots written. The posts are updated one statement per outcome, in the batch's order.
    @discardableResult
    public func recordAttempts(runId: Int64, _ attempts: [RefreshAttempt]) async throws -> Int {
        guard !attempts.isEmpty else { return 0 }
        let logger = self.logger
        return try await transaction { connection in
            var writer = PostgresSnapshotWriter(connection, logger)
            // Every post of the batch locked first, in key order (also those without a snapshot).
            try await writer.load(attempts.map(\.postId))
            let snapshots = attempts.compactMap { attempt -> Snapshot? in
                if case .fetched(let snapshot) = attempt.outcome { snapshot } else { nil }
            }
            let written = try await writer.write(snapshots, onConflict: .replace)
            // Applied in order, as SQLite does: a post attempted twice in a batch ends as its last attempt left it.
            for attempt in attempts {
                switch attempt.outcome {
                case .fetched(let snapshot):
                    let main = snapshot.values.mainCounter
                    try await connection.run("""
                        UPDATE posts SET last_refreshed_at = \(snapshot.capturedAt.milliseconds), last_attempt_at = \(attempt.at.milliseconds),
                            last_error = NULL, consecutive_failures = 0, next_due_at = \(attempt.nextDueAt?.milliseconds),
                            last_main_value = coalesce(\(main), last_main_value),
                            last_main_at = coalesce(\(main.map { _ in snapshot.capturedAt.milliseconds }), last_main_at)
                        WHERE id = \(attempt.postId)
                        """, logger)
                case .noData:
                    try await connection.run("""
                        UPDATE posts SET last_attempt_at = \(attempt.at.milliseconds), last_error = NULL, consecutive_failures = 0,
                            next_due_at = \(attempt.nextDueAt?.milliseconds)
                        WHERE id = \(attempt.postId)
                        """, logger)
                case .failed(let kind, let message):
                    try await connection.run("""
                        INSERT INTO refresh_errors (run_id, post_id, account_id, platform, kind, message, occurred_at)
                        VALUES (\(runId), \(attempt.postId), \(attempt.accountId), \(attempt.platform.rawValue), \(kind.rawValue),
                                \(message), \(attempt.at.milliseconds))
                        """, logger)
                    try await connection.run("""
                        UPDATE posts SET last_error = \(message), last_attempt_at = \(attempt.at.milliseconds),
                            consecutive_failures = consecutive_failures + 1, next_due_at = \(attempt.nextDueAt?.milliseconds)
                        WHERE id = \(attempt.postId)
                        """, logger)
                }
            }
            return written
        }
    }

    /// An account-level failure of a run (its token stopped working): kept per run, with no post.
    public func recordAccountFailure(
        runId: Int64, accountId: String, platform: Platform, kind: RefreshFailureKind, message: String, at: Timestamp
    ) async throws {
        let logger = self.logger
        try await transaction { connection in
            try await connection.run("""
                INSERT INTO refresh_errors (run_id, post_id, account_id, platform, kind, message, occurred_at)
                VALUES (\(runId), NULL, \(accountId), \(platform.rawValue), \(kind.rawValue), \(message), \(at.milliseconds))
                """, logger)
        }
    }
}
