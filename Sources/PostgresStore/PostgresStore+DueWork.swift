import MetricsCore
import PostgresNIO
import StorageContract

/// What the refresh reads to decide what to fetch (the planner's due posts in priority order, a run's scope, when
/// the next post falls due), each read bounded by account and by a limit, on the `posts_due` indexes.
extension PostgresStore {
    private static let duePostColumns = """
        p.id, p.account_id, a.workspace_id, p.platform, p.external_post_id, p.media_product_type, p.posted_at,
        p.next_due_at, p.consecutive_failures, p.last_main_value, p.last_main_at
        """

    private static func duePost(_ row: inout RowReader) throws -> DuePost {
        let postId = try row.next(String.self)
        let accountId = try row.next(String.self)
        let workspaceId = try row.next(String.self)
        let platform = try row.next(Platform.self)
        let externalPostId = try row.next(String.self)
        let mediaProductType = try row.next(MediaProductType?.self)
        let postedAt = try row.timestamp()
        let nextDueAt = try row.optionalTimestamp()
        let failures = try row.next(Int32.self)
        let value = try row.next(Int64?.self)
        let at = try row.optionalTimestamp()
        return DuePost(
            postId: postId, accountId: accountId, workspaceId: workspaceId, platform: platform, externalPostId: externalPostId,
            mediaProductType: mediaProductType, postedAt: postedAt, nextDueAt: nextDueAt, consecutiveFailures: Int(failures),
            lastReading: value.flatMap { value in at.map { VelocityRule.Reading(value: value, at: $0) } })
    }

    private static func sortedPlatforms(_ platforms: Set<Platform>) -> [String] {
        platforms.map(\.rawValue).sorted()
    }

    /// The connected accounts of these workspaces (all when nil) and platforms (all when nil), in a stable order.
    public func accountsInScope(workspaceIds: Set<String>?, platforms: Set<Platform>?) async throws -> [ScopedAccount] {
        let logger = self.logger
        return try await withConnection { connection in
            var sql = SQLBuilder("SELECT id, workspace_id, platform FROM accounts WHERE status = 'connected'")
            if let workspaceIds {
                sql.append(" AND workspace_id = ANY(?)", workspaceIds.sorted())
            }
            if let platforms {
                sql.append(" AND platform = ANY(?)", Self.sortedPlatforms(platforms))
            }
            sql += " ORDER BY id"
            return try await connection.all(sql.query, logger) { row in
                ScopedAccount(accountId: try row.next(), workspaceId: try row.next(), platform: try row.next())
            }
        }
    }

    /// An account's posts in a run's scope: posted at or after `postedSince`, with an external id; newest first.
    /// With `dueAt`, only those due by then.
    public func postsInScope(accountId: String, postedSince: Timestamp, dueAt: Timestamp?) async throws -> [DuePost] {
        let logger = self.logger
        return try await withConnection { connection in
            var sql = SQLBuilder("SELECT \(Self.duePostColumns) FROM posts p JOIN accounts a ON a.id = p.account_id WHERE p.account_id = ")
            sql.append("? AND p.external_post_id IS NOT NULL AND p.posted_at >= ?", accountId, postedSince.milliseconds)
            if let dueAt {
                sql.append(" AND p.next_due_at <= ?", dueAt.milliseconds)
            }
            sql += " ORDER BY p.posted_at DESC, p.id"
            return try await connection.all(sql.query, logger) { try Self.duePost(&$0) }
        }
    }

