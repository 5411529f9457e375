/// Exponential backoff with jitter for transient failures.
///
/// Attempt n (0-based) waits `min(maximum, initial × 2ⁿ)` scaled by a jitter factor in [0.5, 1.0): with the
/// defaults 0.5 s, 1 s, 2 s (each up to half shorter), then the call is given up as failed for this run. The
/// jitter spreads retries of many posts that failed together; `random` is injected so tests are exact.
public struct Backoff: Sendable, Hashable {
    public var initialMilliseconds: Int64
    public var maximumMilliseconds: Int64
    /// Retries after the first try; `maximumRetries + 1` attempts in all.
    public var maximumRetries: Int

    public init(initialMilliseconds: Int64 = 500, maximumMilliseconds: Int64 = 8000, maximumRetries: Int = 3) {
        self.initialMilliseconds = initialMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
        self.maximumRetries = maximumRetries
    }

    /// The wait before retry number `retry` (0 for the first retry), or nil when retries are used up.
    /// `unitRandom` must be in [0, 1).
    public func delay(beforeRetry retry: Int, unitRandom: Double) -> Int64? {
        guard retry < maximumRetries else { return nil }
        let exponential = Double(initialMilliseconds) * Double(1 << min(retry, 30))
        let capped = min(Double(maximumMilliseconds), exponential)
        return Int64((capped * (0.5 + unitRandom / 2)).rounded())
    }
}
