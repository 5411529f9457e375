import JSON
import MetricsCore
import PostgresNIO
import StorageContract

/// Reading the event log, and the rules that decide what is written to it, with the SQLite store's results (the
/// store tests run every case against both). Writing and numbering: `PostgresEventWriter`, `EventNumbering`.
extension PostgresStore {
    public func eventLogBounds() async throws -> EventLogBounds {
        let logger = self.logger
        return try await withConnection { connection in try await Self.bounds(connection, logger) }
    }

    public func events(fromSeq: Int64, filter: EventFilter, limit: Int) async throws -> EventPage {
        let logger = self.logger
        return try await withConnection { connection in
            let bounds = try await Self.bounds(connection, logger)
            try bounds.requireKept(fromSeq)
            // A snapshot event is rendered from its snapshot and the post's one before it, both read here (two
            // steps down the snapshots' primary key), so a page costs one round trip. Every join is a LATERAL lookup by
            // key with a LIMIT (which keeps PostgreSQL from pulling it up into a plain join), so the plan is index steps
            // per event of the page whatever the statistics say: with plain joins,
            // on a log whose statistics were taken while it was small, PostgreSQL hashed the whole `posts` and
            // `snapshots` tables and sorted every event of the range for each page (88 ms a page at 10,000 posts;
            // the fan-out of three daemons refreshing fell seconds behind).
            var sql = SQLBuilder("""
                SELECT e.seq, e.at, e.type, coalesce(e.workspace_id, p.workspace_id), p.id, e.captured_at, e.data, p.account_id,
                       p.platform, s.captured_at, s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves,
                       b.captured_at, b.impressions, b.views, b.reach, b.likes, b.comments, b.shares, b.saves
                FROM events e
                LEFT JOIN LATERAL (SELECT id, workspace_id, account_id, platform FROM posts WHERE key = e.post_key LIMIT 1) p ON true
                LEFT JOIN LATERAL (
                    SELECT captured_at, impressions, views, reach, likes, comments, shares, saves FROM snapshots
                    WHERE e.type = 1 AND post_key = e.post_key AND captured_at = e.captured_at LIMIT 1
                ) s ON true
                LEFT JOIN LATERAL (
                    SELECT captured_at, impressions, views, reach, likes, comments, shares, saves FROM snapshots
                    WHERE e.type = 1 AND post_key = e.post_key AND captured_at < e.captured_at ORDER BY captured_at DESC LIMIT 1
                ) b ON true
                WHERE e.seq >= 
                """)
            // Seqs have no gaps: unfiltered, the page is exactly the seqs from `fromSeq` on, and the range says so (the
            // planner then never reads past the page).
            let unfiltered = filter == .everything
            let upper = unfiltered ? min(bounds.lastSeq, fromSeq &+ Int64(max(limit, 1)) - 1) : bounds.lastSeq
            sql.append("? AND e.seq <= ?", fromSeq, upper)
            if let types = filter.types {
                sql.append(" AND e.type = ANY(?)", types.map { Int16($0.code) }.sorted())
            }
            if let workspaceIds = filter.workspaceIds {
                sql.append(" AND coalesce(e.workspace_id, p.workspace_id) = ANY(?)", workspaceIds.sorted())
            }
            if let postIds = filter.postIds {
                sql.append(" AND p.id = ANY(?)", postIds.sorted())
            }
            sql.append(" ORDER BY e.seq LIMIT ?", Int64(limit))
            let events = try await connection.all(sql.query, logger) { row in try Self.event(&row) }
            // One past the last seq examined: the page's last event when it is full, else the log's end as this read saw it.
            let nextSeq = events.count == limit ? events[events.count - 1].seq + 1 : max(bounds.lastSeq + 1, fromSeq)
            return EventPage(events: events, nextSeq: nextSeq)
        }
    }

    public func upsertMilestones(workspaceId: String, metric: String, thresholds: [Int64]) async throws -> Upsert {
        let logger = self.logger
        return try await transaction { connection in
            try await Self.requireWorkspace(connection, logger, workspaceId)
            let created = try await connection.first("""
                INSERT INTO milestone_rules (workspace_id, metric, thresholds) VALUES (\(workspaceId), \(metric), \(thresholds))
                ON CONFLICT (workspace_id, metric) DO UPDATE SET thresholds = excluded.thresholds
                RETURNING xmax = 0
                """, logger) { try $0.next(Bool.self) } ?? true
            return created ? .created : .updated
        }
    }

