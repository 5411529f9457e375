/// One successful fetch of a post's metrics: a point of its time series.
public struct Snapshot: Sendable, Hashable {
    public var postId: String
    /// When metricsd fetched the numbers (not when the platform computed them); unique per post.
    public var capturedAt: Timestamp
    public var values: MetricValues
    public var metadata: SnapshotMetadata

    public init(postId: String, capturedAt: Timestamp, values: MetricValues, metadata: SnapshotMetadata = [:]) {
        self.postId = postId
        self.capturedAt = capturedAt
        self.values = values
        self.metadata = metadata
    }
}
