/// A token bucket, kept as the "theoretical arrival time" of the next call (GCRA), so it is one number,
/// exact at millisecond resolution, and never needs a timer to refill.
///
/// `rate` calls per second on average, up to `burst` back to back after a quiet period. A call reserves
/// its slot: `reserve(now:)` returns when it may go (now, or later when the bucket is empty), and the slot
/// is taken either way, so concurrent callers queue fairly instead of all waking at once.
public struct TokenBucket: Sendable, Hashable {
    public let rate: Double
    public let burst: Int
    /// When the bucket would next be completely full again, in ms.
    private var theoreticalArrival: Double

    public init(rate: Double, burst: Int) {
        precondition(rate > 0 && burst >= 1, "a bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self.theoreticalArrival = -.infinity
    }

    private var interval: Double { 1000 / rate }
    private var tolerance: Double { Double(burst - 1) * interval }

    /// The earliest moment a call could go, without taking a slot.
    public func earliest(after now: Timestamp) -> Timestamp {
        let at = max(Double(now.milliseconds), theoreticalArrival - tolerance)
        return Timestamp(milliseconds: Int64(at.rounded(.up)))
    }

    /// Takes a slot at `at` (which must not be before `earliest`).
    public mutating func commit(at: Timestamp) {
        theoreticalArrival = max(theoreticalArrival, Double(at.milliseconds)) + interval
    }

    /// Takes the next slot and returns when it is.
    public mutating func reserve(now: Timestamp) -> Timestamp {
        let at = earliest(after: now)
        commit(at: at)
        return at
    }

    /// The same bucket at another rate and burst, its queue kept: calls already reserved stay where they are, the
    /// next ones follow at the new pace (a cluster member's share changing as members come and go).
    public func rescaled(rate: Double, burst: Int) -> TokenBucket {
        var bucket = TokenBucket(rate: rate, burst: burst)
        bucket.theoreticalArrival = theoreticalArrival
        return bucket
    }
}
