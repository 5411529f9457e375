import GRDB
import JSON
import MetricsCore
import StorageContract

/// Appends events inside the caller's transaction, so each is committed with the fact it reports or not at all.
/// Milestones are decided here too: they are found while the snapshot that reaches them is written.
struct EventWriter {
    private let db: Database
    /// The daemon's clock when the transaction began: every event of one commit has the same `at`.
    let at: Timestamp
    private(set) var lastSeq: Int64?
    /// Each workspace's milestone rules, looked up once per transaction.
    private var rules: [String: [(metric: String, thresholds: [Int64])]] = [:]

    init(_ db: Database, at: Timestamp) {
        self.db = db
        self.at = at
    }

    mutating func append(
        _ type: EventType, workspaceId: String?, postKey: Int64? = nil, capturedAt: Timestamp? = nil, data: JSON?
    ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO events (at, type, workspace_id, post_key, captured_at, data) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [at, type.code, workspaceId, postKey, capturedAt, data.map(JSONWriter.string)])
        lastSeq = db.lastInsertedRowID
    }

    /// A refresh's snapshot: its event (a reference, rendered when read), then each threshold of its workspace's
    /// rules its counters reach that this post never announced.
    mutating func snapshot(_ snapshot: Snapshot, of post: SnapshotWriter.PostFacts) throws {
        // The workspace is the post's: not repeated per snapshot event.
        try append(.snapshot, workspaceId: nil, postKey: post.key, capturedAt: snapshot.capturedAt, data: nil)
        for rule in try rules(of: post.workspaceId) {
            guard let value = snapshot.values[rule.metric] else { continue }
            let reached = MilestoneRules.reached(by: value, of: rule.thresholds)
            guard let highest = reached.last else { continue }
            let announced = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT max(threshold) FROM milestones_reached WHERE post_key = ? AND metric = ?"),
                arguments: [post.key, rule.metric])
            guard announced.map({ $0 < highest }) ?? true else { continue }
            for threshold in reached where announced.map({ threshold > $0 }) ?? true {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO milestones_reached (post_key, metric, threshold) VALUES (?, ?, ?)")
                    .execute(arguments: [post.key, rule.metric, threshold])
                guard db.changesCount > 0 else { continue }
                try append(
                    .milestone, workspaceId: post.workspaceId, postKey: post.key,
                    data: EventData.milestone(
                        postId: post.id, accountId: post.accountId, platform: post.platform, metric: rule.metric,
                        threshold: threshold, value: value, capturedAt: snapshot.capturedAt))
            }
        }
    }

    private mutating func rules(of workspaceId: String) throws -> [(metric: String, thresholds: [Int64])] {
        if let known = rules[workspaceId] { return known }
        let found = try SQLiteStore.milestoneRules(db, workspaceId: workspaceId)
            .sorted { $0.key < $1.key }
            .filter { !$0.value.isEmpty }
            .map { (metric: $0.key, thresholds: $0.value) }
        rules[workspaceId] = found
        return found
    }
}

extension SQLiteStore {
    /// A write transaction whose events are announced once it commits (`eventsCommitted`).
    func writeWithEvents<T: Sendable>(_ body: @escaping @Sendable (Database, inout EventWriter) throws -> T) async throws -> T {
        let clock = self.clock
        let (value, last) = try await pool.write { db in
            // Read once the write lock is held, not before waiting for it: `at` is the clock at commit, not at the call.
            var events = EventWriter(db, at: clock.now)
            let value = try body(db, &events)
            return (value, events.lastSeq)
        }
        if let last { eventsCommitted.advance(to: last) }
        return value
    }

    /// A workspace's thresholds by counter: its own rules, over the default ones (a counter it set to none is absent).
    static func milestoneRules(_ db: Database, workspaceId: String) throws -> [String: [Int64]] {
        var rules = MilestoneRules.defaultRules
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT metric, thresholds FROM milestone_rules WHERE workspace_id = ?"), arguments: [workspaceId])
        {
            let metric: String = row[0]
            let text: String = row[1]
            rules[metric] = text.split(separator: ",").compactMap { Int64($0) }
        }
        return rules.filter { !$0.value.isEmpty }
    }

    /// The seq of the last event ever committed (0 before the first), whatever retention deleted since.
    static func lastEventSeq(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'events'") ?? 0
    }
}
