/// How `series` cuts time: local days, or local weeks from Monday.
public enum SeriesInterval: String, Sendable, CaseIterable {
    case day, week

    /// The bucket (its first local day) a local day falls in.
    public func bucket(_ day: Int64) -> Int64 { self == .day ? day : LocalCalendar.weekStart(ofDay: day) }

    /// Days in a bucket.
    public var length: Int64 { self == .day ? 1 : 7 }

    /// The local days the buckets from `since` to `until` span (whole weeks for `week`).
    public func days(calendar: LocalCalendar, since: Timestamp, until: Timestamp) -> ClosedRange<Int64> {
        let first = bucket(calendar.day(of: since))
        let last = bucket(calendar.day(of: until)) + length - 1
        return first...last
    }
}

/// One point of a series: a bucket's value, and its increase over the previous bucket.
public struct SeriesPoint: Sendable, Hashable {
    /// The bucket's first local day.
    public var bucket: Int64
    public var value: Int64?
    /// `value` minus the previous bucket's; nil for the first bucket, or when either is nil.
    public var increase: Int64?

    public init(bucket: Int64, value: Int64?, increase: Int64?) {
        self.bucket = bucket
        self.value = value
        self.increase = increase
    }

    /// One point per bucket of `days`, each with the value `value` gives for its first day.
    public static func points(_ days: ClosedRange<Int64>, interval: SeriesInterval, value: (Int64) -> Int64?) -> [SeriesPoint] {
        var points: [SeriesPoint] = []
        var previous: Int64??
        for bucket in stride(from: days.lowerBound, through: days.upperBound, by: Int(interval.length)) {
            let current = value(bucket)
            let increase: Int64? = if let current, case .some(let before?) = previous { current.saturatingSubtracting(before) } else { nil }
            points.append(SeriesPoint(bucket: bucket, value: current, increase: increase))
            previous = .some(current)
        }
        return points
    }
}

/// A workspace's weekly series: per post, its last reported value in each week (a counter's point at the week's
/// end), summed over the posts that reported one with `saturatingAdding`. A post with no point in a week adds
/// nothing to it; a week no post reported has no value.
public struct WeeklySums: Sendable {
    private var lastOfPost: [String: [Int64: (day: Int64, value: Int64?)]] = [:]

    public init() {}

    /// One post's point of a day, its metric's value (nil: not reported), in any order.
    public mutating func add(postId: String, day: Int64, value: Int64?) {
        let week = SeriesInterval.week.bucket(day)
        if let kept = lastOfPost[postId]?[week], kept.day > day { return }
        lastOfPost[postId, default: [:]][week] = (day, value)
    }

    /// Each week's sum, by the week's first day.
    public var sums: [Int64: Int64] {
        var sums: [Int64: Int64] = [:]
        for weeks in lastOfPost.values {
            for (week, last) in weeks {
                guard let value = last.value else { continue }
                sums[week] = sums[week].map { $0.saturatingAdding(value) } ?? value
            }
        }
        return sums
    }
}
