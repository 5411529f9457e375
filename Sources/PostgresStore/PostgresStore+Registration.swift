import MetricsCore
import PostgresNIO
import StorageContract

/// Registration writes: workspaces, accounts (with tokens), posts. Each call is one transaction that either applies
/// whole or not at all, with the SQLite store's checks, errors and outcomes.
extension PostgresStore {
    /// Registers or renames a workspace, and sets its time zone. A new time zone moves its posts' days: their
    /// rollups and the workspace's totals are rebuilt from the raw snapshots, in this transaction.
    public func upsertWorkspace(_ workspace: Workspace) async throws -> Upsert {
        let now = nowMilliseconds
        guard let calendar = LocalCalendar(identifier: workspace.timeZone) else {
            throw StoreError(.invalid, input: .timeZone, message: "unknown time zone \"\(workspace.timeZone)\"; expected an IANA name such as Europe/Paris")
        }
        let logger = self.logger
        return try await transaction { connection in
            let previous = try await connection.first(
                "SELECT time_zone FROM workspaces WHERE id = \(workspace.id) FOR UPDATE", logger) { try $0.next(String.self) }
            try await connection.run("""
                INSERT INTO workspaces (id, name, created_at, updated_at, time_zone)
                VALUES (\(workspace.id), \(workspace.name), \(now), \(now), \(workspace.timeZone))
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at, time_zone = excluded.time_zone
                """, logger)
            if let previous, previous != workspace.timeZone {
                let keys = try await PostgresDailySummaries.lockedPostKeys(connection, logger, workspaceId: workspace.id)
                try await PostgresDailySummaries.rebuildRollups(connection, logger, postKeys: keys, calendar: calendar)
                try await PostgresDailySummaries.rebuildTotals(connection, logger, workspaceId: workspace.id)
            }
            return previous == nil ? .created : .updated
        }
    }

    /// Registers or updates an account. A new access token always returns the account to `connected` and clears
    /// its last error: registering a fresh token is how a user reconnects.
    public func upsertAccount(_ account: AccountRegistration) async throws -> Upsert {
        let now = nowMilliseconds
        let logger = self.logger
        return try await writeWithEvents { connection, events in
            guard try await connection.first("SELECT 1 FROM workspaces WHERE id = \(account.workspaceId)", logger, { _ in true }) != nil else {
                throw StoreError.notFound(.workspace, id: account.workspaceId, input: .workspaceId)
            }
            let existing = try await connection.first(
                "SELECT platform, workspace_id, status FROM accounts WHERE id = \(account.id) FOR UPDATE", logger
            ) { row in (try row.next(Platform.self), try row.next(String.self), try row.next(AccountStatus.self)) }
            if let existingPlatform = existing?.0, existingPlatform != account.platform {
                throw StoreError(
                    .conflict, input: .platform,
                    message: "account \"\(account.id)\" is registered on \(existingPlatform.rawValue); register a new account id for \(account.platform.rawValue)"
                )
            }
            if let holder = try await connection.first("""
                SELECT id FROM accounts WHERE workspace_id = \(account.workspaceId) AND platform = \(account.platform.rawValue)
                AND external_account_id = \(account.externalAccountId) AND id <> \(account.id)
                """, logger, { try $0.next(String.self) })
            {
                throw StoreError(
                    .conflict, input: .externalAccountId,
                    message: "\(account.platform.rawValue) account \"\(account.externalAccountId)\" is already registered in this workspace as \"\(holder)\""
                )
            }
            try await connection.run("""
                INSERT INTO accounts (id, workspace_id, platform, external_account_id, access_token, refresh_token,
                                      token_expires_at, status, last_error, created_at, updated_at)
                VALUES (\(account.id), \(account.workspaceId), \(account.platform.rawValue), \(account.externalAccountId),
                        \(account.accessToken), \(account.refreshToken), \(account.tokenExpiresAt?.milliseconds), 'connected', NULL,
                        \(now), \(now))
                ON CONFLICT (id) DO UPDATE SET
                    workspace_id = excluded.workspace_id,
                    external_account_id = excluded.external_account_id,
                    access_token = excluded.access_token,
                    refresh_token = excluded.refresh_token,
                    token_expires_at = excluded.token_expires_at,
                    status = 'connected',
                    last_error = NULL,
                    updated_at = excluded.updated_at
                """, logger)
            if let previousWorkspace = existing?.1, previousWorkspace != account.workspaceId {
                // The account moved: its posts, their days (the new workspace's time zone) and both workspaces' totals.
                let keys = try await connection.all("""
                    UPDATE posts SET workspace_id = \(account.workspaceId) WHERE account_id = \(account.id) RETURNING key
                    """, logger) { try $0.next(Int64.self) }
                let calendar = try await PostgresDailySummaries.calendar(connection, logger, workspaceId: account.workspaceId)
                try await PostgresDailySummaries.rebuildRollups(connection, logger, postKeys: keys.sorted(), calendar: calendar)
                try await PostgresDailySummaries.rebuildTotals(connection, logger, workspaceId: previousWorkspace)
                try await PostgresDailySummaries.rebuildTotals(connection, logger, workspaceId: account.workspaceId)
            }
            let previousStatus = existing?.2
            if previousStatus != .connected {
                // Registered, or registered again with a fresh token: the account is connected (news when it was not).
                events.append(
                    .account, workspaceId: account.workspaceId,
                    data: EventData.account(
                        accountId: account.id, platform: account.platform.rawValue, status: .connected, previousStatus: previousStatus,
                        reason: previousStatus == nil ? "registered" : "registered again"))
            }
            return existing == nil ? .created : .updated
        }
    }

