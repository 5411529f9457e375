import GRDB
import MetricsCore
import StorageContract

/// What the refresh reads to decide what to fetch: the accounts with due posts and those posts in priority order
/// (the planner), every post of an account in a run's scope (`refreshAll`, `refreshWorkspace`), and when the next
/// post falls due. Each read is bounded: by account, and by a limit.
extension SQLiteStore {

    private static let duePostColumns = """
        p.id, p.account_id, a.workspace_id, p.platform, p.external_post_id, p.media_product_type, p.posted_at,
        p.next_due_at, p.consecutive_failures, p.last_main_value, p.last_main_at
        """

    private static func duePost(_ row: Row) throws -> DuePost {
        let value: Int64? = try row.decode(atIndex: 9)
        let at: Timestamp? = try row.decode(atIndex: 10)
        return DuePost(
            postId: try row.decode(atIndex: 0), accountId: try row.decode(atIndex: 1), workspaceId: try row.decode(atIndex: 2),
            platform: try row.decode(atIndex: 3), externalPostId: try row.decode(atIndex: 4),
            mediaProductType: try row.decode(atIndex: 5), postedAt: try row.decode(atIndex: 6),
            nextDueAt: try row.decode(atIndex: 7), consecutiveFailures: try row.decode(atIndex: 8),
            lastReading: value.flatMap { value in at.map { VelocityRule.Reading(value: value, at: $0) } })
    }

    // MARK: Runs over a scope

    /// The connected accounts of these workspaces (all when nil) and platforms (all when nil), in a stable order.
    public func accountsInScope(workspaceIds: Set<String>?, platforms: Set<Platform>?) async throws -> [ScopedAccount] {
        try await pool.read { db in
            var sql = "SELECT id, workspace_id, platform FROM accounts WHERE status = 'connected'"
            var arguments: StatementArguments = []
            if let workspaceIds {
                sql += " AND workspace_id IN (\(workspaceIds.map { _ in "?" }.joined(separator: ",")))"
                for id in workspaceIds.sorted() { arguments += [id] }
            }
            if let platforms {
                sql += " AND platform IN (\(platforms.map { _ in "?" }.joined(separator: ",")))"
                for platform in platforms.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [platform.rawValue] }
            }
            sql += " ORDER BY id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                ScopedAccount(accountId: try row.decode(atIndex: 0), workspaceId: try row.decode(atIndex: 1), platform: try row.decode(atIndex: 2))
            }
        }
    }

    /// An account's posts in a run's scope: posted at or after `postedSince`, with an external id; newest first.
    /// With `dueAt`, only those due by then.
    public func postsInScope(accountId: String, postedSince: Timestamp, dueAt: Timestamp? = nil) async throws -> [DuePost] {
        try await pool.read { db in
            var sql = """
                SELECT \(Self.duePostColumns) FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE p.account_id = ? AND p.external_post_id IS NOT NULL AND p.posted_at >= ?
                """
            var arguments: StatementArguments = [accountId, postedSince]
            if let dueAt {
                sql += " AND p.next_due_at <= ?"
                arguments += [dueAt]
            }
            sql += " ORDER BY p.posted_at DESC, p.id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.duePost)
        }
    }

    // MARK: The planner

    /// Connected accounts with a post due by `now`, the most overdue first.
    public func accountsWithDuePosts(at now: Timestamp) async throws -> [DueAccount] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.account_id, a.platform, min(p.next_due_at) AS earliest
                FROM posts p INDEXED BY posts_due JOIN accounts a ON a.id = p.account_id
                WHERE p.next_due_at <= ? AND a.status = 'connected'
                GROUP BY p.account_id ORDER BY earliest, p.account_id
                """, arguments: [now]).map { row in
                DueAccount(accountId: try row.decode(atIndex: 0), platform: try row.decode(atIndex: 1), earliestDue: try row.decode(atIndex: 2))
            }
        }
    }

    /// Up to `limit` of an account's posts due by `now`, in `RefreshPriority` order: the youngest band first (ages
    /// split at `bandBounds`, the bands' upper ages, youngest first), the stalest first within a band.
    public func duePosts(accountId: String, at now: Timestamp, bandBounds: [Int64], limit: Int) async throws -> [DuePost] {
        try await pool.read { db in
            // Arguments in the order their `?` stand: the WHERE's, the band's (in ORDER BY), the LIMIT.
            var arguments: StatementArguments = [accountId, now]
            var band = "CASE"
            for (index, bound) in bandBounds.enumerated() {
                band += " WHEN p.posted_at > ? THEN \(index)"
                arguments += [now.milliseconds - bound]
            }
            band += " ELSE \(bandBounds.count) END, "
            // One band only (no bounds): no band term, as SQLite has no `CASE ELSE … END` without a WHEN.
            if bandBounds.isEmpty { band = "" }
            arguments += [limit]
            return try Row.fetchAll(db, sql: """
                SELECT \(Self.duePostColumns) FROM posts p INDEXED BY posts_due_by_account JOIN accounts a ON a.id = p.account_id
                WHERE p.account_id = ? AND p.next_due_at <= ?
                ORDER BY \(band)p.last_refreshed_at IS NOT NULL, p.last_refreshed_at, p.next_due_at, p.id LIMIT ?
                """, arguments: arguments).map(Self.duePost)
        }
    }

    /// Up to `limit` of an account's posts not yet due after `now`, soonest first: a TikTok query carries 20 ids for
    /// the price of one call, so its empty places are filled with these.
    public func soonestDuePosts(accountId: String, after now: Timestamp, limit: Int) async throws -> [DuePost] {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.duePostColumns) FROM posts p INDEXED BY posts_due_by_account JOIN accounts a ON a.id = p.account_id
                WHERE p.account_id = ? AND p.next_due_at > ?
                ORDER BY p.next_due_at, p.id LIMIT ?
                """, arguments: [accountId, now, limit]).map(Self.duePost)
        }
    }

    /// The earliest due time after `now` among connected accounts' posts: when the planner next has work.
    public func nextDueTime(after now: Timestamp) async throws -> Timestamp? {
        try await pool.read { db in
            try Timestamp.fetchOne(db, sql: """
                SELECT p.next_due_at FROM posts p INDEXED BY posts_due JOIN accounts a ON a.id = p.account_id
                WHERE p.next_due_at > ? AND a.status = 'connected' ORDER BY p.next_due_at LIMIT 1
                """, arguments: [now])
        }
    }

    /// Posts found to be outside the window (or otherwise never due again) stop being due, with no call.
    public func clearDueTimes(postIds: [String]) async throws {
        guard !postIds.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE posts SET next_due_at = NULL WHERE id = ?")
            for postId in postIds {
                try statement.execute(arguments: [postId])
            }
        }
    }
}

