/// Which posts a refresh covers: posted within the window, with an external id, on a connected account.
/// The original cron job's scope, and the default: 30 days, as older posts' numbers barely move.
public struct RefreshWindow: Sendable, Hashable {
    public var days: Int

    public init(days: Int = 30) {
        self.days = days
    }

    /// The oldest `postedAt` a refresh at `now` still covers.
    public func oldestPostedAt(now: Timestamp) -> Timestamp {
        now.adding(days: -days)
    }
}
