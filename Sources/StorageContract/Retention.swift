import MetricsCore

public struct RetentionPolicy: Sendable, Hashable {
    /// Local days of raw snapshots kept whole (today counts as one); 0 keeps every raw snapshot.
    public var keepRawDays: Int
    /// Local days of history kept at all; 0 keeps it forever.
    public var keepDays: Int
    /// Days of the event log kept (`--keep-events-days`): how far back `events` and a resuming subscriber can read.
    /// At least 1.
    public var keepEventsDays: Int

    public init(keepRawDays: Int = 14, keepDays: Int = 0, keepEventsDays: Int = 7) {
        self.keepRawDays = keepRawDays
        self.keepDays = keepDays
        self.keepEventsDays = max(keepEventsDays, 1)
    }

    /// Posts a backend handles per transaction of a pass, and deleted rows after which a transaction ends early:
    /// small enough that a pass never holds the writer long enough to stall a refresh batch.
    package static let postsPerTransaction = 200
    package static let rowsPerTransaction = 5_000

    /// Where a pass cuts a workspace's history now, in its local days (every backend cuts the same):
    /// raw snapshots before `rawCutoff` are thinned to each day's last, everything before `cutoff` (the start of
    /// `oldestDay`, the oldest day kept) is deleted. Nil when the policy keeps everything.
    package func cutoffs(calendar: LocalCalendar, now: Timestamp) -> (rawCutoff: Timestamp?, cutoff: Timestamp?, oldestDay: Int64?)? {
        let today = calendar.day(of: now)
        let rawCutoff = keepRawDays > 0 ? calendar.start(ofDay: today - Int64(keepRawDays) + 1) : nil
        let oldestDay = keepDays > 0 ? today - Int64(keepDays) + 1 : nil
        let cutoff = oldestDay.map { calendar.start(ofDay: $0) }
        guard rawCutoff != nil || cutoff != nil else { return nil }
        return (rawCutoff, cutoff, oldestDay)
    }
}

public struct RetentionPass: Sendable, Hashable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(startedAt: Timestamp, finishedAt: Timestamp, deletedSnapshots: Int64, transactions: Int) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.deletedSnapshots = deletedSnapshots
        self.transactions = transactions
    }

    public var startedAt: Timestamp
    public var finishedAt: Timestamp
    public var deletedSnapshots: Int64
    public var transactions: Int
}
