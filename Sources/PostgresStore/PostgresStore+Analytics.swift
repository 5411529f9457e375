import MetricsCore
import PostgresNIO
import StorageContract

/// What the history reads (`deltas`, `series`, `topPosts`, `anomalies`, `bestTimes`, `export`) read: snapshots at a
/// moment, daily rollups and daily totals; each one statement over a workspace's posts or over the posts asked.
extension PostgresStore {
    /// The bound as SQL on the snapshots of post `p`, with its value bound.
    private static func appendBound(_ sql: inout SQLBuilder, _ bound: ReadingBound) {
        switch bound {
        case .latest: break
        case .atOrBefore(let moment): sql.append(" AND captured_at <= ?", moment.milliseconds)
        case .atAge(let age): sql.append(" AND captured_at <= p.posted_at + ?", age)
        }
    }

    /// Each post `p` of `from` with its newest snapshot at `bound` (NULLs when it has none by then): one backward
    /// step down the snapshots' primary key per post.
    private static func appendReadings(_ sql: inout SQLBuilder, _ bound: ReadingBound, from: String) {
        sql += """
            SELECT p.id, p.platform, p.posted_at, s.captured_at, s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves
            FROM \(from)
            LEFT JOIN LATERAL (
                SELECT captured_at, impressions, views, reach, likes, comments, shares, saves FROM snapshots
                WHERE post_key = p.key
            """
        appendBound(&sql, bound)
        sql += " ORDER BY captured_at DESC LIMIT 1) s ON true"
    }

    private static func reading(_ row: inout RowReader) throws -> PostReading {
        PostReading(
            postId: try row.next(), platform: try row.next(), postedAt: try row.timestamp(), capturedAt: try row.optionalTimestamp(),
            values: try row.values())
    }

    /// The posts asked, in order, each read at `bound`; an unknown post is an error naming its position.
    public func readings(postIds: [String], at bound: ReadingBound) async throws -> [PostReading] {
        let logger = self.logger
        return try await withConnection { connection in
            guard !postIds.isEmpty else { return [] }
            var sql = SQLBuilder()
            let ids = sql.bind(postIds)
            Self.appendReadings(&sql, bound, from: "unnest(\(ids)) WITH ORDINALITY AS q(id, n) LEFT JOIN posts p ON p.id = q.id")
            sql += " ORDER BY q.n"
            return try Self.inOrder(try await connection.all(sql.query, logger, Self.optionalReading), postIds: postIds)
        }
    }

    /// A reading row, or nil for a post asked that is unknown (the LEFT JOIN found none, so no id).
    private static func optionalReading(_ row: inout RowReader) throws -> PostReading? {
        var probe = row
        guard try probe.next(String?.self) != nil else { return nil }
        return try reading(&row)
    }

    /// The readings in the order asked; an unknown post is an error naming its position.
    private static func inOrder(_ rows: [PostReading?], postIds: [String]) throws -> [PostReading] {
        try rows.enumerated().map { index, reading in
            guard let reading else { throw StoreError.notFound(.post, id: postIds[index], input: .postId, index: index) }
            return reading
        }
    }

    /// The posts asked, in order, each read at its own bound, in one statement (`deltas` reads each post of a page
    /// at a period before its own latest): each post's bound becomes one upper limit on `captured_at`, so each is
    /// still one backward step down the snapshots' primary key. An unknown post is an error naming its position.
    public func readings(postIds: [String], at bounds: [ReadingBound]) async throws -> [PostReading] {
        precondition(postIds.count == bounds.count, "a bound for each post")
        guard !postIds.isEmpty else { return [] }
        // (kind, value): 0 the newest, 1 at or before a moment, 2 at or before an age of the post.
        let kinds: [Int64] = bounds.map { bound in
            switch bound {
            case .latest: 0
            case .atOrBefore: 1
            case .atAge: 2
            }
        }
        let values: [Int64] = bounds.map { bound in
            switch bound {
            case .latest: 0
            case .atOrBefore(let moment): moment.milliseconds
            case .atAge(let age): age
            }
        }
        let logger = self.logger
        return try await withConnection { connection in
            let rows = try await connection.all("""
                SELECT p.id, p.platform, p.posted_at, s.captured_at, s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves
                FROM unnest(\(postIds)::text[], \(kinds)::int8[], \(values)::int8[]) WITH ORDINALITY AS q(id, kind, v, n)
                LEFT JOIN posts p ON p.id = q.id
                LEFT JOIN LATERAL (
                    SELECT captured_at, impressions, views, reach, likes, comments, shares, saves FROM snapshots
                    WHERE post_key = p.key AND captured_at <= CASE q.kind WHEN 1 THEN q.v WHEN 2 THEN p.posted_at + q.v
                                                                          ELSE 9223372036854775807 END
                    ORDER BY captured_at DESC LIMIT 1) s ON true
                ORDER BY q.n
                """, logger, Self.optionalReading)
            return try Self.inOrder(rows, postIds: postIds)
        }
    }

