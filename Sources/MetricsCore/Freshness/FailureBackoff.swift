/// When a post whose refresh failed is tried again, and when it counts as failing.
///
/// The n-th consecutive failure is retried after `first × factor^(n−1)` — with the defaults 5 min, 15 min, 45 min,
/// 2 h 15 min — never later than the post's band interval (a failing post is not refreshed less often than a
/// healthy one of its age). From `failingAfter` consecutive failures (`--failing-after`, default 5) the post is
/// flagged `failing` and retried at its band's interval, not dropped; a success clears the count and the flag.
public struct FailureBackoff: Sendable, Hashable {
    public var first: Int64
    public var factor: Int64
    public var failingAfter: Int

    public init(first: Int64 = 300_000, factor: Int64 = 3, failingAfter: Int = 5) {
        self.first = first
        self.factor = factor
        self.failingAfter = failingAfter
    }

    /// The wait (ms) after the `consecutiveFailures`-th failure in a row (1 for the first).
    public func retryDelay(consecutiveFailures: Int, bandInterval: Int64) -> Int64 {
        guard consecutiveFailures < failingAfter else { return bandInterval }
        var delay = first
        for _ in 1..<max(1, consecutiveFailures) {
            // Past the band's interval already: stop multiplying before it can overflow.
            guard delay < bandInterval else { break }
            delay *= factor
        }
        return min(delay, bandInterval)
    }

    public func isFailing(consecutiveFailures: Int) -> Bool {
        consecutiveFailures >= failingAfter
    }
}
