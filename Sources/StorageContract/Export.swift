import MetricsCore

/// One exported row: a snapshot, or a daily rollup (then `day` is set).
public struct ExportRow: Sendable, Hashable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(postId: String, platform: Platform, day: Int64?, capturedAt: Timestamp, values: MetricValues) {
        self.postId = postId
        self.platform = platform
        self.day = day
        self.capturedAt = capturedAt
        self.values = values
    }

    public var postId: String
    public var platform: Platform
    public var day: Int64?
    public var capturedAt: Timestamp
    public var values: MetricValues
}

public enum ExportSource: String, Sendable, CaseIterable {
    case snapshots, daily
}