    /// A workspace's posts (of `platform`, when given), read at `bound`: a page in `listPosts`' order when `limit` is
    /// given (then with the cursor of the next page), all of them otherwise.
    public func readings(
        workspaceId: String, platform: Platform?, at bound: ReadingBound, limit: Int?, cursor: String?
    ) async throws -> (readings: [PostReading], nextCursor: String?) {
        let logger = self.logger
        return try await withConnection { connection in
            try await Self.requireWorkspace(connection, logger, workspaceId)
            var sql = SQLBuilder()
            Self.appendReadings(&sql, bound, from: "posts p")
            sql.append(" WHERE p.workspace_id = ?", workspaceId)
            if let platform {
                sql.append(" AND p.platform = ?", platform.rawValue)
            }
            if let cursor {
                try Self.appendAfter(&sql, try PostgresCursors.post(cursor))
            }
            sql += " " + PostgresCursors.orderSQL
            if let limit {
                sql.append(" LIMIT ?", limit + 1)
            }
            let rows = try await connection.all(sql.query, logger) { try Self.reading(&$0) }
            guard let limit, rows.count > limit else { return (rows, nil) }
            let page = Array(rows.prefix(limit))
            return (page, page.last.map { PostCursor(postedAt: $0.postedAt.milliseconds, id: $0.postId).token })
        }
    }

    // MARK: Days

    /// A workspace's time zone, for the reads that count local days.
    public func calendar(workspaceId: String) async throws -> LocalCalendar {
        let logger = self.logger
        return try await withConnection { connection in
            try await Self.requireWorkspace(connection, logger, workspaceId)
            return try await PostgresDailySummaries.calendar(connection, logger, workspaceId: workspaceId)
        }
    }

    /// The calendar each of these posts counts days in (its workspace's).
    public func calendars(postIds: [String]) async throws -> [LocalCalendar] {
        let logger = self.logger
        return try await withConnection { connection in
            let names = try await connection.all("""
                SELECT p.id IS NOT NULL, w.time_zone FROM unnest(\(postIds)) WITH ORDINALITY AS q(id, n)
                LEFT JOIN posts p ON p.id = q.id LEFT JOIN workspaces w ON w.id = p.workspace_id ORDER BY q.n
                """, logger) { row in (try row.next(Bool.self), try row.next(String?.self)) }
            return try names.enumerated().map { index, post in
                guard post.0 else { throw StoreError.notFound(.post, id: postIds[index], input: .postId, index: index) }
                return post.1.flatMap(LocalCalendar.init(identifier:)) ?? .utc
            }
        }
    }

    private static let dayPointColumns = """
        p.id, p.platform, p.posted_at, r.day, r.captured_at, r.impressions, r.views, r.reach, r.likes, r.comments, r.shares, r.saves
        """

    private static func dayPoint(_ row: inout RowReader) throws -> DayPoint {
        DayPoint(
            postId: try row.next(), platform: try row.next(), postedAt: try row.timestamp(), day: try row.next(),
            capturedAt: try row.timestamp(), values: try row.values())
    }

    /// These posts' daily points from `firstDay` to `lastDay`, by post (in the order asked) then day; an unknown post
    /// is an error naming its position.
    public func dayPoints(postIds: [String], days: ClosedRange<Int64>) async throws -> [DayPoint] {
        let logger = self.logger
        return try await withConnection { connection in
            let known = try await connection.all("""
                SELECT p.id IS NOT NULL FROM unnest(\(postIds)) WITH ORDINALITY AS q(id, n) LEFT JOIN posts p ON p.id = q.id ORDER BY q.n
                """, logger) { try $0.next(Bool.self) }
            if let index = known.firstIndex(of: false) {
                throw StoreError.notFound(.post, id: postIds[index], input: .postId, index: index)
            }
            return try await connection.all("""
                SELECT \(unescaped: Self.dayPointColumns)
                FROM unnest(\(postIds)) WITH ORDINALITY AS q(id, n) JOIN posts p ON p.id = q.id JOIN daily_rollups r ON r.post_key = p.key
                WHERE r.day BETWEEN \(days.lowerBound) AND \(days.upperBound) ORDER BY q.n, r.day
                """, logger) { try Self.dayPoint(&$0) }
        }
    }

