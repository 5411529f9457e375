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
        let snapshots = attempts.compactMap { attempt -> Snapshot? in
            if case .fetched(let snapshot) = attempt.outcome { snapshot } else { nil }
        }
        defer { if !snapshots.isEmpty { latestCache.invalidate(snapshots.lazy.map(\.postId)) } }
        // A post is failing from this many failures in a row (as `health` and the planner count them).
        let failingAfter = max(schedule.failures.failingAfter, 1)
        let written = try await writeWithEvents { connection, events in
            var writer = PostgresSnapshotWriter(connection, logger)
            // Every post of the batch locked first, in key order (also those without a snapshot).
            try await writer.load(attempts.map(\.postId))
            let written = try await writer.write(snapshots, onConflict: .replace)
            try await events.snapshots(written)
            /// A post that became failing, or recovered: `(key, account_id, platform, workspace_id)` as the update returned them.
            func announce(_ post: (Int64, String, String, String)?, _ postId: String, failing: Bool, failures: Int, lastError: String?) {
                guard let (key, accountId, platform, workspaceId) = post else { return }
                events.append(
                    .post, workspaceId: workspaceId, postKey: key,
                    data: EventData.post(
                        postId: postId, accountId: accountId, platform: platform, failing: failing, consecutiveFailures: failures,
                        lastError: lastError))
            }
            // Applied in order, as SQLite does: a post attempted twice in a batch ends as its last attempt left it.
            // Each update returns the post's failures before it (`o`, the row as this transaction left it: the post
            // is locked), so a recovery is seen without a read of its own.
            for attempt in attempts {
                switch attempt.outcome {
                case .fetched(let snapshot):
                    let main = snapshot.values.mainCounter
                    let before = try await connection.first("""
                        UPDATE posts p SET last_refreshed_at = \(snapshot.capturedAt.milliseconds), last_attempt_at = \(attempt.at.milliseconds),
                            last_error = NULL, consecutive_failures = 0, next_due_at = \(attempt.nextDueAt?.milliseconds),
                            last_main_value = coalesce(\(main), p.last_main_value),
                            last_main_at = coalesce(\(main.map { _ in snapshot.capturedAt.milliseconds }), p.last_main_at)
                        FROM posts o WHERE p.id = \(attempt.postId) AND o.key = p.key
                        RETURNING o.consecutive_failures, p.key, p.account_id, p.platform, p.workspace_id
                        """, logger, Self.failuresAndPost)
                    if let before, before.failures >= failingAfter {
                        announce(before.post, attempt.postId, failing: false, failures: 0, lastError: nil)
                    }
                case .noData:
                    let before = try await connection.first("""
                        UPDATE posts p SET last_attempt_at = \(attempt.at.milliseconds), last_error = NULL, consecutive_failures = 0,
                            next_due_at = \(attempt.nextDueAt?.milliseconds)
                        FROM posts o WHERE p.id = \(attempt.postId) AND o.key = p.key
                        RETURNING o.consecutive_failures, p.key, p.account_id, p.platform, p.workspace_id
                        """, logger, Self.failuresAndPost)
                    if let before, before.failures >= failingAfter {
                        announce(before.post, attempt.postId, failing: false, failures: 0, lastError: nil)
                    }
                case .failed(let kind, let message):
                    try await connection.run("""
                        INSERT INTO refresh_errors (run_id, post_id, account_id, platform, kind, message, occurred_at)
                        VALUES (\(runId), \(attempt.postId), \(attempt.accountId), \(attempt.platform.rawValue), \(kind.rawValue),
                                \(message), \(attempt.at.milliseconds))
                        """, logger)
                    let after = try await connection.first("""
                        UPDATE posts SET last_error = \(message), last_attempt_at = \(attempt.at.milliseconds),
                            consecutive_failures = consecutive_failures + 1, next_due_at = \(attempt.nextDueAt?.milliseconds)
                        WHERE id = \(attempt.postId)
                        RETURNING consecutive_failures, key, account_id, platform, workspace_id
                        """, logger, Self.failuresAndPost)
                    if let after, after.failures == failingAfter {
                        announce(after.post, attempt.postId, failing: true, failures: after.failures, lastError: message)
                    }
                }
            }
            return written.count
        }
        telemetry.snapshotsWritten(written, source: .refresh)
        return written
    }

    /// A post's failure count and (key, account, platform, workspace), as the updates above return them.
    private static func failuresAndPost(_ row: inout RowReader) throws -> (failures: Int, post: (Int64, String, String, String)) {
        let failures = Int(try row.next(Int32.self))
        return (failures, (try row.next(Int64.self), try row.next(String.self), try row.next(String.self), try row.next(String.self)))
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
