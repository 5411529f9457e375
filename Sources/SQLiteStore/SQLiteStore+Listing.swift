import GRDB
import MetricsCore
import StorageContract

/// Listing what is registered, for admins and sibling services. No query here selects a token column.
extension SQLiteStore {
    /// One workspace as registered, or nil when no workspace has that id.
    public func workspace(id: String) async throws -> WorkspaceSummary? {
        try await pool.read { db in try Self.workspace(db, id: id) }
    }

    static func workspace(_ db: Database, id: String) throws -> WorkspaceSummary? {
        try Row.fetchOne(db, sql: "SELECT name, created_at, updated_at, time_zone FROM workspaces WHERE id = ?", arguments: [id]).map { row in
            WorkspaceSummary(
                workspace: Workspace(id: id, name: try row.decode(atIndex: 0), timeZone: try row.decode(atIndex: 3)),
                createdAt: try row.decode(atIndex: 1), updatedAt: try row.decode(atIndex: 2))
        }
    }

    public func listAccounts(workspaceId: String?) throws -> [AccountSummary] {
        try pool.read { db in
            var sql = "SELECT a.*, (SELECT count(*) FROM posts p WHERE p.account_id = a.id) AS post_count FROM accounts a"
            var arguments: StatementArguments = []
            if let workspaceId {
                try Self.requireWorkspace(db, workspaceId)
                sql += " WHERE a.workspace_id = ?"
                arguments += [workspaceId]
            }
            sql += " ORDER BY a.workspace_id, a.id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let account = try AccountRecord(row: row)
                return AccountSummary(
                    id: account.id, workspaceId: account.workspaceId, platform: account.platform,
                    externalAccountId: account.externalAccountId, status: account.status, tokenExpiresAt: account.tokenExpiresAt,
                    hasRefreshToken: account.refreshToken != nil, lastError: account.lastError,
                    postCount: try row.decode(forColumn: "post_count"), createdAt: account.createdAt, updatedAt: account.updatedAt)
            }
        }
    }

    /// The ids of the accounts in `status`, for work that goes through every one of them (discovery).
    public func accountIds(status: AccountStatus) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, AccountRecord.select(AccountRecord.Columns.id).filter(AccountRecord.Columns.status == status)
                .order(AccountRecord.Columns.id))
        }
    }

    /// Posts, most recently posted first, a page at a time; `workspaceIds` limits them to those workspaces.
    public func listPosts(
        workspaceId: String?, accountId: String?, limit: Int, cursor: String?, workspaceIds: Set<String>? = nil
    ) throws -> PostPage {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let workspaceId {
                try Self.requireWorkspace(db, workspaceId)
                conditions.append("p.workspace_id = ?")
                arguments += [workspaceId]
            }
            if let accountId {
                guard try AccountRecord.filter(AccountRecord.Columns.id == accountId).fetchCount(db) > 0 else {
                    throw StoreError.notFound(.account, id: accountId, input: .accountId)
                }
                conditions.append("p.account_id = ?")
                arguments += [accountId]
            }
            if let workspaceIds {
                conditions.append("p.workspace_id IN (\(workspaceIds.map { _ in "?" }.joined(separator: ",")))")
                for id in workspaceIds.sorted() { arguments += [id] }
            }
            if let cursor {
                conditions.append(PostCursor.afterSQL)
                arguments += try PostCursor.parse(cursor).afterArguments
            }
            var sql = """
                SELECT p.id, p.workspace_id, p.account_id, p.platform, p.external_post_id, p.media_product_type,
                       p.posted_at, p.last_refreshed_at, p.last_error, p.next_due_at, p.consecutive_failures, a.status
                FROM posts p JOIN accounts a ON a.id = p.account_id
                """
            if !conditions.isEmpty {
                sql += " WHERE " + conditions.joined(separator: " AND ")
            }
            sql += " \(PostCursor.orderSQL) LIMIT ?"
            arguments += [limit + 1]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let posts = try rows.prefix(limit).map { row in
                PostSummary(
                    id: try row.decode(atIndex: 0), workspaceId: try row.decode(atIndex: 1), accountId: try row.decode(atIndex: 2),
                    platform: try row.decode(atIndex: 3), externalPostId: try row.decode(atIndex: 4),
                    mediaProductType: try row.decode(atIndex: 5), postedAt: try row.decode(atIndex: 6),
                    lastRefreshedAt: try row.decode(atIndex: 7), lastError: try row.decode(atIndex: 8),
                    nextDueAt: try row.decode(atIndex: 9), consecutiveFailures: try row.decode(atIndex: 10),
                    accountStatus: try row.decode(atIndex: 11))
            }
            let next = rows.count > limit ? posts.last.map { PostCursor(postedAt: $0.postedAt.milliseconds, id: $0.id).token } : nil
            return PostPage(posts: posts, nextCursor: next)
        }
    }

    static func requireWorkspace(_ db: Database, _ workspaceId: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM workspaces WHERE id = ?", arguments: [workspaceId]) != nil else {
            throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
        }
    }
}
