import MetricsCore

/// Counts events over a sliding window, in buckets so the cost per call stays constant however busy the
/// window is (Meta budgets reach hundreds of thousands of calls; TikTok's is 600 a minute per endpoint).
///
/// An event recorded at time t counts until the bucket holding t has left the window entirely, so an event may
/// count for up to one bucket less than the window (never more).
struct SlidingWindowCounter: Sendable {
    let bucketMilliseconds: Int64
    let bucketCount: Int64
    /// (bucket index, count), oldest first; at most `bucketCount` entries.
    private var buckets: [(index: Int64, count: Int)] = []

    init(windowSeconds: Double, buckets: Int) {
        // Buckets must tile the window exactly, or the window silently grows: take the largest bucket size that
        // divides the window and is no larger than window / buckets.
        let windowMilliseconds = max(1, Int64((windowSeconds * 1000).rounded()))
        var size = max(1, windowMilliseconds / Int64(max(1, buckets)))
        while windowMilliseconds % size != 0 { size -= 1 }
        bucketMilliseconds = size
        bucketCount = windowMilliseconds / size
    }

    private func bucketIndex(_ time: Timestamp) -> Int64 {
        let ms = time.milliseconds
        return ms >= 0 ? ms / bucketMilliseconds : (ms - bucketMilliseconds + 1) / bucketMilliseconds
    }

    private mutating func expire(now: Timestamp) {
        let oldestLive = bucketIndex(now) - bucketCount + 1
        if let firstLive = buckets.firstIndex(where: { $0.index >= oldestLive }) {
            if firstLive > 0 { buckets.removeFirst(firstLive) }
        } else {
            buckets.removeAll(keepingCapacity: true)
        }
    }

    /// Events in the window ending at `now`.
    mutating func count(now: Timestamp) -> Int {
        expire(now: now)
        var total = 0
        for bucket in buckets { total += bucket.count }
        return total
    }

    mutating func record(now: Timestamp) {
        expire(now: now)
        let index = bucketIndex(now)
        if let last = buckets.last, last.index == index {
            buckets[buckets.count - 1].count += 1
        } else {
            buckets.append((index, 1))
        }
    }

    /// Milliseconds from `now` until fewer than `limit` events remain in the window (0 when already below).
    mutating func millisecondsUntilBelow(_ limit: Int, now: Timestamp) -> Int64 {
        var remaining = count(now: now)
        guard remaining >= limit else { return 0 }
        for bucket in buckets {
            remaining -= bucket.count
            if remaining < limit {
                let leavesAt = (bucket.index + bucketCount) * bucketMilliseconds
                return max(0, leavesAt - now.milliseconds)
            }
        }
        return 0
    }
}
