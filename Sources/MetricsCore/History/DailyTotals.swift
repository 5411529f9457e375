/// A day's totals of one platform's posts in a workspace, as every backend stores them (`daily_totals`): how many
/// posts have a point that day, and per metric the sum of their day's points and how many reported it.
///
/// The one rule for moving them, whichever database holds them: a rollup replaced by a newer point of the same day
/// moves each sum by `new − old` with `saturatingAdding` (held at 2^63 − 1, never trapping: counters are accepted up
/// to 2^63 − 1, so a sum over posts can pass it), each count by whether each reported it, and `posts` by one for a
/// post's first point of the day. A rebuild is the same rule applied to every rollup from zero, so a rebuilt row
/// equals the row the writes kept. SQLite applies it in its upsert's SQL (`SnapshotWriter.adjustTotals`), a dialect
/// of this rule that the store suite checks against it at the overflow edge on both backends.
public struct DailyTotalsRow: Sendable, Hashable {
    public var posts: Int64
    /// Per metric, in `MetricValues.names` order.
    public var sums: [Int64]
    public var counts: [Int64]

    public init(posts: Int64 = 0, sums: [Int64]? = nil, counts: [Int64]? = nil) {
        self.posts = posts
        self.sums = sums ?? [Int64](repeating: 0, count: MetricValues.names.count)
        self.counts = counts ?? [Int64](repeating: 0, count: MetricValues.names.count)
    }

    /// A post's rollup for the day went from `old` (nil: the post had no point that day yet) to `new`.
    public mutating func apply(removing old: MetricValues?, adding new: MetricValues) {
        if old == nil { posts += 1 }
        for (index, name) in MetricValues.names.enumerated() {
            let change = (new[name] ?? 0).saturatingSubtracting(old?[name] ?? 0)
            sums[index] = sums[index].saturatingAdding(change)
            counts[index] += (new[name] == nil ? 0 : 1) - (old?[name] == nil ? 0 : 1)
        }
    }
}

/// A day's totals over a workspace's posts (or one platform's): what `series` by day answers.
public struct DailyTotal: Sendable, Hashable {
    public var day: Int64
    public var posts: Int
    /// Each metric's sum over the posts that reported it that day; nil where none did.
    public var values: MetricValues

    public init(day: Int64, posts: Int, values: MetricValues) {
        self.day = day
        self.posts = posts
        self.values = values
    }

    /// Folds stored rows (one per platform and day, in day order) into one total per day: posts added, each metric
    /// summed with `saturatingAdding` over the rows where it was reported, nil where no row reported it.
    public static func combining(_ rows: some Sequence<(day: Int64, row: DailyTotalsRow)>) -> [DailyTotal] {
        var days: [DailyTotal] = []
        for (day, row) in rows {
            if days.last?.day != day { days.append(DailyTotal(day: day, posts: 0, values: MetricValues())) }
            days[days.count - 1].posts += Int(row.posts)
            for (index, name) in MetricValues.names.enumerated() where row.counts[index] > 0 {
                let sum = row.sums[index]
                days[days.count - 1].values[name] = days[days.count - 1].values[name].map { $0.saturatingAdding(sum) } ?? sum
            }
        }
        return days
    }
}
