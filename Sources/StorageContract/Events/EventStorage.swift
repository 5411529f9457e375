import MetricsCore

/// The event log and what decides what goes in it, as each backend keeps them.
///
/// Every event is written in the transaction of the fact it reports (a snapshot and its event, a run's end and its
/// event): no event without its fact, no fact without its event. The log's seqs increase in commit order with no
/// gaps; `eventsCommitted` is told of each commit that wrote events.
public protocol EventStorage: Sendable {
    /// The last committed seq, advanced after each commit that wrote events (and, on a shared database, when another
    /// daemon's commit is heard of).
    var eventsCommitted: EventWatermark { get }

    /// Events from `fromSeq` (inclusive) that pass `filter`, at most `limit`, in seq order. A `fromSeq` older than
    /// the oldest kept event is `EventsExpired` (naming the oldest kept seq), unless nothing was deleted
    /// before it: a reader that starts at 1 on a young log reads it all.
    func events(fromSeq: Int64, filter: EventFilter, limit: Int) async throws -> EventPage
    func eventLogBounds() async throws -> EventLogBounds

    /// Replaces a workspace's thresholds for one counter (empty: no milestones for it). A workspace without rules
    /// of its own has `MilestoneRules.defaultRules`.
    func upsertMilestones(workspaceId: String, metric: String, thresholds: [Int64]) async throws -> Upsert
    /// A workspace's rules, by metric (the default ones when it set none). An unknown workspace is `notFound`.
    func milestoneRules(workspaceId: String) async throws -> [String: [Int64]]

    /// Writes an `anomaly` event for each flagged post of a workspace's closed day, once per (workspace, day): false
    /// and nothing written when that day was evaluated already (by this daemon or another).
    func recordAnomalies(workspaceId: String, day: Int64, flagged: [AnomalyEventFacts], at: Timestamp) async throws -> Bool
}

/// What an `anomaly` event says of a post (the store adds its account).
public struct AnomalyEventFacts: Sendable, Equatable {
    public var postId: String
    public var platform: Platform
    public var value: Int64
    public var median: Double
    public var score: Double

    public init(postId: String, platform: Platform, value: Int64, median: Double, score: Double) {
        self.postId = postId
        self.platform = platform
        self.value = value
        self.median = median
        self.score = score
    }
}
