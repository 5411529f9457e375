import GRDB
import MetricsCore

/// What the refresh engine reads and writes: the posts due, account credentials and their rotation, run
/// records, per-post errors, and the metrics a platform has retired.
extension MetricsStore {
    /// A post the refresh should fetch, with what the call needs.
    public struct DuePost: Sendable, Hashable {
        public var postId: String
        public var accountId: String
        public var workspaceId: String
        public var platform: Platform
        public var externalPostId: String
        public var mediaProductType: MediaProductType?
    }

    /// Posts in scope: posted at or after `postedSince`, with an external id, on a connected account, in the
    /// workspace and platforms given (all when nil), grouped by account in a stable order.
    public func duePosts(workspaceId: String?, platforms: Set<Platform>?, postedSince: Timestamp) async throws -> [DuePost] {
        try await pool.read { db in
            if let workspaceId {
                try Self.requireWorkspace(db, workspaceId)
            }
            var sql = """
                SELECT p.id, p.account_id, a.workspace_id, p.platform, p.external_post_id, p.media_product_type
                FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE a.status = 'connected' AND p.external_post_id IS NOT NULL AND p.posted_at >= ?
                """
            var arguments: StatementArguments = [postedSince.milliseconds]
            if let workspaceId {
                sql += " AND a.workspace_id = ?"
                arguments += [workspaceId]
            }
            if let platforms {
                sql += " AND p.platform IN (\(platforms.map { _ in "?" }.joined(separator: ",")))"
                for platform in platforms.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [platform.rawValue] }
            }
            sql += " ORDER BY p.account_id, p.posted_at DESC, p.id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                DuePost(
                    postId: try row.decode(atIndex: 0), accountId: try row.decode(atIndex: 1), workspaceId: try row.decode(atIndex: 2),
                    platform: try row.decode(atIndex: 3), externalPostId: try row.decode(atIndex: 4),
                    mediaProductType: try row.decode(atIndex: 5))
            }
        }
    }

    /// An account's secrets, for the refresh only. Never rendered by any method.
    public struct AccountCredentials: Sendable, Hashable {
        public var accountId: String
        public var workspaceId: String
        public var platform: Platform
        public var externalAccountId: String
        public var status: AccountStatus
        public var accessToken: String
        public var refreshToken: String?
        public var tokenExpiresAt: Timestamp?
        public var refreshTokenExpiresAt: Timestamp?
    }

    public func credentials(accountId: String) async throws -> AccountCredentials? {
        try await pool.read { db in try AccountRecord.fetchOne(db, key: accountId)?.credentials }
    }

    /// Stores a rotated token pair, committed (and in WAL, durable on commit) before the caller uses it: the
    /// platform has already invalidated the old refresh token, so losing the new one would lose the account.
    public func rotateTokens(
        accountId: String, accessToken: String, accessTokenExpiresAt: Timestamp?, refreshToken: String?,
        refreshTokenExpiresAt: Timestamp?
    ) async throws {
        let now = clock.now.milliseconds
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE accounts SET access_token = ?, token_expires_at = ?,
                    refresh_token = COALESCE(?, refresh_token), refresh_token_expires_at = COALESCE(?, refresh_token_expires_at),
                    updated_at = ?
                WHERE id = ?
                """, arguments: [accessToken, accessTokenExpiresAt?.milliseconds, refreshToken,
                                 refreshTokenExpiresAt?.milliseconds, now, accountId])
        }
    }

    /// Marks an account the refresh can no longer call (expired, needs reconnect), with the reason shown in
    /// `listAccounts` and counted by `health`.
    public func setAccountStatus(accountId: String, status: AccountStatus, lastError: String?) async throws {
        let now = clock.now.milliseconds
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE accounts SET status = ?, last_error = ?, updated_at = ? WHERE id = ?",
                arguments: [status.rawValue, lastError, now, accountId])
        }
    }

    // MARK: Runs

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
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE refresh_runs SET status = ?, summary = ?, finished_at = ? WHERE id = ?",
                arguments: [status.rawValue, summary, finishedAt.milliseconds, id])
        }
    }

    /// A post-level failure of a run: kept per run, and as the post's `lastError`.
    public struct RefreshFailure: Sendable, Hashable {
        public var postId: String?
        public var accountId: String
        public var platform: Platform
        public var kind: String
        public var message: String
        public var at: Timestamp

        public init(postId: String?, accountId: String, platform: Platform, kind: String, message: String, at: Timestamp) {
            self.postId = postId
            self.accountId = accountId
            self.platform = platform
            self.kind = kind
            self.message = message
            self.at = at
        }
    }

    public func recordFailures(runId: Int64, _ failures: [RefreshFailure]) async throws {
        guard !failures.isEmpty else { return }
        try await pool.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO refresh_errors (run_id, post_id, account_id, platform, kind, message, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let stamp = try db.cachedStatement(sql: """
                UPDATE posts SET last_error = ?, last_attempt_at = ?, failure_count = failure_count + 1 WHERE id = ?
                """)
            for failure in failures {
                try insert.execute(arguments: [
                    runId, failure.postId, failure.accountId, failure.platform.rawValue, failure.kind, failure.message,
                    failure.at.milliseconds,
                ])
                if let postId = failure.postId {
                    try stamp.execute(arguments: [failure.message, failure.at.milliseconds, postId])
                }
            }
        }
    }

    public func failureCount(runId: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM refresh_errors WHERE run_id = ?", arguments: [runId]) ?? 0
        }
    }

    // MARK: Retired metrics

    /// Metrics learned to be retired, by platform and media type ("" for platforms without types).
    public func retiredMetrics() async throws -> [Platform: [String: Set<String>]] {
        try await pool.read { db in
            var result: [Platform: [String: Set<String>]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT platform, media_type, metric FROM retired_metrics") {
                let platform: Platform = try row.decode(atIndex: 0)
                result[platform, default: [:]][try row.decode(atIndex: 1), default: []].insert(try row.decode(atIndex: 2))
            }
            return result
        }
    }

    public func rememberRetiredMetrics(platform: Platform, mediaType: String, metrics: [String]) async throws {
        let now = clock.now.milliseconds
        try await pool.write { db in
            for metric in metrics {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO retired_metrics (platform, media_type, metric, learned_at) VALUES (?, ?, ?, ?)",
                    arguments: [platform.rawValue, mediaType, metric, now])
            }
        }
    }

    // MARK: Discovery

    /// External post ids of an account already registered, so discovery only adds the new ones.
    public func knownExternalPostIds(accountId: String) async throws -> Set<String> {
        try await pool.read { db in
            Set(try String.fetchAll(
                db, sql: "SELECT external_post_id FROM posts WHERE account_id = ? AND external_post_id IS NOT NULL",
                arguments: [accountId]))
        }
    }
}