extension SQLiteStore {
    /// How many posts a run over this scope covers (for its progress): connected accounts' posts with an external
    /// id, posted at or after `postedSince`, due by `dueAt` when given.
    public func countPostsInScope(workspaceIds: Set<String>?, platforms: Set<Platform>?, postedSince: Timestamp, dueAt: Timestamp?)
        async throws -> Int
    {
        try await pool.read { db in
            var sql = """
                SELECT count(*) FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE a.status = 'connected' AND p.external_post_id IS NOT NULL AND p.posted_at >= ?
                """
            var arguments: StatementArguments = [postedSince]
            if let workspaceIds {
                sql += " AND a.workspace_id IN (\(workspaceIds.map { _ in "?" }.joined(separator: ",")))"
                for id in workspaceIds.sorted() { arguments += [id] }
            }
            if let platforms {
                sql += " AND p.platform IN (\(platforms.map { _ in "?" }.joined(separator: ",")))"
                for platform in platforms.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [platform.rawValue] }
            }
            if let dueAt {
                sql += " AND p.next_due_at <= ?"
                arguments += [dueAt]
            }
            return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
        }
    }
}

extension SQLiteStore {
    /// Streams every post with an external id posted at or after `postedSince` (of `workspaceId`, or all) into
    /// `tally`, without holding them: a million posts cost the tally's numbers, not a million rows.
    public func tallyFreshness(into tally: inout FreshnessTally, workspaceId: String?, postedSince: Timestamp) async throws {
        let result = try await pool.read { [tally] db -> FreshnessTally in
            var tally = tally
            if let workspaceId {
                try Self.requireWorkspace(db, workspaceId)
            }
            var sql = """
                SELECT p.posted_at, p.next_due_at, p.last_refreshed_at, p.consecutive_failures, a.status
                FROM posts p JOIN accounts a ON a.id = p.account_id
                WHERE p.external_post_id IS NOT NULL AND p.posted_at >= ?
                """
            var arguments: StatementArguments = [postedSince]
            if let workspaceId {
                sql += " AND a.workspace_id = ?"
                arguments += [workspaceId]
            }
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                tally.add(
                    postedAt: try row.decode(atIndex: 0), nextDueAt: try row.decode(atIndex: 1),
                    lastRefreshedAt: try row.decode(atIndex: 2), consecutiveFailures: try row.decode(atIndex: 3),
                    accountStatus: try row.decode(atIndex: 4))
            }
            return tally
        }
        tally = result
    }
}
