import GRDB
import MetricsCore
import StorageContract

/// What the history reads (`deltas`, `series`, `topPosts`, `anomalies`, `bestTimes`, `export`) read: snapshots at a
/// moment, daily rollups and daily totals. Each is one statement over a workspace's posts (served in listing order
/// by `posts_by_workspace`) or over the posts asked, with per-post seeks down the clustered snapshot table, so a
/// read costs the posts it covers, not the history it skips.
extension SQLiteStore {

    private static func readingsSQL(_ bound: ReadingBound, from: String, where condition: String) -> (String, StatementArguments) {
        let (boundSQL, boundArguments) = bound.sql
        return ("""
            SELECT p.id, p.platform, p.posted_at, s.captured_at, s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves
            FROM \(from)
            LEFT JOIN snapshots s ON s.post_key = p.key
                AND s.captured_at = (SELECT max(captured_at) FROM snapshots WHERE post_key = p.key\(boundSQL))
            WHERE \(condition)
            """, boundArguments)
    }

    private static func reading(_ row: Row) throws -> PostReading {
        PostReading(
            postId: try row.decode(atIndex: 0), platform: try row.decode(atIndex: 1), postedAt: try row.decode(atIndex: 2),
            capturedAt: try row.decode(atIndex: 3), values: try SnapshotWriter.values(row, from: 4))
    }

    /// The posts asked, in order, each read at `bound`; an unknown post is an error naming its position.
    public func readings(postIds: [String], at bound: ReadingBound) async throws -> [PostReading] {
        try await readings(postIds: postIds, at: Array(repeating: bound, count: postIds.count))
    }

