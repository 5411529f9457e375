import GRDB
import MetricsCore

/// Listing what is registered, for admins and sibling services. No query here selects a token column.
extension MetricsStore {
    /// One workspace as registered, or nil when no workspace has that id.
    public func workspace(id: String) throws -> WorkspaceSummary? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT name, created_at, updated_at FROM workspaces WHERE id = ?", arguments: [id]).map { row in
                WorkspaceSummary(
                    workspace: Workspace(id: id, name: row[0]), createdAt: Timestamp(milliseconds: row[1]),
                    updatedAt: Timestamp(milliseconds: row[2]))
            }
        }
    }

    public func listAccounts(workspaceId: String?) throws -> [AccountSummary] {
        try pool.read { db in
            var sql = """
                SELECT a.id, a.workspace_id, a.platform, a.external_account_id, a.status, a.token_expires_at,
                       a.refresh_token IS NOT NULL, a.last_error, a.created_at, a.updated_at,
                       (SELECT count(*) FROM posts p WHERE p.account_id = a.id)
                FROM accounts a
                """
            var arguments: StatementArguments = []
            if let workspaceId {
                try Self.requireWorkspace(db, workspaceId)
                sql += " WHERE a.workspace_id = ?"
                arguments += [workspaceId]
            }
            sql += " ORDER BY a.workspace_id, a.id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AccountSummary(
                    id: row[0], workspaceId: row[1], platform: Platform(rawValue: row[2]) ?? .instagram,
                    externalAccountId: row[3], status: AccountStatus(rawValue: row[4]) ?? .disconnected,
                    tokenExpiresAt: (row[5] as Int64?).map(Timestamp.init(milliseconds:)), hasRefreshToken: row[6],
                    lastError: row[7], postCount: row[10],
                    createdAt: Timestamp(milliseconds: row[8]), updatedAt: Timestamp(milliseconds: row[9]))
            }
        }
    }

    public struct PostPage: Sendable, Equatable {
        public var posts: [PostSummary]
        /// Pass back as `cursor` for the next page; nil on the last page.
        public var nextCursor: String?
    }

    /// Posts, most recently posted first, a page at a time.
    public func listPosts(workspaceId: String?, accountId: String?, limit: Int, cursor: String?) throws -> PostPage {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let workspaceId {
                try Self.requireWorkspace(db, workspaceId)
                conditions.append("a.workspace_id = ?")
                arguments += [workspaceId]
            }
            if let accountId {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [accountId]) != nil else {
                    throw StoreError.notFound("account", id: accountId, field: "accountId")
                }
                conditions.append("p.account_id = ?")
                arguments += [accountId]
            }
            if let cursor {
                conditions.append(PostCursor.afterSQL)
                arguments += try PostCursor.parse(cursor).afterArguments
            }
            var sql = """
                SELECT p.id, a.workspace_id, p.account_id, p.platform, p.external_post_id, p.media_product_type,
                       p.posted_at, p.last_refreshed_at, p.last_error
                FROM posts p JOIN accounts a ON a.id = p.account_id
                """
            if !conditions.isEmpty {
                sql += " WHERE " + conditions.joined(separator: " AND ")
            }
            sql += " \(PostCursor.orderSQL) LIMIT ?"
            arguments += [limit + 1]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let posts = rows.prefix(limit).map { row in
                PostSummary(
                    id: row[0], workspaceId: row[1], accountId: row[2], platform: Platform(rawValue: row[3]) ?? .instagram,
                    externalPostId: row[4], mediaProductType: (row[5] as String?).flatMap(MediaProductType.init(rawValue:)),
                    postedAt: Timestamp(milliseconds: row[6]),
                    lastRefreshedAt: (row[7] as Int64?).map(Timestamp.init(milliseconds:)), lastError: row[8])
            }
            let next = rows.count > limit ? posts.last.map { PostCursor(postedAt: $0.postedAt.milliseconds, id: $0.id).token } : nil
            return PostPage(posts: Array(posts), nextCursor: next)
        }
    }
}
