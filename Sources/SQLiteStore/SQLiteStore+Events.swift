import GRDB
import JSON
import MetricsCore
import StorageContract

/// Reading the event log, and the rules that decide what is written to it.
extension SQLiteStore {
    public func eventLogBounds() async throws -> EventLogBounds {
        try await pool.read { db in try Self.bounds(db) }
    }

    public func events(fromSeq: Int64, filter: EventFilter, limit: Int) async throws -> EventPage {
        try await pool.read { db in
            let bounds = try Self.bounds(db)
            try bounds.requireKept(fromSeq)
            var sql = """
                SELECT e.seq, e.at, e.type, coalesce(e.workspace_id, p.workspace_id), p.id, e.captured_at, e.data, p.account_id,
                       p.platform, e.post_key
                FROM events e LEFT JOIN posts p ON p.key = e.post_key
                WHERE e.seq >= ?
                """
            var arguments: StatementArguments = [fromSeq]
            if let types = filter.types {
                sql += " AND e.type IN (\(types.map { String($0.code) }.sorted().joined(separator: ",")))"
            }
            if let workspaceIds = filter.workspaceIds {
                sql += " AND coalesce(e.workspace_id, p.workspace_id) IN (\(databaseQuestionMarks(count: workspaceIds.count)))"
                arguments += StatementArguments(workspaceIds.sorted())
            }
            if let postIds = filter.postIds {
                sql += " AND p.id IN (\(databaseQuestionMarks(count: postIds.count)))"
                arguments += StatementArguments(postIds.sorted())
            }
            sql += " ORDER BY e.seq LIMIT ?"
            arguments += [limit]
            var events: [Event] = []
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                events.append(try Self.event(db, row))
            }
            // One past the last seq examined: the page's last event when it is full, else the log's end as this read saw it.
            let nextSeq = events.count == limit ? events[events.count - 1].seq + 1 : max(bounds.lastSeq + 1, fromSeq)
            return EventPage(events: events, nextSeq: nextSeq)
        }
    }

    public func upsertMilestones(workspaceId: String, metric: String, thresholds: [Int64]) async throws -> Upsert {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM workspaces WHERE id = ?", arguments: [workspaceId]) != nil else {
                throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
            }
            let existed = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM milestone_rules WHERE workspace_id = ? AND metric = ?", arguments: [workspaceId, metric]) != nil
            try db.execute(
                sql: """
                    INSERT INTO milestone_rules (workspace_id, metric, thresholds) VALUES (?, ?, ?)
                    ON CONFLICT (workspace_id, metric) DO UPDATE SET thresholds = excluded.thresholds
                    """,
                arguments: [workspaceId, metric, thresholds.map(String.init).joined(separator: ",")])
            return existed ? .updated : .created
        }
    }

    public func milestoneRules(workspaceId: String) async throws -> [String: [Int64]] {
        try await pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM workspaces WHERE id = ?", arguments: [workspaceId]) != nil else {
                throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
            }
            return try Self.milestoneRules(db, workspaceId: workspaceId)
        }
    }

    public func recordAnomalies(workspaceId: String, day: Int64, flagged: [AnomalyEventFacts], at: Timestamp) async throws -> Bool {
        try await writeWithEvents { db, events in
            try db.execute(sql: "INSERT OR IGNORE INTO anomaly_days (workspace_id, day) VALUES (?, ?)", arguments: [workspaceId, day])
            guard db.changesCount > 0 else { return false }
            for facts in flagged {
                // A post deleted since it was read has nothing to announce.
                guard let row = try Row.fetchOne(db, sql: "SELECT key, account_id FROM posts WHERE id = ?", arguments: [facts.postId])
                else { continue }
                try events.append(
                    .anomaly, workspaceId: workspaceId, postKey: row[0], data: EventData.anomaly(facts, accountId: row[1], day: day))
            }
            return true
        }
    }

    /// Deletes the events older than `keepEventsDays` (by the daemon's clock), oldest first in small transactions,
    /// so the log stays one unbroken run of seqs. Returns the rows deleted.
    func deleteOldEvents(_ policy: RetentionPolicy) async throws -> Int64 {
        let cutoff = clock.now.adding(days: -policy.keepEventsDays)
        var deleted: Int64 = 0
        while true {
            let count = try await pool.write { db -> Int in
                try db.execute(
                    sql: "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < ? ORDER BY seq LIMIT ?)",
                    arguments: [cutoff, RetentionPolicy.rowsPerTransaction])
                return db.changesCount
            }
            deleted += Int64(count)
            if count < RetentionPolicy.rowsPerTransaction { return deleted }
        }
    }

    // MARK: Rows

    static func bounds(_ db: Database) throws -> EventLogBounds {
        EventLogBounds(oldestSeq: try Int64.fetchOne(db, sql: "SELECT min(seq) FROM events"), lastSeq: try lastEventSeq(db))
    }

    /// One row of the log, rendered: a snapshot event from its snapshot and the post's one before it.
    private static func event(_ db: Database, _ row: Row) throws -> Event {
        let seq: Int64 = row[0]
        let code: Int = row[2]
        guard let type = EventType(code: code) else {
            throw DatabaseError(message: "event \(seq) has an unknown type code \(code)")
        }
        let postId: String? = row[4]
        var data: JSON = .null
        if type == .snapshot, let postId, let postKey: Int64 = row[9], let capturedAt: Timestamp = row[5] {
            let columns = "impressions, views, reach, likes, comments, shares, saves"
            let values = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(columns) FROM snapshots WHERE post_key = ? AND captured_at = ?"),
                arguments: [postKey, capturedAt]
            ).map { try SnapshotWriter.values($0, from: 0) }
            let previous = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT \(columns) FROM snapshots WHERE post_key = ? AND captured_at < ? ORDER BY captured_at DESC LIMIT 1
                    """),
                arguments: [postKey, capturedAt]
            ).map { try SnapshotWriter.values($0, from: 0) }
            data = EventData.snapshot(
                postId: postId, accountId: row[7], platform: row[8], capturedAt: capturedAt, values: values, previous: previous)
        } else if let text: String = row[6] {
            data = (try? JSONParser.parse(text)) ?? .null
        }
        return Event(
            seq: seq, id: "evt_\(seq)", type: type, at: row[1], workspaceId: row[3], postId: postId, data: data)
    }
}
