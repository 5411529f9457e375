/// The kinds of change the event log records, each written in the transaction of the fact it reports.
public enum EventType: String, Sendable, Hashable, CaseIterable, Codable {
    /// A post's new snapshot from a refresh (an import writes none: it is a backfill, not news).
    case snapshot
    /// A post's counter reached a workspace's threshold; each (post, metric, threshold) once ever.
    case milestone
    /// An account's status changed (the studio asks its user to reconnect on `expired` / `needs_reconnect`).
    case account
    /// A post's refresh state became `failing`, or recovered.
    case post
    /// A refresh run finished.
    case run
    /// A post flagged by the `anomalies` rule, evaluated once when its workspace's local day closes.
    case anomaly
    /// One `importMetrics` call, with its counts.
    case `import`
}
