import MetricsCore

public struct PostPage: Sendable, Equatable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(posts: [PostSummary], nextCursor: String?) {
        self.posts = posts
        self.nextCursor = nextCursor
    }

    public var posts: [PostSummary]
    /// Pass back as `cursor` for the next page; nil on the last page.
    public var nextCursor: String?
}

public struct LatestPage: Sendable, Equatable {
    public var metrics: [LatestMetric]
    /// Where the next page starts (`cursor`); nil on the last page.
    public var nextCursor: String?

    public init(metrics: [LatestMetric], nextCursor: String?) {
        self.metrics = metrics
        self.nextCursor = nextCursor
    }
}

public struct HistoryPage: Sendable, Equatable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(points: [(capturedAt: Timestamp, values: MetricValues)], hasMore: Bool) {
        self.points = points
        self.hasMore = hasMore
    }

    public var points: [(capturedAt: Timestamp, values: MetricValues)]
    /// More points exist after the last one within the asked range.
    public var hasMore: Bool

    public static func == (lhs: HistoryPage, rhs: HistoryPage) -> Bool {
        lhs.hasMore == rhs.hasMore && lhs.points.map(\.capturedAt) == rhs.points.map(\.capturedAt)
            && lhs.points.map(\.values) == rhs.points.map(\.values)
    }
}

public struct ImportResult: Sendable, Equatable {
    /// New points written.
    public var imported: Int
    /// Points already present at the same (post, capturedAt); left as they were.
    public var skipped: Int

    public init(imported: Int, skipped: Int) {
        self.imported = imported
        self.skipped = skipped
    }
}
