import GRDB
import MetricsCore

/// Registration writes: workspaces, accounts (with tokens), posts. Each call is one transaction that either
/// applies whole or not at all.
extension MetricsStore {
    public enum Upsert: String, Sendable {
        case created
        case updated
    }

    public func upsertWorkspace(_ workspace: Workspace) async throws -> Upsert {
        let now = clock.now.milliseconds
        return try await pool.write { db in
            let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM workspaces WHERE id = ?", arguments: [workspace.id]) ?? false
            try db.execute(
                sql: """
                    INSERT INTO workspaces (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
                    """,
                arguments: [workspace.id, workspace.name, now, now]
            )
            return exists ? .updated : .created
        }
    }

    /// Registers or updates an account. A new access token always returns the account to `connected`
    /// and clears its last error: registering a fresh token is how a user reconnects.
    public func upsertAccount(_ account: AccountRegistration) async throws -> Upsert {
        let now = clock.now.milliseconds
        return try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM workspaces WHERE id = ?", arguments: [account.workspaceId]) != nil else {
                throw StoreError.notFound(.workspace, id: account.workspaceId, input: .workspaceId)
            }
            let existingPlatform = try Platform.fetchOne(db, sql: "SELECT platform FROM accounts WHERE id = ?", arguments: [account.id])
            if let existingPlatform, existingPlatform != account.platform {
                throw StoreError(
                    .conflict, input: .platform,
                    message: "account \"\(account.id)\" is registered on \(existingPlatform.rawValue); register a new account id for \(account.platform.rawValue)"
                )
            }
            if let holder = try String.fetchOne(
                db,
                sql: "SELECT id FROM accounts WHERE workspace_id = ? AND platform = ? AND external_account_id = ? AND id != ?",
                arguments: [account.workspaceId, account.platform.rawValue, account.externalAccountId, account.id]
            ) {
                throw StoreError(
                    .conflict, input: .externalAccountId,
                    message: "\(account.platform.rawValue) account \"\(account.externalAccountId)\" is already registered in this workspace as \"\(holder)\""
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO accounts (id, workspace_id, platform, external_account_id, access_token, refresh_token,
                                          token_expires_at, status, last_error, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'connected', NULL, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET
                        workspace_id = excluded.workspace_id,
                        external_account_id = excluded.external_account_id,
                        access_token = excluded.access_token,
                        refresh_token = excluded.refresh_token,
                        token_expires_at = excluded.token_expires_at,
                        status = 'connected',
                        last_error = NULL,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    account.id, account.workspaceId, account.platform.rawValue, account.externalAccountId,
                    account.accessToken, account.refreshToken, account.tokenExpiresAt?.milliseconds, now, now,
                ]
            )
            return existingPlatform == nil ? .created : .updated
        }
    }

    public struct UpsertPostsResult: Sendable, Equatable {
        public var created: Int
        public var updated: Int
    }

    /// Registers up to thousands of posts in one transaction. The first invalid post aborts the whole call
    /// and is named by its position (`StoreError.index`), so the caller can fix it and resend everything.
    public func upsertPosts(_ posts: [PostRegistration]) async throws -> UpsertPostsResult {
        let now = clock.now.milliseconds
        return try await pool.write { db in
            var platformOfAccount: [String: Platform] = [:]
            var result = UpsertPostsResult(created: 0, updated: 0)
            let accountStatement = try db.cachedStatement(sql: "SELECT platform FROM accounts WHERE id = ?")
            let existingStatement = try db.cachedStatement(sql: "SELECT platform FROM posts WHERE id = ?")
            let holderStatement = try db.cachedStatement(
                sql: "SELECT id FROM posts WHERE account_id = ? AND external_post_id = ? AND id != ?")
            // A new post is due at once (when published, if later; never outside the window). An existing one keeps
            // its due time, unless it only now gets the external id it needs to be refreshed at all.
            let upsertStatement = try db.cachedStatement(sql: """
                INSERT INTO posts (id, account_id, platform, external_post_id, media_product_type, posted_at, created_at, updated_at,
                                   next_due_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET
                    account_id = excluded.account_id,
                    platform = excluded.platform,
                    external_post_id = excluded.external_post_id,
                    media_product_type = excluded.media_product_type,
                    posted_at = excluded.posted_at,
                    updated_at = excluded.updated_at,
                    next_due_at = CASE
                        WHEN excluded.external_post_id IS NULL THEN NULL
                        WHEN posts.external_post_id IS NULL THEN excluded.next_due_at
                        ELSE posts.next_due_at END
                """)

            for (index, post) in posts.enumerated() {
                let platform: Platform
                if let known = platformOfAccount[post.accountId] {
                    platform = known
                } else {
                    guard let parsed = try Platform.fetchOne(accountStatement, arguments: [post.accountId]) else {
                        throw StoreError.notFound(.account, id: post.accountId, input: .accountId, index: index)
                    }
                    platformOfAccount[post.accountId] = parsed
                    platform = parsed
                }
                // A conflict with the stored account, not a malformed param: the schema cannot know the platform.
                if let mediaType = post.mediaProductType, platform != .instagram {
                    throw StoreError(
                        .conflict, input: .mediaProductType, index: index,
                        message: "\(mediaType.rawValue) is an Instagram media product type; account \"\(post.accountId)\" is on \(platform.rawValue)"
                    )
                }
                let existingPlatform = try Platform.fetchOne(existingStatement, arguments: [post.id])
                if let existingPlatform, existingPlatform != platform {
                    throw StoreError(
                        .conflict, input: .accountId, index: index,
                        message: "post \"\(post.id)\" belongs to \(existingPlatform.rawValue) and cannot move to an account on \(platform.rawValue)"
                    )
                }
                if let externalPostId = post.externalPostId,
                   let holder = try String.fetchOne(holderStatement, arguments: [post.accountId, externalPostId, post.id])
                {
                    throw StoreError(
                        .conflict, input: .externalPostId, index: index,
                        message: "external post id \"\(externalPostId)\" is already registered on this account as post \"\(holder)\""
                    )
                }
                let firstDue = post.externalPostId == nil ? nil : schedule.firstDue(postedAt: post.postedAt, now: clock.now)
                try upsertStatement.execute(arguments: [
                    post.id, post.accountId, platform.rawValue, post.externalPostId, post.mediaProductType?.rawValue,
                    post.postedAt.milliseconds, now, now, firstDue,
                ])
                if existingPlatform == nil { result.created += 1 } else { result.updated += 1 }
            }
            return result
        }
    }
}
