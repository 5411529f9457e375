/// A published (or soon published) post a sibling service registers. Without an external id it is known
/// but not refreshed: TikTok, for one, hands out a publish id first and the video id later.
public struct PostRegistration: Sendable, Hashable {
    public var id: String
    public var accountId: String
    public var externalPostId: String?
    public var postedAt: Timestamp
    public var mediaProductType: MediaProductType?

    public init(id: String, accountId: String, externalPostId: String?, postedAt: Timestamp, mediaProductType: MediaProductType? = nil) {
        self.id = id
        self.accountId = accountId
        self.externalPostId = externalPostId
        self.postedAt = postedAt
        self.mediaProductType = mediaProductType
    }
}

/// A post as metricsd shows it, with its refresh bookkeeping.
public struct PostSummary: Sendable, Hashable {
    public var id: String
    public var workspaceId: String
    public var accountId: String
    public var platform: Platform
    public var externalPostId: String?
    public var mediaProductType: MediaProductType?
    public var postedAt: Timestamp
    public var lastRefreshedAt: Timestamp?
    public var lastError: String?
    /// When it is next due (nil: never, e.g. outside the window or without an external id).
    public var nextDueAt: Timestamp?
    /// Failed attempts since its last success.
    public var consecutiveFailures: Int
    /// Its account's status: a post of an account that is not connected is paused.
    public var accountStatus: AccountStatus

    public init(
        id: String, workspaceId: String, accountId: String, platform: Platform, externalPostId: String?,
        mediaProductType: MediaProductType?, postedAt: Timestamp, lastRefreshedAt: Timestamp?, lastError: String?,
        nextDueAt: Timestamp? = nil, consecutiveFailures: Int = 0, accountStatus: AccountStatus = .connected
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.accountId = accountId
        self.platform = platform
        self.externalPostId = externalPostId
        self.mediaProductType = mediaProductType
        self.postedAt = postedAt
        self.lastRefreshedAt = lastRefreshedAt
        self.lastError = lastError
        self.nextDueAt = nextDueAt
        self.consecutiveFailures = consecutiveFailures
        self.accountStatus = accountStatus
    }

    /// Where it stands with the refresh at `now`, with `failures` deciding what counts as failing.
    public func refreshState(now: Timestamp, failures: FailureBackoff) -> RefreshState {
        .of(accountStatus: accountStatus, hasExternalId: externalPostId != nil, consecutiveFailures: consecutiveFailures,
            nextDueAt: nextDueAt, now: now, failures: failures)
    }
}

/// A post's newest snapshot, or `capturedAt == nil` and all values nil when it has none yet.
public struct LatestMetric: Sendable, Hashable {
    public var postId: String
    public var platform: Platform
    public var capturedAt: Timestamp?
    public var values: MetricValues

    public init(postId: String, platform: Platform, capturedAt: Timestamp?, values: MetricValues) {
        self.postId = postId
        self.platform = platform
        self.capturedAt = capturedAt
        self.values = values
    }
}