    /// The posts asked, in order, each read at its own bound, in one read transaction (500 posts' separate reads
    /// made `deltas` of a page 6× slower: 57 ms against 10, measured by scripts/bench/analytics).
    public func readings(postIds: [String], at bounds: [ReadingBound]) async throws -> [PostReading] {
        precondition(postIds.count == bounds.count, "a bound for each post")
        return try await pool.read { db in
            try zip(postIds, bounds).enumerated().map { index, request in
                let (postId, bound) = request
                let (sql, boundArguments) = Self.readingsSQL(bound, from: "posts p", where: "p.id = ?")
                guard let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: boundArguments + [postId]) else {
                    throw StoreError.notFound(.post, id: postId, input: .postId, index: index)
                }
                return try Self.reading(row)
            }
        }
    }

    /// A workspace's posts (of `platform`, when given), read at `bound`: a page in `listPosts`' order when `limit`
    /// is given (then with the cursor of the next page), all of them otherwise.
    public func readings(
        workspaceId: String, platform: Platform?, at bound: ReadingBound, limit: Int? = nil, cursor: String? = nil
    ) async throws -> (readings: [PostReading], nextCursor: String?) {
        try await pool.read { db in
            try Self.requireWorkspace(db, workspaceId)
            var condition = "p.workspace_id = ?"
            var arguments: StatementArguments = [workspaceId]
            if let platform {
                condition += " AND p.platform = ?"
                arguments += [platform]
            }
            if let cursor {
                condition += " AND " + PostCursor.afterSQL
                arguments += try PostCursor.parse(cursor).afterArguments
            }
            var (sql, boundArguments) = Self.readingsSQL(bound, from: "posts p INDEXED BY posts_by_workspace", where: condition)
            sql += " " + PostCursor.orderSQL
            if let limit {
                sql += " LIMIT ?"
                arguments += [limit + 1]
            }
            let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: boundArguments + arguments).map(Self.reading)
            guard let limit, rows.count > limit else { return (rows, nil) }
            let page = Array(rows.prefix(limit))
            return (page, page.last.map { PostCursor(postedAt: $0.postedAt.milliseconds, id: $0.postId).token })
        }
    }

    // MARK: Days

    /// A workspace's time zone, for the reads that count local days.
    public func calendar(workspaceId: String) async throws -> LocalCalendar {
        try await pool.read { db in
            try Self.requireWorkspace(db, workspaceId)
            var writer = SnapshotWriter(db)
            return try writer.calendar(of: workspaceId)
        }
    }

    /// The calendar each of these posts counts days in (its workspace's).
    public func calendars(postIds: [String]) async throws -> [LocalCalendar] {
        try await pool.read { db in
            var writer = SnapshotWriter(db)
            return try postIds.enumerated().map { index, postId in
                guard let post = try writer.post(postId) else {
                    throw StoreError.notFound(.post, id: postId, input: .postId, index: index)
                }
                return post.calendar
            }
        }
    }

    private static let dayPointColumns = """
        p.id, p.platform, p.posted_at, r.day, r.captured_at, r.impressions, r.views, r.reach, r.likes, r.comments, r.shares, r.saves
        """

    private static func dayPoint(_ row: Row) throws -> DayPoint {
        DayPoint(
            postId: try row.decode(atIndex: 0), platform: try row.decode(atIndex: 1), postedAt: try row.decode(atIndex: 2),
            day: try row.decode(atIndex: 3), capturedAt: try row.decode(atIndex: 4), values: try SnapshotWriter.values(row, from: 5))
    }

    /// These posts' daily points from `firstDay` to `lastDay`, by post then day.
    public func dayPoints(postIds: [String], days: ClosedRange<Int64>) async throws -> [DayPoint] {
        try await pool.read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT \(Self.dayPointColumns) FROM posts p JOIN daily_rollups r ON r.post_key = p.key
                WHERE p.id = ? AND r.day BETWEEN ? AND ? ORDER BY r.day
                """)
            var points: [DayPoint] = []
            for (index, postId) in postIds.enumerated() {
                let rows = try Row.fetchAll(statement, arguments: [postId, days.lowerBound, days.upperBound])
                if rows.isEmpty, try Bool.fetchOne(db, sql: "SELECT 1 FROM posts WHERE id = ?", arguments: [postId]) == nil {
                    throw StoreError.notFound(.post, id: postId, input: .postId, index: index)
                }
                points += try rows.map(Self.dayPoint)
            }
            return points
        }
    }

    /// A workspace's posts' daily points from `firstDay` to `lastDay` (of `platform` when given), by post then day.
    public func dayPoints(workspaceId: String, platform: Platform?, days: ClosedRange<Int64>) async throws -> [DayPoint] {
        try await pool.read { db in
            try Self.requireWorkspace(db, workspaceId)
            var sql = """
                SELECT \(Self.dayPointColumns) FROM posts p INDEXED BY posts_by_workspace JOIN daily_rollups r ON r.post_key = p.key
                WHERE p.workspace_id = ? AND r.day BETWEEN ? AND ?
                """
            var arguments: StatementArguments = [workspaceId, days.lowerBound, days.upperBound]
            if let platform {
                sql += " AND p.platform = ?"
                arguments += [platform]
            }
            sql += " ORDER BY p.key, r.day"
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(Self.dayPoint)
        }
    }

    /// A workspace's daily totals (summed over platforms, or of one), from `firstDay` to `lastDay`: per day, each
    /// metric's sum over the posts with a point that day (nil when none of them reported it), and how many posts.
    public func dailyTotals(workspaceId: String, platform: Platform?, days: ClosedRange<Int64>) async throws -> [DailyTotal] {
        try await pool.read { db in
            try Self.requireWorkspace(db, workspaceId)
            // Per platform, combined by `DailyTotal.combining`: SQLite's sum() fails on an overflow, and a sum is held
            // at the maximum instead.
            var sql = """
                SELECT day, posts, impressions, impressions_n, views, views_n, reach, reach_n, likes, likes_n, comments, comments_n,
                       shares, shares_n, saves, saves_n
                FROM daily_totals WHERE workspace_id = ? AND day BETWEEN ? AND ?
                """
            var arguments: StatementArguments = [workspaceId, days.lowerBound, days.upperBound]
            if let platform {
                sql += " AND platform = ?"
                arguments += [platform]
            }
            sql += " ORDER BY day"
            return DailyTotal.combining(try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
                (day: try row.decode(atIndex: 0), row: try DailySummaries.totalsRow(row, from: 1))
            })
        }
    }

    // MARK: Export

    /// A page of a workspace's snapshots (or daily rollups) with `since <= capturedAt <= until`, in (post, time)
    /// order, after `cursor`; with the cursor of the next page.
    public func export(
        workspaceId: String, source: ExportSource, since: Timestamp?, until: Timestamp?, limit: Int, cursor: String?
    ) async throws -> (rows: [ExportRow], nextCursor: String?) {
        try await pool.read { db in
            try Self.requireWorkspace(db, workspaceId)
            let after = try cursor.map(ExportCursor.parse) ?? ExportCursor(postKey: .min, position: .min)
            let (table, position, columns) = switch source {
            case .snapshots: ("snapshots", "captured_at", "NULL, s.captured_at")
            case .daily: ("daily_rollups", "day", "s.day, s.captured_at")
            }
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT p.key, s.\(position), p.id, p.platform, \(columns),
                       s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves
                FROM posts p INDEXED BY posts_by_workspace JOIN \(table) s ON s.post_key = p.key
                WHERE p.workspace_id = ? AND (p.key, s.\(position)) > (?, ?) AND s.captured_at >= ? AND s.captured_at <= ?
                ORDER BY p.key, s.\(position) LIMIT ?
                """), arguments: [
                    workspaceId, after.postKey, after.position, since?.milliseconds ?? .min, until?.milliseconds ?? .max, limit + 1,
                ])
            let page = try rows.prefix(limit).map { row in
                ExportRow(
                    postId: try row.decode(atIndex: 2), platform: try row.decode(atIndex: 3), day: try row.decode(atIndex: 4),
                    capturedAt: try row.decode(atIndex: 5), values: try SnapshotWriter.values(row, from: 6))
            }
            let next = rows.count > limit
                ? try rows[limit - 1].decode(Int64.self, atIndex: 0).description + ":" + rows[limit - 1].decode(Int64.self, atIndex: 1).description
                : nil
            return (page, next.map(ExportCursor.token))
        }
    }
}

extension ReadingBound {
    fileprivate var sql: (condition: String, arguments: StatementArguments) {
        switch self {
        case .latest: ("", [])
        case .atOrBefore(let moment): (" AND captured_at <= ?", [moment])
        case .atAge(let age): (" AND captured_at <= p.posted_at + ?", [age])
        }
    }
}
