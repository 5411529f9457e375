import Logging
import MetricsCore
import PostgresNIO

/// How a batch moves the daily totals: per (workspace, platform, day), the rollup changes in the order they
/// happened, applied to the stored row by the one rule every backend keeps (`DailyTotalsRow.apply`).
///
/// Applied in memory and written back in three statements whatever the batch's size; the rows are locked in key
/// order, so writers of two daemons touching the same days cannot deadlock on them.
struct TotalsLedger {
    struct Key: Hashable, Comparable {
        var workspaceId: String
        var platform: String
        var day: Int64

        static func < (lhs: Key, rhs: Key) -> Bool {
            // Byte order, as the database sorts the workspace id (COLLATE "C").
            if lhs.workspaceId != rhs.workspaceId { return lhs.workspaceId.utf8.lexicographicallyPrecedes(rhs.workspaceId.utf8) }
            if lhs.platform != rhs.platform { return lhs.platform.utf8.lexicographicallyPrecedes(rhs.platform.utf8) }
            return lhs.day < rhs.day
        }
    }

    private struct Change {
        var removing: MetricValues?
        var adding: MetricValues
    }

    /// A stored row of `daily_totals` (posts, then each metric's sum and count in `MetricValues.names` order), read
    /// from `reader`'s next columns.
    static func totalsRow(_ reader: inout RowReader) throws -> DailyTotalsRow {
        var row = DailyTotalsRow(posts: try reader.next())
        for index in MetricValues.names.indices {
            row.sums[index] = try reader.next()
            row.counts[index] = try reader.next()
        }
        return row
    }

    private var changes: [Key: [Change]] = [:]

    mutating func record(_ key: Key, removing old: MetricValues?, adding new: MetricValues) {
        changes[key, default: []].append(Change(removing: old, adding: new))
    }

    func apply(_ connection: PostgresConnection, _ logger: Logger) async throws {
        guard !changes.isEmpty else { return }
        let keys = changes.keys.sorted()
        let workspaces = keys.map(\.workspaceId)
        let platforms = keys.map(\.platform)
        let days = keys.map(\.day)
        // Rows that do not exist yet start at zero, as SQLite's insert branch does; inserting them first lets every
        // row be locked and read the same way.
        try await connection.run("""
            INSERT INTO daily_totals (workspace_id, platform, day, posts)
            SELECT w, p, d, 0 FROM unnest(\(workspaces), \(platforms), \(days)) WITH ORDINALITY AS v(w, p, d, n) ORDER BY n
            ON CONFLICT (workspace_id, platform, day) DO NOTHING
            """, logger)
        var rows: [Key: DailyTotalsRow] = [:]
        for (key, row) in try await connection.all("""
            SELECT t.workspace_id, t.platform, t.day, t.posts, t.impressions, t.impressions_n, t.views, t.views_n, t.reach, t.reach_n,
                   t.likes, t.likes_n, t.comments, t.comments_n, t.shares, t.shares_n, t.saves, t.saves_n
            FROM daily_totals t JOIN unnest(\(workspaces), \(platforms), \(days)) AS v(w, p, d)
                ON t.workspace_id = v.w AND t.platform = v.p AND t.day = v.d
            ORDER BY t.workspace_id, t.platform COLLATE "C", t.day
            FOR UPDATE OF t
            """, logger, { reader in
                let key = Key(workspaceId: try reader.next(), platform: try reader.next(), day: try reader.next())
                return (key, try Self.totalsRow(&reader))
            })
        {
            rows[key] = row
        }
        var updated: [DailyTotalsRow] = []
        for key in keys {
            var row = rows[key] ?? DailyTotalsRow()
            for change in changes[key] ?? [] {
                row.apply(removing: change.removing, adding: change.adding)
            }
            updated.append(row)
        }
        func sums(_ index: Int) -> [Int64] { updated.map { $0.sums[index] } }
        func counts(_ index: Int) -> [Int64] { updated.map { $0.counts[index] } }
        try await connection.run("""
            UPDATE daily_totals t SET posts = v.posts,
                impressions = v.impressions, impressions_n = v.impressions_n, views = v.views, views_n = v.views_n,
                reach = v.reach, reach_n = v.reach_n, likes = v.likes, likes_n = v.likes_n,
                comments = v.comments, comments_n = v.comments_n, shares = v.shares, shares_n = v.shares_n,
                saves = v.saves, saves_n = v.saves_n
            FROM unnest(\(workspaces), \(platforms), \(days), \(updated.map(\.posts)),
                        \(sums(0)), \(counts(0)), \(sums(1)), \(counts(1)), \(sums(2)), \(counts(2)), \(sums(3)), \(counts(3)),
                        \(sums(4)), \(counts(4)), \(sums(5)), \(counts(5)), \(sums(6)), \(counts(6)))
                AS v(w, p, d, posts, impressions, impressions_n, views, views_n, reach, reach_n, likes, likes_n,
                     comments, comments_n, shares, shares_n, saves, saves_n)
            WHERE t.workspace_id = v.w AND t.platform = v.p AND t.day = v.d
            """, logger)
    }
}
