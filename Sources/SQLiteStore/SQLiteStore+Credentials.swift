import GRDB
import MetricsCore
import StorageContract

/// Account credentials for the refresh, and what the refresh learns about them: rotated tokens, lost accounts.
extension SQLiteStore {

    public func credentials(accountId: String) async throws -> AccountCredentials? {
        try await pool.read { db in try AccountRecord.fetchOne(db, key: accountId)?.credentials }
    }

    /// Stores a rotated token pair, committed (and in WAL, durable on commit) before the caller uses it: the
    /// platform has already invalidated the old refresh token, so losing the new one would lose the account.
    /// A compare-and-swap on the refresh token the grant spent: false, nothing written, when another refresh
    /// stored a newer pair first (its pair is the live one; this one was issued from a token already spent).
    public func rotateTokens(
        accountId: String, replacing previousRefreshToken: String?, accessToken: String, accessTokenExpiresAt: Timestamp?,
        refreshToken: String?, refreshTokenExpiresAt: Timestamp?
    ) async throws -> Bool {
        let now = clock.now.milliseconds
        return try await pool.write { db in
            try db.execute(sql: """
                UPDATE accounts SET access_token = ?, token_expires_at = ?,
                    refresh_token = COALESCE(?, refresh_token), refresh_token_expires_at = COALESCE(?, refresh_token_expires_at),
                    updated_at = ?
                WHERE id = ? AND refresh_token IS ?
                """, arguments: [accessToken, accessTokenExpiresAt?.milliseconds, refreshToken,
                                 refreshTokenExpiresAt?.milliseconds, now, accountId, previousRefreshToken])
            return db.changesCount == 1
        }
    }

    /// Marks an account the refresh can no longer call (expired, needs reconnect), with the reason shown in
    /// `listAccounts` and counted by `health`.
    public func setAccountStatus(accountId: String, status: AccountStatus, lastError: String?) async throws {
        let now = clock.now.milliseconds
        try await writeWithEvents { db, events in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT status, platform, workspace_id FROM accounts WHERE id = ?", arguments: [accountId])
            else { return }
            try db.execute(
                sql: "UPDATE accounts SET status = ?, last_error = ?, updated_at = ? WHERE id = ?",
                arguments: [status.rawValue, lastError, now, accountId])
            let previous: AccountStatus = try row.decode(atIndex: 0)
            guard previous != status else { return }
            try events.append(
                .account, workspaceId: try row.decode(atIndex: 2),
                data: EventData.account(
                    accountId: accountId, platform: try row.decode(atIndex: 1), status: status, previousStatus: previous, reason: lastError))
        }
    }
}
