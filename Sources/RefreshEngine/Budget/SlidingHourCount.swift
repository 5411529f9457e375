import MetricsCore

/// Calls made in the last hour, counted in minute buckets: one account's, or one platform's.
///
/// Minute buckets keep an idle account at a few bytes (only minutes with calls are kept, and only for an hour),
/// at the price of counting up to a minute more than an hour: the budget it feeds is an hourly estimate anyway.
struct SlidingHourCount: Sendable, Hashable {
    private static let minute: Int64 = 60_000
    private static let window: Int64 = 60

    /// Minute index (ms / 60,000) and calls in it, oldest first.
    private var minutes: [(minute: Int64, calls: Int)] = []

    mutating func record(at time: Timestamp, calls: Int = 1) {
        let index = time.milliseconds / Self.minute
        if let last = minutes.last, last.minute == index {
            minutes[minutes.count - 1].calls += calls
        } else if let last = minutes.last, index < last.minute {
            // A clock that stepped back: count it in the newest bucket rather than reorder.
            minutes[minutes.count - 1].calls += calls
        } else {
            minutes.append((index, calls))
        }
        prune(now: time)
    }

    /// Calls in the hour up to `now` (the current minute and the 59 before it).
    func count(at now: Timestamp) -> Int {
        let first = now.milliseconds / Self.minute - Self.window + 1
        return minutes.reduce(0) { $0 + ($1.minute >= first ? $1.calls : 0) }
    }

    var isEmpty: Bool { minutes.isEmpty }

    mutating func prune(now: Timestamp) {
        let first = now.milliseconds / Self.minute - Self.window + 1
        if let keep = minutes.firstIndex(where: { $0.minute >= first }) {
            if keep > 0 { minutes.removeFirst(keep) }
        } else {
            minutes.removeAll()
        }
    }

    static func == (lhs: SlidingHourCount, rhs: SlidingHourCount) -> Bool {
        lhs.minutes.elementsEqual(rhs.minutes) { $0 == $1 }
    }

    func hash(into hasher: inout Hasher) {
        for entry in minutes {
            hasher.combine(entry.minute)
            hasher.combine(entry.calls)
        }
    }
}