    /// Registers up to thousands of posts in one transaction. The first invalid post aborts the whole call and is
    /// named by its position (`StoreError.index`), so the caller can fix it and resend everything.
    ///
    /// The checks run here, in order, against what the database holds plus what the earlier posts of the call
    /// changed (exactly what the SQLite store sees post by post), and the posts are then written by one statement per
    /// batch instead of three round trips each: 10,000 posts cost a few round trips, not 30,000.
    public func upsertPosts(_ posts: [PostRegistration]) async throws -> UpsertPostsResult {
        let now = nowMilliseconds
        let firstDue = posts.map { post in post.externalPostId == nil ? nil : schedule.firstDue(postedAt: post.postedAt, now: clock.now) }
        let logger = self.logger
        return try await transaction { connection in
            try await PostRegistrationBatch(posts: posts, firstDue: firstDue, now: now).apply(connection, logger)
        }
    }
}

/// One `upsertPosts` call: checked in order in memory, then written in order.
private struct PostRegistrationBatch {
    let posts: [PostRegistration]
    let firstDue: [Timestamp?]
    let now: Int64

    private struct Stored {
        var accountId: String
        var workspaceId: String
        var platform: Platform
        var externalPostId: String?
    }

    private struct Pair: Hashable {
        var accountId: String
        var externalPostId: String
    }

