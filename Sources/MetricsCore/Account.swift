/// What a sibling service registers for a connected platform account. Registering again with a new token
/// is how an expired account is reconnected: the status returns to `connected`.
public struct AccountRegistration: Sendable, Hashable {
    public var id: String
    public var workspaceId: String
    public var platform: Platform
    public var externalAccountId: String
    public var accessToken: String
    public var refreshToken: String?
    public var tokenExpiresAt: Timestamp?

    public init(
        id: String, workspaceId: String, platform: Platform, externalAccountId: String, accessToken: String,
        refreshToken: String? = nil, tokenExpiresAt: Timestamp? = nil
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.platform = platform
        self.externalAccountId = externalAccountId
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.tokenExpiresAt = tokenExpiresAt
    }
}

/// An account as metricsd shows it. It has no token fields at all, so no listing can leak one.
public struct AccountSummary: Sendable, Hashable {
    public var id: String
    public var workspaceId: String
    public var platform: Platform
    public var externalAccountId: String
    public var status: AccountStatus
    public var tokenExpiresAt: Timestamp?
    public var hasRefreshToken: Bool
    public var lastError: String?
    public var postCount: Int
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, workspaceId: String, platform: Platform, externalAccountId: String, status: AccountStatus,
        tokenExpiresAt: Timestamp?, hasRefreshToken: Bool, lastError: String?, postCount: Int,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.platform = platform
        self.externalAccountId = externalAccountId
        self.status = status
        self.tokenExpiresAt = tokenExpiresAt
        self.hasRefreshToken = hasRefreshToken
        self.lastError = lastError
        self.postCount = postCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
