import GRDB
import MetricsCore
import StorageContract

/// Rebuilding the daily rollups and totals from raw snapshots, for the rare writes that move days: a workspace's
/// time zone changes (its posts' days shift), or posts change workspace (their totals move). Runs in the caller's
/// transaction. A rebuilt rollup has no metadata: snapshots keep none, and the day it belonged to may have moved.
enum DailySummaries {
    /// Rebuilds the rollups of these posts in `calendar`, from their snapshots (after retention, the days older
    /// than the raw horizon have only their last snapshot, which is what their rollup needs).
    static func rebuildRollups(_ db: Database, postKeys: [Int64], calendar: LocalCalendar) throws {
        let delete = try db.cachedStatement(sql: "DELETE FROM daily_rollups WHERE post_key = ?")
        let insert = try db.cachedStatement(sql: """
            INSERT INTO daily_rollups (post_key, day, captured_at, impressions, views, reach, likes, comments, shares, saves)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for key in postKeys {
            try delete.execute(arguments: [key])
            let rows = try Row.fetchCursor(
                db.cachedStatement(sql: """
                    SELECT captured_at, impressions, views, reach, likes, comments, shares, saves FROM snapshots
                    WHERE post_key = ? ORDER BY captured_at
                    """),
                arguments: [key])
            var closes = DayCloses<[DatabaseValue]>(calendar: calendar)
            func write(_ closed: (day: Int64, point: [DatabaseValue])?) throws {
                guard let (day, row) = closed else { return }
                try insert.execute(arguments: StatementArguments([key.databaseValue, day.databaseValue] + row))
            }
            while let row = try rows.next() {
                try write(closes.add(Array(row.databaseValues), at: Timestamp(milliseconds: try row.decode(atIndex: 0))))
            }
            try write(closes.finish())
        }
    }

    /// Recomputes a workspace's daily totals from its posts' rollups, by the rule the writes keep
    /// (`DailyTotalsRow.apply` from zero), streamed: SQLite's sum() would fail the rebuild on an overflow, and a
    /// rebuilt row must equal the one the writes kept, held at 2^63 − 1.
    static func rebuildTotals(_ db: Database, workspaceId: String) throws {
        try db.execute(sql: "DELETE FROM daily_totals WHERE workspace_id = ?", arguments: [workspaceId])
        struct Key: Hashable { var platform: String; var day: Int64 }
        var totals: [Key: DailyTotalsRow] = [:]
        let rollups = try Row.fetchCursor(db, sql: """
            SELECT p.platform, r.day, r.impressions, r.views, r.reach, r.likes, r.comments, r.shares, r.saves
            FROM daily_rollups r JOIN posts p ON p.key = r.post_key
            WHERE p.workspace_id = ?
            """, arguments: [workspaceId])
        while let rollup = try rollups.next() {
            let key = Key(platform: try rollup.decode(atIndex: 0), day: try rollup.decode(atIndex: 1))
            totals[key, default: DailyTotalsRow()].apply(removing: nil, adding: try SnapshotWriter.values(rollup, from: 2))
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO daily_totals (workspace_id, platform, day, posts, impressions, impressions_n, views, views_n, reach, reach_n,
                                      likes, likes_n, comments, comments_n, shares, shares_n, saves, saves_n)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (key, row) in totals {
            var arguments: StatementArguments = [workspaceId, key.platform, key.day, row.posts]
            for index in MetricValues.names.indices { arguments += [row.sums[index], row.counts[index]] }
            try insert.execute(arguments: arguments)
        }
    }

    /// A stored row of `daily_totals` from its `posts` column on (then each metric's sum and count).
    static func totalsRow(_ row: Row, from first: Int) throws -> DailyTotalsRow {
        var totals = DailyTotalsRow(posts: try row.decode(atIndex: first))
        for index in MetricValues.names.indices {
            totals.sums[index] = try row.decode(atIndex: first + 1 + index * 2)
            totals.counts[index] = try row.decode(atIndex: first + 2 + index * 2)
        }
        return totals
    }

    static func postKeys(_ db: Database, workspaceId: String) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT key FROM posts WHERE workspace_id = ? ORDER BY key", arguments: [workspaceId])
    }
}
