import JSON
import Logging
import MetricsCore
import PostgresNIO
import StorageContract

/// Collects a write transaction's events and inserts them, unnumbered, in one statement just before it commits, so
/// each is committed with the fact it reports or not at all (`EventsSchema` says why they are numbered later).
///
/// Milestones are decided here too, set-wise as the snapshot writer writes: one statement claims every threshold a
/// batch's snapshots reach that their posts never announced (the claim is the `milestones_reached` key, so two
/// daemons racing on a post announce each threshold once), and each claimed threshold becomes an event after the
/// snapshot that reached it.
struct PostgresEventWriter {
    private struct Row {
        var type: EventType
        var workspaceId: String?
        var postKey: Int64?
        var capturedAt: Int64?
        var data: String?
    }

    /// The daemon's clock, read when the events are inserted, the transaction's last statement before its commit:
    /// every event of one commit has the same `at`, and a transaction that waited for row locks does not date its
    /// events from before the wait.
    private let clock: any WallClock
    private let connection: PostgresConnection
    private let logger: Logger
    private var rows: [Row] = []

    init(_ connection: PostgresConnection, _ logger: Logger, clock: any WallClock) {
        self.connection = connection
        self.logger = logger
        self.clock = clock
    }

    mutating func append(_ type: EventType, workspaceId: String?, postKey: Int64? = nil, data: JSON?) {
        rows.append(Row(type: type, workspaceId: workspaceId, postKey: postKey, capturedAt: nil, data: data.map(JSONWriter.string)))
    }

    /// A refresh's snapshots: each one's event (a reference, rendered when read), then the milestones it reached first.
    mutating func snapshots(_ written: [PostgresSnapshotWriter.Written]) async throws {
        guard !written.isEmpty else { return }
        let reached = try await claimMilestones(written)
        for (index, entry) in written.enumerated() {
            // The workspace is the post's: not repeated per snapshot event.
            rows.append(Row(
                type: .snapshot, workspaceId: nil, postKey: entry.post.key, capturedAt: entry.snapshot.capturedAt.milliseconds,
                data: nil))
            for milestone in reached[index, default: []] {
                append(
                    .milestone, workspaceId: entry.post.workspaceId, postKey: entry.post.key,
                    data: EventData.milestone(
                        postId: entry.post.id, accountId: entry.post.accountId, platform: entry.post.platform,
                        metric: milestone.metric, threshold: milestone.threshold, value: milestone.value,
                        capturedAt: entry.snapshot.capturedAt))
            }
        }
    }

    /// Inserts what was collected; true when there was anything (the caller then has events to number).
    func flush() async throws -> Bool {
        guard !rows.isEmpty else { return false }
        let at = clock.now
        // `ORDER BY n`: the identity is drawn in that order, so the events are numbered in the order they were appended.
        try await connection.run("""
            INSERT INTO events (at, type, workspace_id, post_key, captured_at, data)
            SELECT \(at.milliseconds), v.type, v.workspace_id, v.post_key, v.captured_at, v.data
            FROM unnest(\(rows.map { Int16($0.type.code) }), \(NullableArray(rows.map(\.workspaceId))),
                        \(NullableArray(rows.map(\.postKey))), \(NullableArray(rows.map(\.capturedAt))),
                        \(NullableArray(rows.map(\.data))))
                WITH ORDINALITY AS v(type, workspace_id, post_key, captured_at, data, n)
            ORDER BY v.n
            """, logger)
        return true
    }

    private struct Reached {
        var metric: String
        var threshold: Int64
        var value: Int64
    }

    /// Claims the thresholds these snapshots reach above the highest their post announced (per counter, by its
    /// workspace's rules); returns them by the index of the first snapshot that reached each.
    private func claimMilestones(_ written: [PostgresSnapshotWriter.Written]) async throws -> [Int: [Reached]] {
        let rules = try await PostgresStore.milestoneRules(connection, logger, workspaceIds: Set(written.map(\.post.workspaceId)))
        var candidates: [(index: Int, key: Int64, metric: String, threshold: Int64, value: Int64)] = []
        var seen: Set<[String]> = []
        for (index, entry) in written.enumerated() {
            for (metric, thresholds) in rules[entry.post.workspaceId, default: MilestoneRules.defaultRules].sorted(by: { $0.key < $1.key }) {
                guard let value = entry.snapshot.values[metric] else { continue }
                for threshold in MilestoneRules.reached(by: value, of: thresholds)
                where seen.insert(["\(entry.post.key)", metric, "\(threshold)"]).inserted {
                    candidates.append((index, entry.post.key, metric, threshold, value))
                }
            }
        }
        guard !candidates.isEmpty else { return [:] }
        let claimed = Set(try await connection.all("""
            WITH c AS (
                SELECT * FROM unnest(\(candidates.map(\.key)), \(candidates.map(\.metric)), \(candidates.map(\.threshold)))
                    AS c(post_key, metric, threshold)
            ), announced AS (
                SELECT m.post_key, m.metric, max(m.threshold) AS top
                FROM milestones_reached m JOIN (SELECT DISTINCT post_key, metric FROM c) d USING (post_key, metric)
                GROUP BY m.post_key, m.metric
            )
            INSERT INTO milestones_reached (post_key, metric, threshold)
            SELECT c.post_key, c.metric, c.threshold FROM c LEFT JOIN announced a USING (post_key, metric)
            WHERE a.top IS NULL OR c.threshold > a.top
            ORDER BY c.post_key, c.metric, c.threshold
            ON CONFLICT DO NOTHING
            RETURNING post_key, metric, threshold
            """, logger) { row in ["\(try row.next(Int64.self))", try row.next(String.self), "\(try row.next(Int64.self))"] })
        var reached: [Int: [Reached]] = [:]
        for candidate in candidates where claimed.contains(["\(candidate.key)", candidate.metric, "\(candidate.threshold)"]) {
            reached[candidate.index, default: []].append(Reached(metric: candidate.metric, threshold: candidate.threshold, value: candidate.value))
        }
        return reached
    }
}

extension PostgresStore {
    /// A write transaction whose events are numbered once it commits (the call returns after they are, unless the
    /// numbering failed: then the next one numbers them, and the write still stands).
    func writeWithEvents<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, inout PostgresEventWriter) async throws -> T
    ) async throws -> T {
        let (clock, logger) = (self.clock, logger)
        let (value, wroteEvents) = try await transaction { connection in
            var events = PostgresEventWriter(connection, logger, clock: clock)
            let value = try await body(connection, &events)
            return (value, try await events.flush())
        }
        if wroteEvents { await numberEvents() }
        return value
    }

    /// Workspaces' rules by metric, over the default ones (a counter a workspace set to none is absent).
    static func milestoneRules(
        _ connection: PostgresConnection, _ logger: Logger, workspaceIds: Set<String>
    ) async throws -> [String: [String: [Int64]]] {
        var rules = Dictionary(uniqueKeysWithValues: workspaceIds.map { ($0, MilestoneRules.defaultRules) })
        for (workspaceId, metric, thresholds) in try await connection.all(
            "SELECT workspace_id, metric, thresholds FROM milestone_rules WHERE workspace_id = ANY(\(Array(workspaceIds)))", logger,
            { row in (try row.next(String.self), try row.next(String.self), try row.next([Int64].self)) })
        {
            rules[workspaceId, default: MilestoneRules.defaultRules][metric] = thresholds
        }
        return rules.mapValues { $0.filter { !$0.value.isEmpty } }
    }
}
