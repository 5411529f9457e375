/// `bestTimes`: the hours of the week (in the workspace's time zone) whose posts did best, by the median of their
/// metric at 7 days. A slot needs at least `minimumPosts` posts to have a median, and only slots with one rank.
/// Each slot's median is computed once, when the grid is made, never while sorting.
public struct BestTimes: Sendable {
    public static let minimumPosts = 2
    public static let hoursPerWeek = 168

    public struct Slot: Sendable, Hashable {
        /// 0 = Monday 00:00–01:00, … 167 = Sunday 23:00–24:00.
        public var hourOfWeek: Int
        public var posts: Int
        /// nil with fewer than `minimumPosts` posts.
        public var median: Double?

        public var weekday: Int { hourOfWeek / 24 }
        public var hour: Int { hourOfWeek % 24 }
    }

    /// Every hour of the week, Monday 00:00 first.
    public let grid: [Slot]

    /// `values`: each post's hour of the week and its metric's value.
    public init(_ values: some Sequence<(hourOfWeek: Int, value: Double)>) {
        var slots = [[Double]](repeating: [], count: Self.hoursPerWeek)
        for (hour, value) in values { slots[hour].append(value) }
        grid = slots.enumerated().map { hour, values in
            Slot(hourOfWeek: hour, posts: values.count, median: values.count >= Self.minimumPosts ? RobustScore.median(values) : nil)
        }
    }

    /// The `count` best slots with a median: highest median first, the earlier hour on a tie.
    public func best(_ count: Int = 5) -> [Slot] {
        let ranked = grid.compactMap { slot in slot.median.map { (slot, $0) } }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.hourOfWeek < $1.0.hourOfWeek }
        return ranked.prefix(count).map(\.0)
    }
}
