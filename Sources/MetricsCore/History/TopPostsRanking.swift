/// `topPosts`: posts ranked by a metric's value, or by its increase over a period (from the post's point at or
/// before the period's start, or from 0 when it had none yet, to its point at or before the end). Highest first;
/// equal values by post id, so a page is the same on every call.
public enum TopPostsRanking {
    public struct Entry: Sendable, Hashable {
        public var postId: String
        public var platform: Platform
        public var postedAt: Timestamp
        /// What it is ranked by: the value, or the increase.
        public var value: Double
        /// For an increase: the values at the period's start and end.
        public var from: Double?
        public var to: Double?
    }

    /// A post's reading, as the rule reads it: nil `value` when it has no point by then or does not report the metric.
    public struct Reading: Sendable, Hashable {
        public var postId: String
        public var platform: Platform
        public var postedAt: Timestamp
        public var value: Double?

        public init(postId: String, platform: Platform, postedAt: Timestamp, value: Double?) {
            self.postId = postId
            self.platform = platform
            self.postedAt = postedAt
            self.value = value
        }
    }

    public static func byValue(_ readings: some Sequence<Reading>, limit: Int) -> [Entry] {
        top(readings.compactMap { reading in
            reading.value.map { Entry(postId: reading.postId, platform: reading.platform, postedAt: reading.postedAt, value: $0) }
        }, limit: limit)
    }

    /// `ends` at the period's end; `starts` at its start, by post id.
    public static func byIncrease(ends: some Sequence<Reading>, starts: [String: Reading], limit: Int) -> [Entry] {
        top(ends.compactMap { end in
            guard let to = end.value else { return nil }
            let from = starts[end.postId]?.value ?? 0
            return Entry(postId: end.postId, platform: end.platform, postedAt: end.postedAt, value: to - from, from: from, to: to)
        }, limit: limit)
    }

    private static func top(_ entries: [Entry], limit: Int) -> [Entry] {
        Array(entries.sorted { $0.value != $1.value ? $0.value > $1.value : $0.postId < $1.postId }.prefix(limit))
    }
}
