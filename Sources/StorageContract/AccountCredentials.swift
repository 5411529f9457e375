import MetricsCore

/// An account's secrets, for the refresh only. Never rendered by any method.
public struct AccountCredentials: Sendable, Hashable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(
        accountId: String, workspaceId: String, platform: Platform, externalAccountId: String, status: AccountStatus,
        accessToken: String, refreshToken: String?, tokenExpiresAt: Timestamp?, refreshTokenExpiresAt: Timestamp?
    ) {
        self.accountId = accountId
        self.workspaceId = workspaceId
        self.platform = platform
        self.externalAccountId = externalAccountId
        self.status = status
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.tokenExpiresAt = tokenExpiresAt
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
    }

    public var accountId: String
    public var workspaceId: String
    public var platform: Platform
    public var externalAccountId: String
    public var status: AccountStatus
    public var accessToken: String
    public var refreshToken: String?
    public var tokenExpiresAt: Timestamp?
    public var refreshTokenExpiresAt: Timestamp?
}
