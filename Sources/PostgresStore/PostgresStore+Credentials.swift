import MetricsCore
import PostgresNIO
import StorageContract

/// Account credentials for the refresh, and what the refresh learns about them: rotated tokens, lost accounts.
extension PostgresStore {
    public func credentials(accountId: String) async throws -> AccountCredentials? {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.first("""
                SELECT id, workspace_id, platform, external_account_id, status, access_token, refresh_token, token_expires_at,
                       refresh_token_expires_at
                FROM accounts WHERE id = \(accountId)
                """, logger) { row in
                AccountCredentials(
                    accountId: try row.next(), workspaceId: try row.next(), platform: try row.next(), externalAccountId: try row.next(),
                    status: try row.next(), accessToken: try row.next(), refreshToken: try row.next(),
                    tokenExpiresAt: try row.optionalTimestamp(), refreshTokenExpiresAt: try row.optionalTimestamp())
            }
        }
    }

    /// Stores a rotated token pair, committed before the caller uses it: the platform has already invalidated the old
    /// refresh token, so losing the new one would lose the account. A compare-and-swap on the refresh token the grant
    /// spent (`IS NOT DISTINCT FROM`, so an account that had none matches nil): false, nothing written, when another
    /// refresh — of this daemon or another — stored a newer pair first.
    public func rotateTokens(
        accountId: String, replacing previousRefreshToken: String?, accessToken: String, accessTokenExpiresAt: Timestamp?,
        refreshToken: String?, refreshTokenExpiresAt: Timestamp?
    ) async throws -> Bool {
        let now = nowMilliseconds
        let logger = self.logger
        return try await transaction { connection in
            let updated = try await connection.rows("""
                UPDATE accounts SET access_token = \(accessToken), token_expires_at = \(accessTokenExpiresAt?.milliseconds),
                    refresh_token = coalesce(\(refreshToken), refresh_token),
                    refresh_token_expires_at = coalesce(\(refreshTokenExpiresAt?.milliseconds), refresh_token_expires_at),
                    updated_at = \(now)
                WHERE id = \(accountId) AND refresh_token IS NOT DISTINCT FROM \(previousRefreshToken)
                RETURNING 1
                """, logger)
            return updated.count == 1
        }
    }

    /// Marks an account the refresh can no longer call (expired, needs reconnect), with the reason shown in
    /// `listAccounts` and counted by `health`.
    public func setAccountStatus(accountId: String, status: AccountStatus, lastError: String?) async throws {
        let now = nowMilliseconds
        let logger = self.logger
        try await writeWithEvents { connection, events in
            // The row as it was (`o`: this update locks it, so two daemons changing it take turns and each sees the other's).
            guard let (previous, platform, workspaceId) = try await connection.first("""
                UPDATE accounts a SET status = \(status.rawValue), last_error = \(lastError), updated_at = \(now)
                FROM accounts o WHERE a.id = \(accountId) AND o.id = a.id
                RETURNING o.status, a.platform, a.workspace_id
                """, logger, { row in (try row.next(AccountStatus.self), try row.next(String.self), try row.next(String.self)) })
            else { return }
            guard previous != status else { return }
            events.append(
                .account, workspaceId: workspaceId,
                data: EventData.account(accountId: accountId, platform: platform, status: status, previousStatus: previous, reason: lastError))
        }
    }

    /// Metrics learned to be retired, by platform and media type ("" for platforms without types).
    public func retiredMetrics() async throws -> [Platform: [String: Set<String>]] {
        let logger = self.logger
        let rows = try await withConnection { connection in
            try await connection.all("SELECT platform, media_type, metric FROM retired_metrics", logger) { row in
                (try row.next(Platform.self), try row.next(String.self), try row.next(String.self))
            }
        }
        var result: [Platform: [String: Set<String>]] = [:]
        for (platform, mediaType, metric) in rows {
            result[platform, default: [:]][mediaType, default: []].insert(metric)
        }
        return result
    }

    public func rememberRetiredMetrics(platform: Platform, mediaType: String, metrics: [String]) async throws {
        let now = nowMilliseconds
        let logger = self.logger
        try await transaction { connection in
            try await connection.run("""
                INSERT INTO retired_metrics (platform, media_type, metric, learned_at)
                SELECT \(platform.rawValue), \(mediaType), m, \(now) FROM unnest(\(metrics)) AS m
                ON CONFLICT DO NOTHING
                """, logger)
        }
    }
}