    func apply(_ connection: PostgresConnection, _ logger: Logger) async throws -> UpsertPostsResult {
        let accountIds = Array(Set(posts.map(\.accountId)))
        var accounts: [String: (platform: Platform, workspaceId: String)] = [:]
        for (id, platform, workspace) in try await connection.all(
            "SELECT id, platform, workspace_id FROM accounts WHERE id = ANY(\(accountIds))", logger,
            { row in (try row.next(String.self), try row.next(Platform.self), try row.next(String.self)) })
        {
            accounts[id] = (platform, workspace)
        }
        // What the database holds: the posts named, and the holders of the external ids asked for.
        var stored: [String: Stored] = [:]
        var holders: [Pair: String] = [:]
        let pairs = posts.compactMap { post in post.externalPostId.map { Pair(accountId: post.accountId, externalPostId: $0) } }
        let rows = try await connection.all("""
            SELECT id, account_id, workspace_id, platform, external_post_id FROM posts
            WHERE id = ANY(\(Array(Set(posts.map(\.id)))))
               OR (account_id, external_post_id) IN (SELECT * FROM unnest(\(pairs.map(\.accountId)), \(pairs.map(\.externalPostId))))
            """, logger
        ) { row in
            (try row.next(String.self),
             Stored(accountId: try row.next(), workspaceId: try row.next(), platform: try row.next(), externalPostId: try row.next()))
        }
        let named = Set(posts.map(\.id))
        for (id, post) in rows {
            if named.contains(id) { stored[id] = post }
            if let external = post.externalPostId { holders[Pair(accountId: post.accountId, externalPostId: external)] = id }
        }

        var result = UpsertPostsResult(created: 0, updated: 0)
        var moved: [(postId: String, from: String, to: String)] = []
        var writes: [(post: PostRegistration, platform: Platform, workspaceId: String, firstDue: Timestamp?)] = []
        for (index, post) in posts.enumerated() {
            guard let account = accounts[post.accountId] else {
                throw StoreError.notFound(.account, id: post.accountId, input: .accountId, index: index)
            }
            // A conflict with the stored account, not a malformed param: the schema cannot know the platform.
            if let mediaType = post.mediaProductType, account.platform != .instagram {
                throw StoreError(
                    .conflict, input: .mediaProductType, index: index,
                    message: "\(mediaType.rawValue) is an Instagram media product type; account \"\(post.accountId)\" is on \(account.platform.rawValue)"
                )
            }
            let existing = stored[post.id]
            if let existing, existing.workspaceId != account.workspaceId {
                moved.append((post.id, existing.workspaceId, account.workspaceId))
            }
            if let existing, existing.platform != account.platform {
                throw StoreError(
                    .conflict, input: .accountId, index: index,
                    message: "post \"\(post.id)\" belongs to \(existing.platform.rawValue) and cannot move to an account on \(account.platform.rawValue)"
                )
            }
            if let external = post.externalPostId, let holder = holders[Pair(accountId: post.accountId, externalPostId: external)],
               holder != post.id
            {
                throw StoreError(
                    .conflict, input: .externalPostId, index: index,
                    message: "external post id \"\(external)\" is already registered on this account as post \"\(holder)\""
                )
            }
            if let existing, let external = existing.externalPostId {
                let pair = Pair(accountId: existing.accountId, externalPostId: external)
                if holders[pair] == post.id { holders[pair] = nil }
            }
            if let external = post.externalPostId { holders[Pair(accountId: post.accountId, externalPostId: external)] = post.id }
            stored[post.id] = Stored(
                accountId: post.accountId, workspaceId: account.workspaceId, platform: account.platform, externalPostId: post.externalPostId)
            writes.append((post, account.platform, account.workspaceId, firstDue[index]))
            if existing == nil { result.created += 1 } else { result.updated += 1 }
        }

        // In order, in statements whose posts are distinct (one statement cannot update a row twice).
        var start = 0
        while start < writes.count {
            var ids: Set<String> = []
            var end = start
            while end < writes.count, ids.insert(writes[end].post.id).inserted { end += 1 }
            try await write(writes[start..<end], connection, logger)
            start = end
        }

        if !moved.isEmpty {
            // Posts that moved to an account of another workspace: their days and both workspaces' totals.
            var keys: [String: Int64] = [:]
            for (id, key) in try await connection.all(
                "SELECT id, key FROM posts WHERE id = ANY(\(moved.map(\.postId))) ORDER BY key FOR NO KEY UPDATE", logger,
                { row in (try row.next(String.self), try row.next(Int64.self)) })
            {
                keys[id] = key
            }
            for destination in Set(moved.map(\.to)).sorted() {
                let calendar = try await PostgresDailySummaries.calendar(connection, logger, workspaceId: destination)
                let moving = moved.filter { $0.to == destination }.compactMap { keys[$0.postId] }
                try await PostgresDailySummaries.rebuildRollups(connection, logger, postKeys: moving.sorted(), calendar: calendar)
            }
            for workspace in Set(moved.map(\.from) + moved.map(\.to)).sorted() {
                try await PostgresDailySummaries.rebuildTotals(connection, logger, workspaceId: workspace)
            }
        }
        return result
    }

    /// A new post is due at once (when published, if later; never outside the window). An existing one keeps its due
    /// time, unless it only now gets the external id it needs to be refreshed at all.
    private func write(
        _ writes: ArraySlice<(post: PostRegistration, platform: Platform, workspaceId: String, firstDue: Timestamp?)>,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        try await connection.run("""
            INSERT INTO posts (id, account_id, platform, external_post_id, media_product_type, posted_at, created_at, updated_at,
                               next_due_at, workspace_id)
            SELECT v.id, v.account_id, v.platform, v.external_post_id, v.media_product_type, v.posted_at, \(now), \(now),
                   v.next_due_at, v.workspace_id
            FROM unnest(\(writes.map(\.post.id)), \(writes.map(\.post.accountId)), \(writes.map(\.platform.rawValue)),
                        \(NullableArray(writes.map(\.post.externalPostId))), \(NullableArray(writes.map(\.post.mediaProductType?.rawValue))),
                        \(writes.map(\.post.postedAt.milliseconds)), \(NullableArray(writes.map(\.firstDue?.milliseconds))),
                        \(writes.map(\.workspaceId)))
                WITH ORDINALITY AS v(id, account_id, platform, external_post_id, media_product_type, posted_at, next_due_at, workspace_id, n)
            ORDER BY v.n
            ON CONFLICT (id) DO UPDATE SET
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
            """, logger)
    }
}