    public func milestoneRules(workspaceId: String) async throws -> [String: [Int64]] {
        let logger = self.logger
        return try await withConnection { connection in
            try await Self.requireWorkspace(connection, logger, workspaceId)
            return try await Self.milestoneRules(connection, logger, workspaceIds: [workspaceId])[workspaceId] ?? MilestoneRules.defaultRules
        }
    }

    public func recordAnomalies(workspaceId: String, day: Int64, flagged: [AnomalyEventFacts], at: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await writeWithEvents { connection, events in
            // The day's key decides which daemon announces it: the other one's insert finds it taken.
            guard try await connection.first("""
                INSERT INTO anomaly_days (workspace_id, day) VALUES (\(workspaceId), \(day)) ON CONFLICT DO NOTHING RETURNING 1
                """, logger, { _ in true }) != nil
            else { return false }
            let posts = Dictionary(
                try await connection.all(
                    "SELECT id, key, account_id FROM posts WHERE id = ANY(\(flagged.map(\.postId)))", logger,
                    { row in (try row.next(String.self), (key: try row.next(Int64.self), accountId: try row.next(String.self))) }),
                uniquingKeysWith: { first, _ in first })
            // A post deleted since it was read has nothing to announce.
            for facts in flagged {
                guard let post = posts[facts.postId] else { continue }
                events.append(
                    .anomaly, workspaceId: workspaceId, postKey: post.key,
                    data: EventData.anomaly(facts, accountId: post.accountId, day: day))
            }
            return true
        }
    }

    /// Deletes the events older than `keepEventsDays` (by the daemon's clock), oldest first in small transactions,
    /// so the log stays one unbroken run of seqs. Returns the rows deleted.
    func deleteOldEvents(_ policy: RetentionPolicy) async throws -> Int64 {
        let cutoff = clock.now.adding(days: -policy.keepEventsDays).milliseconds
        let logger = self.logger
        var deleted: Int64 = 0
        while true {
            let count = try await transaction { connection in
                try await connection.first("""
                    WITH gone AS (
                        DELETE FROM events WHERE seq IN (
                            SELECT seq FROM events WHERE seq IS NOT NULL AND at < \(cutoff) ORDER BY seq LIMIT \(Int64(RetentionPolicy.rowsPerTransaction))
                        ) RETURNING 1
                    )
                    SELECT count(*)::int8 FROM gone
                    """, logger) { try $0.next(Int64.self) } ?? 0
            }
            deleted += count
            if count < RetentionPolicy.rowsPerTransaction { return deleted }
        }
    }

    // MARK: Rows

    static func bounds(_ connection: PostgresConnection, _ logger: Logger) async throws -> EventLogBounds {
        try await connection.first(
            "SELECT (SELECT min(seq) FROM events WHERE seq IS NOT NULL), last_seq FROM event_log", logger
        ) { row in EventLogBounds(oldestSeq: try row.next(Int64?.self), lastSeq: try row.next(Int64.self)) }
            ?? EventLogBounds(oldestSeq: nil, lastSeq: 0)
    }

    /// One row of the page, rendered.
    private static func event(_ row: inout RowReader) throws -> Event {
        let seq = try row.next(Int64.self)
        let at = try row.timestamp()
        let code = try row.next(Int16.self)
        guard let type = EventType(code: Int(code)) else {
            throw PostgresFailure(sqlState: nil, message: "event \(seq) has an unknown type code \(code)")
        }
        let workspaceId = try row.next(String?.self)
        let postId = try row.next(String?.self)
        let capturedAt = try row.optionalTimestamp()
        let text = try row.next(String?.self)
        let accountId = try row.next(String?.self)
        let platform = try row.next(String?.self)
        let snapshotAt = try row.optionalTimestamp()
        let values = try row.values()
        let previousAt = try row.optionalTimestamp()
        let previous = try row.values()
        var data: JSON = .null
        if type == .snapshot, let postId, let accountId, let platform, let capturedAt {
            data = EventData.snapshot(
                postId: postId, accountId: accountId, platform: platform, capturedAt: capturedAt,
                values: snapshotAt.map { _ in values }, previous: previousAt.map { _ in previous })
        } else if let text {
            data = (try? JSONParser.parse(text)) ?? .null
        }
        return Event(seq: seq, id: "evt_\(seq)", type: type, at: at, workspaceId: workspaceId, postId: postId, data: data)
    }
}