    /// A workspace's posts' daily points from `firstDay` to `lastDay` (of `platform` when given), by post then day.
    public func dayPoints(workspaceId: String, platform: Platform?, days: ClosedRange<Int64>) async throws -> [DayPoint] {
        let logger = self.logger
        return try await withConnection { connection in
            try await Self.requireWorkspace(connection, logger, workspaceId)
            var sql = SQLBuilder("SELECT \(Self.dayPointColumns) FROM posts p JOIN daily_rollups r ON r.post_key = p.key WHERE p.workspace_id = ")
            sql.append("? AND r.day BETWEEN ? AND ?", workspaceId, days.lowerBound, days.upperBound)
            if let platform {
                sql.append(" AND p.platform = ?", platform.rawValue)
            }
            sql += " ORDER BY p.key, r.day"
            return try await connection.all(sql.query, logger) { try Self.dayPoint(&$0) }
        }
    }

    /// A workspace's daily totals (summed over platforms, or of one), from `firstDay` to `lastDay`: per day, each
    /// metric's sum over the posts with a point that day (nil when none of them reported it), and how many posts.
    public func dailyTotals(workspaceId: String, platform: Platform?, days: ClosedRange<Int64>) async throws -> [DailyTotal] {
        let logger = self.logger
        let rows = try await withConnection { connection in
            try await Self.requireWorkspace(connection, logger, workspaceId)
            // Per platform, combined by `DailyTotal.combining`, as in the SQLite store.
            var sql = SQLBuilder("""
                SELECT day, posts, impressions, impressions_n, views, views_n, reach, reach_n, likes, likes_n, comments, comments_n,
                       shares, shares_n, saves, saves_n
                FROM daily_totals WHERE workspace_id =
                """)
            sql.append(" ? AND day BETWEEN ? AND ?", workspaceId, days.lowerBound, days.upperBound)
            if let platform {
                sql.append(" AND platform = ?", platform.rawValue)
            }
            sql += " ORDER BY day"
            return try await connection.all(sql.query, logger) { row in
                let day = try row.next(Int64.self)
                return (day: day, row: try TotalsLedger.totalsRow(&row))
            }
        }
        return DailyTotal.combining(rows)
    }

    // MARK: Export

    /// A page of a workspace's snapshots (or daily rollups) with `since <= capturedAt <= until`, in (post, time) order,
    /// after `cursor`; with the cursor of the next page (the SQLite store's token: post key and time or day).
    public func export(
        workspaceId: String, source: ExportSource, since: Timestamp?, until: Timestamp?, limit: Int, cursor: String?
    ) async throws -> (rows: [ExportRow], nextCursor: String?) {
        let logger = self.logger
        return try await withConnection { connection in
            try await Self.requireWorkspace(connection, logger, workspaceId)
            let after = try cursor.map(ExportCursor.parse) ?? ExportCursor(postKey: .min, position: .min)
            let (table, position, columns) = switch source {
            case .snapshots: ("snapshots", "captured_at", "NULL::bigint, s.captured_at")
            case .daily: ("daily_rollups", "day", "s.day, s.captured_at")
            }
            let rows = try await connection.all("""
                SELECT p.key, s.\(unescaped: position), p.id, p.platform, \(unescaped: columns),
                       s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves
                FROM posts p JOIN \(unescaped: table) s ON s.post_key = p.key
                WHERE p.workspace_id = \(workspaceId) AND (p.key, s.\(unescaped: position)) > (\(after.postKey), \(after.position))
                  AND s.captured_at >= \(since?.milliseconds ?? .min) AND s.captured_at <= \(until?.milliseconds ?? .max)
                ORDER BY p.key, s.\(unescaped: position) LIMIT \(Int64(limit) + 1)
                """, logger
            ) { row in
                let key = try row.next(Int64.self)
                let position = try row.next(Int64.self)
                let exported = ExportRow(
                    postId: try row.next(), platform: try row.next(), day: try row.next(Int64?.self), capturedAt: try row.timestamp(),
                    values: try row.values())
                return (key, position, exported)
            }
            let page = rows.prefix(limit).map(\.2)
            let next = rows.count > limit ? ExportCursor.token("\(rows[limit - 1].0):\(rows[limit - 1].1)") : nil
            return (page, next)
        }
    }
}
