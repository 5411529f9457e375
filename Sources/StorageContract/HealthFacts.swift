import MetricsCore

public struct HealthFacts: Sendable, Equatable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(
        sizeBytes: Int64, accountsByStatus: [AccountStatus: Int], lastRun: RefreshRunInfo?, failingPosts: Int, snapshotRows: Int64,
        lastRetention: RetentionPass?, tokensExpiringSoon: Int
    ) {
        self.tokensExpiringSoon = tokensExpiringSoon
        self.sizeBytes = sizeBytes
        self.accountsByStatus = accountsByStatus
        self.lastRun = lastRun
        self.failingPosts = failingPosts
        self.snapshotRows = snapshotRows
        self.lastRetention = lastRetention
    }

    /// On disk: the database's pages plus its write-ahead log, which between checkpoints can be the
    /// larger part (a big import lands there first).
    public var sizeBytes: Int64
    public var accountsByStatus: [AccountStatus: Int]
    public var lastRun: RefreshRunInfo?
    /// Posts whose failures in a row reach the schedule's `failingAfter`.
    public var failingPosts: Int
    /// Raw snapshot rows (kept as a counter beside the table: counting millions of rows is not a health check).
    public var snapshotRows: Int64
    public var lastRetention: RetentionPass?
    /// Connected accounts whose credentials stop working within `tokenExpiryWarningMilliseconds` (the refresh token's expiry when
    /// the account has one, else the access token's; an unknown expiry is not counted).
    public var tokensExpiringSoon: Int

    /// How far ahead `tokensExpiringSoon` looks: a week, time for an owner to reconnect.
    public static let tokenExpiryWarningMilliseconds: Int64 = 7 * 86_400_000
}
