import CoreMetrics

/// The store's instruments: snapshots committed, and how the newest-snapshot cache serves `latestMetrics`.
public final class StoreTelemetry: Sendable {
    public enum SnapshotSource: String, Sendable, CaseIterable {
        case refresh
        case `import`
    }

    private let written: [SnapshotSource: Counter]
    private let hits: Counter
    private let misses: Counter

    init(factory: any MetricsFactory) {
        written = Dictionary(uniqueKeysWithValues: SnapshotSource.allCases.map {
            ($0, Counter(label: Instruments.snapshotsWritten.name, dimensions: [("source", $0.rawValue)], factory: factory))
        })
        hits = Counter(label: Instruments.latestCacheHits.name, factory: factory)
        misses = Counter(label: Instruments.latestCacheMisses.name, factory: factory)
    }

    public func snapshotsWritten(_ count: Int, source: SnapshotSource) {
        guard count > 0 else { return }
        written[source]?.increment(by: count)
    }

    /// One `latestMetrics` read's tally, added once per call rather than once per post.
    public func latestCache(hits: Int, misses: Int) {
        if hits > 0 { self.hits.increment(by: hits) }
        if misses > 0 { self.misses.increment(by: misses) }
    }
}