    /// Connected accounts with a post due by `now`, the most overdue first.
    public func accountsWithDuePosts(at now: Timestamp) async throws -> [DueAccount] {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.all("""
                SELECT p.account_id, a.platform, min(p.next_due_at) AS earliest
                FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE p.next_due_at <= \(now.milliseconds) AND a.status = 'connected'
                GROUP BY p.account_id, a.platform ORDER BY earliest, p.account_id
                """, logger) { row in
                DueAccount(accountId: try row.next(), platform: try row.next(), earliestDue: try row.timestamp())
            }
        }
    }

    /// Up to `limit` of an account's posts due by `now`, in `RefreshPriority` order: the youngest band first (ages
    /// split at `bandBounds`, the bands' upper ages, youngest first), the stalest first within a band.
    ///
    /// A post's band is how many of the bands' oldest posting times (`now - bound`, newest first) it is at or before:
    /// the SQLite store's `CASE WHEN posted_at > … THEN 0 …` with the bounds bound as one array.
    public func duePosts(accountId: String, at now: Timestamp, bandBounds: [Int64], limit: Int) async throws -> [DuePost] {
        let logger = self.logger
        let oldest = bandBounds.map { now.milliseconds - $0 }
        return try await withConnection { connection in
            try await connection.all("""
                SELECT \(unescaped: Self.duePostColumns) FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE p.account_id = \(accountId) AND p.next_due_at <= \(now.milliseconds)
                ORDER BY (SELECT count(*) FROM unnest(\(oldest)) AS b(oldest) WHERE p.posted_at <= b.oldest),
                    p.last_refreshed_at ASC NULLS FIRST, p.next_due_at, p.id
                LIMIT \(Int64(limit))
                """, logger) { try Self.duePost(&$0) }
        }
    }

    /// Up to `limit` of an account's posts not yet due after `now`, soonest first: a TikTok query carries 20 ids for
    /// the price of one call, so its empty places are filled with these.
    public func soonestDuePosts(accountId: String, after now: Timestamp, limit: Int) async throws -> [DuePost] {
        guard limit > 0 else { return [] }
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.all("""
                SELECT \(unescaped: Self.duePostColumns) FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE p.account_id = \(accountId) AND p.next_due_at > \(now.milliseconds)
                ORDER BY p.next_due_at, p.id LIMIT \(Int64(limit))
                """, logger) { try Self.duePost(&$0) }
        }
    }

    /// The earliest due time after `now` among connected accounts' posts: when the planner next has work.
    public func nextDueTime(after now: Timestamp) async throws -> Timestamp? {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.first("""
                SELECT p.next_due_at FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE p.next_due_at > \(now.milliseconds) AND a.status = 'connected' ORDER BY p.next_due_at LIMIT 1
                """, logger) { try $0.timestamp() }
        }
    }

    /// Posts found to be outside the window (or otherwise never due again) stop being due, with no call.
    public func clearDueTimes(postIds: [String]) async throws {
        guard !postIds.isEmpty else { return }
        let logger = self.logger
        try await transaction { connection in
            try await connection.run("UPDATE posts SET next_due_at = NULL WHERE id = ANY(\(postIds))", logger)
        }
    }

    /// How many posts a run over this scope covers (for its progress): connected accounts' posts with an external
    /// id, posted at or after `postedSince`, due by `dueAt` when given.
    public func countPostsInScope(
        workspaceIds: Set<String>?, platforms: Set<Platform>?, postedSince: Timestamp, dueAt: Timestamp?
    ) async throws -> Int {
        let logger = self.logger
        return try await withConnection { connection in
            var sql = SQLBuilder("""
                SELECT count(*) FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE a.status = 'connected' AND p.external_post_id IS NOT NULL AND p.posted_at >=
                """)
            sql.append(" ?", postedSince.milliseconds)
            if let workspaceIds {
                sql.append(" AND a.workspace_id = ANY(?)", workspaceIds.sorted())
            }
            if let platforms {
                sql.append(" AND p.platform = ANY(?)", Self.sortedPlatforms(platforms))
            }
            if let dueAt {
                sql.append(" AND p.next_due_at <= ?", dueAt.milliseconds)
            }
            return Int(try await connection.first(sql.query, logger) { try $0.next(Int64.self) } ?? 0)
        }
    }

    /// Every post with an external id posted at or after `postedSince` (of `workspaceId`, or all), added to `tally`.
    /// Read in pages of 10,000 by post key, so a million posts cost the tally's numbers and one page of rows.
    public func tallyFreshness(into tally: inout FreshnessTally, workspaceId: String?, postedSince: Timestamp) async throws {
        let logger = self.logger
        let pageSize: Int64 = 10_000
        tally = try await withConnection { [tally] connection in
            var tally = tally
            if let workspaceId {
                try await Self.requireWorkspace(connection, logger, workspaceId)
            }
            var after = Int64.min
            while true {
                var sql = SQLBuilder("""
                    SELECT p.key, p.posted_at, p.next_due_at, p.last_refreshed_at, p.consecutive_failures, a.status
                    FROM posts p JOIN accounts a ON a.id = p.account_id
                    WHERE p.external_post_id IS NOT NULL AND p.posted_at >=
                    """)
                sql.append(" ? AND p.key > ?", postedSince.milliseconds, after)
                if let workspaceId {
                    sql.append(" AND a.workspace_id = ?", workspaceId)
                }
                sql.append(" ORDER BY p.key LIMIT ?", pageSize)
                let rows = try await connection.all(sql.query, logger) { row in
                    (try row.next(Int64.self), try row.timestamp(), try row.optionalTimestamp(), try row.optionalTimestamp(),
                     try row.next(Int32.self), try row.next(AccountStatus.self))
                }
                for (_, postedAt, nextDueAt, lastRefreshedAt, failures, status) in rows {
                    tally.add(
                        postedAt: postedAt, nextDueAt: nextDueAt, lastRefreshedAt: lastRefreshedAt,
                        consecutiveFailures: Int(failures), accountStatus: status)
                }
                guard let last = rows.last, rows.count == Int(pageSize) else { return tally }
                after = last.0
            }
        }
    }
}
