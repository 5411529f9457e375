/// How long a webhook delivery waits before each retry, about a day in all.
///
/// The Standard Webhooks spec's example, cut to a day: after the first attempt fails, retries follow after
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (27 h 35 min 5 s in all before jitter; the endpoint is disabled
/// when the last one fails). Each wait is scaled by a jitter factor in [0.8, 1.2) drawn from `unitRandom`, so
/// endpoints that failed together (a receiver that was down) do not all come back in the same second, while the
/// schedule stays about a day long. `unitRandom` is injected: tests pass exact values.
///
/// Tests and the demo run it on a fast clock, or give the daemon a short schedule of their own
/// (`DaemonConfiguration.webhookRetryDelays`).
public struct WebhookRetrySchedule: Sendable, Hashable {
    /// The wait before each retry, in order (milliseconds, before jitter).
    public var delaysMilliseconds: [Int64]

    public static let standard = WebhookRetrySchedule(delaysMilliseconds: [
        5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ])

    /// The jitter factor's range: ±20 %.
    public static let jitter: ClosedRange<Double> = 0.8...1.2

    public init(delaysMilliseconds: [Int64]) {
        precondition(delaysMilliseconds.allSatisfy { $0 >= 0 }, "retry delays are not negative")
        self.delaysMilliseconds = delaysMilliseconds
    }

    /// Retries after the first attempt; `retries + 1` attempts in all.
    public var retries: Int { delaysMilliseconds.count }

    /// The wait before retry number `retry` (0 for the first retry), or nil when the retries are used up.
    /// `unitRandom` must be in [0, 1).
    public func delay(beforeRetry retry: Int, unitRandom: Double) -> Int64? {
        guard retry >= 0, retry < delaysMilliseconds.count else { return nil }
        let factor = Self.jitter.lowerBound + (Self.jitter.upperBound - Self.jitter.lowerBound) * unitRandom
        return Int64((Double(delaysMilliseconds[retry]) * factor).rounded())
    }
}
