import GRDB
import MetricsCore

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
            var pending: (day: Int64, row: [DatabaseValue])?
            func flush() throws {
                guard let (day, row) = pending else { return }
                try insert.execute(arguments: StatementArguments([key.databaseValue, day.databaseValue] + row))
            }
            while let row = try rows.next() {
                let day = calendar.day(of: Timestamp(milliseconds: try row.decode(atIndex: 0)))
                if let current = pending, current.day != day { try flush() }
                pending = (day, Array(row.databaseValues))
            }
            try flush()
        }
    }

    /// Recomputes a workspace's daily totals from its posts' rollups.
    static func rebuildTotals(_ db: Database, workspaceId: String) throws {
        try db.execute(sql: "DELETE FROM daily_totals WHERE workspace_id = ?", arguments: [workspaceId])
        try db.execute(sql: """
            INSERT INTO daily_totals
                SELECT p.workspace_id, p.platform, r.day, count(*),
                       coalesce(sum(r.impressions), 0), count(r.impressions), coalesce(sum(r.views), 0), count(r.views),
                       coalesce(sum(r.reach), 0), count(r.reach), coalesce(sum(r.likes), 0), count(r.likes),
                       coalesce(sum(r.comments), 0), count(r.comments), coalesce(sum(r.shares), 0), count(r.shares),
                       coalesce(sum(r.saves), 0), count(r.saves)
                FROM daily_rollups r JOIN posts p ON p.key = r.post_key
                WHERE p.workspace_id = ?
                GROUP BY p.platform, r.day
            """, arguments: [workspaceId])
    }

    static func postKeys(_ db: Database, workspaceId: String) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT key FROM posts WHERE workspace_id = ? ORDER BY key", arguments: [workspaceId])
    }
}
