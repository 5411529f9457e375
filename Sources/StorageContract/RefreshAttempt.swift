import MetricsCore

/// One attempt at one post, with the due time the refresh schedule gave it afterwards.
public struct RefreshAttempt: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case fetched(Snapshot)
        /// The platform has no numbers yet (Instagram's `{"data":[]}` for new media): not a failure, no point.
        case noData
        case failed(RefreshFailureKind, message: String)
    }

    public var postId: String
    public var accountId: String
    public var platform: Platform
    public var at: Timestamp
    public var outcome: Outcome
    public var nextDueAt: Timestamp?

    public init(postId: String, accountId: String, platform: Platform, at: Timestamp, outcome: Outcome, nextDueAt: Timestamp?) {
        self.postId = postId
        self.accountId = accountId
        self.platform = platform
        self.at = at
        self.outcome = outcome
        self.nextDueAt = nextDueAt
    }
}
