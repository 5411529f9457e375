import GRDB
import MetricsCore
import StorageContract

/// Registration writes: workspaces, accounts (with tokens), posts. Each call is one transaction that either
/// applies whole or not at all.
extension SQLiteStore {

    /// Registers or renames a workspace, and sets its time zone. A new time zone moves its posts' days: their
    /// rollups and the workspace's totals are rebuilt from the raw snapshots, in this transaction.
    public func upsertWorkspace(_ workspace: Workspace) async throws -> Upsert {
        let now = clock.now.milliseconds
        guard let calendar = LocalCalendar(identifier: workspace.timeZone) else {
            throw StoreError(.invalid, input: .timeZone, message: "unknown time zone \"\(workspace.timeZone)\"; expected an IANA name such as Europe/Paris")
        }
        return try await pool.write { db in
            let previous = try String.fetchOne(db, sql: "SELECT time_zone FROM workspaces WHERE id = ?", arguments: [workspace.id])
            try db.execute(
                sql: """
                    INSERT INTO workspaces (id, name, created_at, updated_at, time_zone) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at, time_zone = excluded.time_zone
                    """,
                arguments: [workspace.id, workspace.name, now, now, workspace.timeZone]
            )
            if let previous, previous != workspace.timeZone {
                try DailySummaries.rebuildRollups(db, postKeys: DailySummaries.postKeys(db, workspaceId: workspace.id), calendar: calendar)
                try DailySummaries.rebuildTotals(db, workspaceId: workspace.id)
            }
            return previous == nil ? .created : .updated
        }
    }

    /// Registers or updates an account. A new access token always returns the account to `connected`
    /// and clears its last error: registering a fresh token is how a user reconnects.
    public func upsertAccount(_ account: AccountRegistration) async throws -> Upsert {
        let now = clock.now.milliseconds
        return try await writeWithEvents { db, events in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM workspaces WHERE id = ?", arguments: [account.workspaceId]) != nil else {
                throw StoreError.notFound(.workspace, id: account.workspaceId, input: .workspaceId)
            }
            let existing = try Row.fetchOne(db, sql: "SELECT platform, workspace_id, status FROM accounts WHERE id = ?", arguments: [account.id])
            let existingPlatform: Platform? = try existing?.decode(atIndex: 0)
            let previousWorkspace: String? = try existing?.decode(atIndex: 1)
            let previousStatus: AccountStatus? = try existing?.decode(atIndex: 2)
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
            if let previousWorkspace, previousWorkspace != account.workspaceId {
                // The account moved: its posts, their days (the new workspace's time zone) and both workspaces' totals.
                try db.execute(sql: "UPDATE posts SET workspace_id = ? WHERE account_id = ?", arguments: [account.workspaceId, account.id])
                let keys = try Int64.fetchAll(db, sql: "SELECT key FROM posts WHERE account_id = ?", arguments: [account.id])
                var writer = SnapshotWriter(db)
                try DailySummaries.rebuildRollups(db, postKeys: keys, calendar: writer.calendar(of: account.workspaceId))
                try DailySummaries.rebuildTotals(db, workspaceId: previousWorkspace)
                try DailySummaries.rebuildTotals(db, workspaceId: account.workspaceId)
            }
            if previousStatus != .connected {
                // Registered, or registered again with a fresh token: the account is connected (news when it was not).
                try events.append(
                    .account, workspaceId: account.workspaceId,
                    data: EventData.account(
                        accountId: account.id, platform: account.platform.rawValue, status: .connected, previousStatus: previousStatus,
                        reason: previousStatus == nil ? "registered" : "registered again"))
            }
            return existingPlatform == nil ? .created : .updated
        }
    }

    /// Registers up to thousands of posts in one transaction. The first invalid post aborts the whole call
    /// and is named by its position (`StoreError.index`), so the caller can fix it and resend everything.
    public func upsertPosts(_ posts: [PostRegistration]) async throws -> UpsertPostsResult {
        let now = clock.now.milliseconds
        return try await pool.write { db in
            var platformOfAccount: [String: Platform] = [:]
            var workspaceOfAccount: [String: String] = [:]
            var result = UpsertPostsResult(created: 0, updated: 0)
            let accountStatement = try db.cachedStatement(sql: "SELECT platform, workspace_id FROM accounts WHERE id = ?")
            let existingStatement = try db.cachedStatement(sql: "SELECT platform, workspace_id, key FROM posts WHERE id = ?")
            var moved: [(key: Int64, from: String, to: String)] = []
            let holderStatement = try db.cachedStatement(
                sql: "SELECT id FROM posts WHERE account_id = ? AND external_post_id = ? AND id != ?")
            // A new post is due at once (when published, if later; never outside the window). An existing one keeps
            // its due time, unless it only now gets the external id it needs to be refreshed at all.
            let upsertStatement = try db.cachedStatement(sql: """
                INSERT INTO posts (id, account_id, platform, external_post_id, media_product_type, posted_at, created_at, updated_at,
                                   next_due_at, workspace_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET
                    account_id = excluded.account_id,
                    workspace_id = excluded.workspace_id,
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
                    guard let row = try Row.fetchOne(accountStatement, arguments: [post.accountId]) else {
                        throw StoreError.notFound(.account, id: post.accountId, input: .accountId, index: index)
                    }
                    platform = try row.decode(atIndex: 0)
                    platformOfAccount[post.accountId] = platform
                    workspaceOfAccount[post.accountId] = try row.decode(atIndex: 1)
                }
                // A conflict with the stored account, not a malformed param: the schema cannot know the platform.
                if let mediaType = post.mediaProductType, platform != .instagram {
                    throw StoreError(
                        .conflict, input: .mediaProductType, index: index,
                        message: "\(mediaType.rawValue) is an Instagram media product type; account \"\(post.accountId)\" is on \(platform.rawValue)"
                    )
                }
                let existing = try Row.fetchOne(existingStatement, arguments: [post.id])
                let existingPlatform: Platform? = try existing?.decode(atIndex: 0)
                if let existing, let to = workspaceOfAccount[post.accountId], try existing.decode(String.self, atIndex: 1) != to {
                    moved.append((try existing.decode(atIndex: 2), try existing.decode(atIndex: 1), to))
                }
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
                    post.postedAt.milliseconds, now, now, firstDue, workspaceOfAccount[post.accountId],
                ])
                if existingPlatform == nil { result.created += 1 } else { result.updated += 1 }
            }
            if !moved.isEmpty {
                // Posts that moved to an account of another workspace: their days and both workspaces' totals.
                var writer = SnapshotWriter(db)
                for destination in Set(moved.map(\.to)) {
                    try DailySummaries.rebuildRollups(
                        db, postKeys: moved.filter { $0.to == destination }.map(\.key), calendar: writer.calendar(of: destination))
                }
                for workspace in Set(moved.map(\.from) + moved.map(\.to)) {
                    try DailySummaries.rebuildTotals(db, workspaceId: workspace)
                }
            }
            return result
        }
    }
}
