import GRDB
import MetricsCore
import StorageContract

/// A row of `accounts`. Internal: the store hands out `AccountSummary` (no tokens) and `AccountCredentials`.
struct AccountRecord: Codable, FetchableRecord, TableRecord, Sendable {
    static let databaseTableName = "accounts"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    var id: String
    var workspaceId: String
    var platform: Platform
    var externalAccountId: String
    var accessToken: String
    var refreshToken: String?
    var tokenExpiresAt: Timestamp?
    var refreshTokenExpiresAt: Timestamp?
    var status: AccountStatus
    var lastError: String?
    var createdAt: Timestamp
    var updatedAt: Timestamp

    enum Columns {
        static let id = Column("id")
        static let workspaceId = Column("workspace_id")
        static let status = Column("status")
    }

    var credentials: AccountCredentials {
        AccountCredentials(
            accountId: id, workspaceId: workspaceId, platform: platform, externalAccountId: externalAccountId,
            status: status, accessToken: accessToken, refreshToken: refreshToken, tokenExpiresAt: tokenExpiresAt,
            refreshTokenExpiresAt: refreshTokenExpiresAt)
    }
}
