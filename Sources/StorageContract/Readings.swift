import MetricsCore

/// One post's newest snapshot at or before a moment (`capturedAt` nil when it has none by then).
public struct PostReading: Sendable, Hashable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(postId: String, platform: Platform, postedAt: Timestamp, capturedAt: Timestamp?, values: MetricValues) {
        self.postId = postId
        self.platform = platform
        self.postedAt = postedAt
        self.capturedAt = capturedAt
        self.values = values
    }

    public var postId: String
    public var platform: Platform
    public var postedAt: Timestamp
    public var capturedAt: Timestamp?
    public var values: MetricValues
}

/// Which moment each post is read at.
public enum ReadingBound: Sendable, Hashable {
    /// The newest snapshot.
    case latest
    /// The newest at or before this moment.
    case atOrBefore(Timestamp)
    /// The newest at or before the post's age reaching this many ms (`bestTimes`: at or before 7 days old).
    case atAge(Int64)
}

/// A day's point of a post: its rollup (the day's last snapshot).
public struct DayPoint: Sendable, Hashable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(postId: String, platform: Platform, postedAt: Timestamp, day: Int64, capturedAt: Timestamp, values: MetricValues) {
        self.postId = postId
        self.platform = platform
        self.postedAt = postedAt
        self.day = day
        self.capturedAt = capturedAt
        self.values = values
    }

    public var postId: String
    public var platform: Platform
    public var postedAt: Timestamp
    public var day: Int64
    public var capturedAt: Timestamp
    public var values: MetricValues
}

extension DayPoint {
    /// The point as the anomaly rule reads it, for one counter.
    public func anomalyPoint(_ metric: String) -> AnomalyDetection.DayPoint {
        AnomalyDetection.DayPoint(postId: postId, platform: platform, postedAt: postedAt, day: day, capturedAt: capturedAt, value: values[metric])
    }
}
