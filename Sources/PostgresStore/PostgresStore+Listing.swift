import MetricsCore
import PostgresNIO
import StorageContract

/// Listing what is registered, for admins and sibling services; which workspace a post or account belongs to (what
/// access control checks); what discovery already knows. No query here selects a token column.
extension PostgresStore {
    public func workspace(id: String) async throws -> WorkspaceSummary? {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.first(
                "SELECT name, created_at, updated_at, time_zone FROM workspaces WHERE id = \(id)", logger
            ) { row in
                let name = try row.next(String.self)
                let createdAt = try row.timestamp()
                let updatedAt = try row.timestamp()
                return WorkspaceSummary(
                    workspace: Workspace(id: id, name: name, timeZone: try row.next(String.self)), createdAt: createdAt, updatedAt: updatedAt)
            }
        }
    }

    public func listAccounts(workspaceId: String?) async throws -> [AccountSummary] {
        let logger = self.logger
        return try await withConnection { connection in
            var sql = SQLBuilder("""
                SELECT a.id, a.workspace_id, a.platform, a.external_account_id, a.status, a.token_expires_at,
                       a.refresh_token IS NOT NULL, a.last_error, (SELECT count(*) FROM posts p WHERE p.account_id = a.id),
                       a.created_at, a.updated_at
                FROM accounts a
                """)
            if let workspaceId {
                try await Self.requireWorkspace(connection, logger, workspaceId)
                sql.append(" WHERE a.workspace_id = ?", workspaceId)
            }
            sql += " ORDER BY a.workspace_id, a.id"
            return try await connection.all(sql.query, logger) { row in
                AccountSummary(
                    id: try row.next(), workspaceId: try row.next(), platform: try row.next(), externalAccountId: try row.next(),
                    status: try row.next(), tokenExpiresAt: try row.optionalTimestamp(), hasRefreshToken: try row.next(),
                    lastError: try row.next(), postCount: Int(try row.next(Int64.self)), createdAt: try row.timestamp(),
                    updatedAt: try row.timestamp())
            }
        }
    }

    /// The ids of the accounts in `status`, for work that goes through every one of them (discovery).
    public func accountIds(status: AccountStatus) async throws -> [String] {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.all("SELECT id FROM accounts WHERE status = \(status.rawValue) ORDER BY id", logger) {
                try $0.next(String.self)
            }
        }
    }

    /// Posts, most recently posted first, a page at a time; `workspaceIds` limits them to those workspaces.
    public func listPosts(
        workspaceId: String?, accountId: String?, limit: Int, cursor: String?, workspaceIds: Set<String>?
    ) async throws -> PostPage {
        let logger = self.logger
        return try await withConnection { connection in
            var sql = SQLBuilder("""
                SELECT p.id, p.workspace_id, p.account_id, p.platform, p.external_post_id, p.media_product_type,
                       p.posted_at, p.last_refreshed_at, p.last_error, p.next_due_at, p.consecutive_failures, a.status
                FROM posts p JOIN accounts a ON a.id = p.account_id WHERE true
                """)
            if let workspaceId {
                try await Self.requireWorkspace(connection, logger, workspaceId)
                sql.append(" AND p.workspace_id = ?", workspaceId)
            }
            if let accountId {
                guard try await connection.first("SELECT 1 FROM accounts WHERE id = \(accountId)", logger, { _ in true }) != nil else {
                    throw StoreError.notFound(.account, id: accountId, input: .accountId)
                }
                sql.append(" AND p.account_id = ?", accountId)
            }
            if let workspaceIds {
                sql.append(" AND p.workspace_id = ANY(?)", workspaceIds.sorted())
            }
            if let cursor {
                try Self.appendAfter(&sql, try PostgresCursors.post(cursor))
            }
            sql.append(" \(PostgresCursors.orderSQL) LIMIT ?", limit + 1)
            let rows = try await connection.all(sql.query, logger) { row in
                PostSummary(
                    id: try row.next(), workspaceId: try row.next(), accountId: try row.next(), platform: try row.next(),
                    externalPostId: try row.next(), mediaProductType: try row.next(MediaProductType?.self), postedAt: try row.timestamp(),
                    lastRefreshedAt: try row.optionalTimestamp(), lastError: try row.next(), nextDueAt: try row.optionalTimestamp(),
                    consecutiveFailures: Int(try row.next(Int32.self)), accountStatus: try row.next())
            }
            let posts = Array(rows.prefix(limit))
            let next = rows.count > limit ? posts.last.map { PostCursor(postedAt: $0.postedAt.milliseconds, id: $0.id).token } : nil
            return PostPage(posts: posts, nextCursor: next)
        }
    }

    /// The workspace of each post (nil for an unknown one), in order.
    public func workspaceIds(ofPosts postIds: [String]) async throws -> [String?] {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.all("""
                SELECT p.workspace_id FROM unnest(\(postIds)) WITH ORDINALITY AS q(id, n) LEFT JOIN posts p ON p.id = q.id ORDER BY q.n
                """, logger) { try $0.next(String?.self) }
        }
    }

    public func workspaceId(ofAccount accountId: String) async throws -> String? {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.first("SELECT workspace_id FROM accounts WHERE id = \(accountId)", logger) { try $0.next(String.self) }
        }
    }

    /// External post ids of an account already registered, so discovery only adds the new ones.
    public func knownExternalPostIds(accountId: String) async throws -> Set<String> {
        let logger = self.logger
        return try await withConnection { connection in
            Set(try await connection.all(
                "SELECT external_post_id FROM posts WHERE account_id = \(accountId) AND external_post_id IS NOT NULL", logger
            ) { try $0.next(String.self) })
        }
    }

    static func requireWorkspace(_ connection: PostgresConnection, _ logger: Logger, _ workspaceId: String) async throws {
        guard try await connection.first("SELECT 1 FROM workspaces WHERE id = \(workspaceId)", logger, { _ in true }) != nil else {
            throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
        }
    }
}
