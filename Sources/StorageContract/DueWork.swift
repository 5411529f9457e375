import MetricsCore

/// A post to fetch, with what the call needs and what deciding its next due time needs.
public struct DuePost: Sendable, Hashable {
    public var postId: String
    public var accountId: String
    public var workspaceId: String
    public var platform: Platform
    public var externalPostId: String
    public var mediaProductType: MediaProductType?
    public var postedAt: Timestamp
    /// When it is due (nil: never, e.g. outside the window), as stored now.
    public var nextDueAt: Timestamp?
    public var consecutiveFailures: Int
    /// The last reading of its main counter, for the velocity rule.
    public var lastReading: VelocityRule.Reading?

    public init(
        postId: String, accountId: String, workspaceId: String, platform: Platform, externalPostId: String,
        mediaProductType: MediaProductType?, postedAt: Timestamp, nextDueAt: Timestamp?, consecutiveFailures: Int,
        lastReading: VelocityRule.Reading?
    ) {
        self.postId = postId
        self.accountId = accountId
        self.workspaceId = workspaceId
        self.platform = platform
        self.externalPostId = externalPostId
        self.mediaProductType = mediaProductType
        self.postedAt = postedAt
        self.nextDueAt = nextDueAt
        self.consecutiveFailures = consecutiveFailures
        self.lastReading = lastReading
    }
}

/// A connected account and the earliest due time among its posts.
public struct DueAccount: Sendable, Hashable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(accountId: String, platform: Platform, earliestDue: Timestamp) {
        self.accountId = accountId
        self.platform = platform
        self.earliestDue = earliestDue
    }

    public var accountId: String
    public var platform: Platform
    public var earliestDue: Timestamp
}

/// A connected account in a run's scope.
public struct ScopedAccount: Sendable, Hashable {
    public var accountId: String
    public var workspaceId: String
    public var platform: Platform

    public init(accountId: String, workspaceId: String, platform: Platform) {
        self.accountId = accountId
        self.workspaceId = workspaceId
        self.platform = platform
    }
}
