import Logging
import MetricsCore
import PostgresNIO

/// Rebuilding the daily rollups and totals from raw snapshots, for the rare writes that move days: a workspace's
/// time zone changes (its posts' days shift), or posts change workspace (their totals move). Runs in the caller's
/// transaction; a rebuilt rollup has no metadata (snapshots keep none), as in the SQLite store (`DailySummaries`).
enum PostgresDailySummaries {
    /// Posts whose snapshots are read at once, and rollups written per statement, so a workspace's rebuild holds a
    /// few hundred posts' history at a time, never the whole workspace's.
    static let postsPerRead = 200
    static let rowsPerStatement = 5_000

    /// A workspace's post keys, locked against the snapshot writers of other daemons until the caller commits:
    /// they lock the posts they write first, so a rebuild and a write of the same post happen one after the other.
    static func lockedPostKeys(_ connection: PostgresConnection, _ logger: Logger, workspaceId: String) async throws -> [Int64] {
        try await connection.all(
            "SELECT key FROM posts WHERE workspace_id = \(workspaceId) ORDER BY key FOR NO KEY UPDATE", logger
        ) { try $0.next(Int64.self) }
    }

    /// A workspace's calendar; a stored name this build lacks counts in UTC, as in the SQLite store.
    static func calendar(_ connection: PostgresConnection, _ logger: Logger, workspaceId: String) async throws -> LocalCalendar {
        let name = try await connection.first("SELECT time_zone FROM workspaces WHERE id = \(workspaceId)", logger) {
            try $0.next(String.self)
        }
        return name.flatMap(LocalCalendar.init(identifier:)) ?? .utc
    }

    /// Rebuilds the rollups of these posts in `calendar`, from their snapshots: each local day's last one. A few
    /// hundred posts at a time: a statement's rows must be read through before the connection takes the next
    /// statement, so the snapshots are read per group of posts, not streamed past the inserts.
    static func rebuildRollups(_ connection: PostgresConnection, _ logger: Logger, postKeys: [Int64], calendar: LocalCalendar) async throws {
        guard !postKeys.isEmpty else { return }
        try await connection.run("DELETE FROM daily_rollups WHERE post_key = ANY(\(postKeys))", logger)
        for start in stride(from: 0, to: postKeys.count, by: postsPerRead) {
            let keys = Array(postKeys[start..<min(start + postsPerRead, postKeys.count)])
            var rollups: [(key: Int64, day: Int64, capturedAt: Int64, values: MetricValues)] = []
            // Rows arrive by post then time: each post's points fold into its days' last ones (`DayCloses`).
            var post: Int64?
            var closes = DayCloses<(capturedAt: Int64, values: MetricValues)>(calendar: calendar)
            func close(_ closed: (day: Int64, point: (capturedAt: Int64, values: MetricValues))?) {
                guard let closed, let post else { return }
                rollups.append((post, closed.day, closed.point.capturedAt, closed.point.values))
            }
            for (key, capturedAt, values) in try await connection.all("""
                SELECT post_key, captured_at, impressions, views, reach, likes, comments, shares, saves FROM snapshots
                WHERE post_key = ANY(\(keys)) ORDER BY post_key, captured_at
                """, logger, { row in (try row.next(Int64.self), try row.next(Int64.self), try row.values()) })
            {
                if post != key {
                    close(closes.finish())
                    post = key
                }
                close(closes.add((capturedAt, values), at: Timestamp(milliseconds: capturedAt)))
            }
            close(closes.finish())
            for first in stride(from: 0, to: rollups.count, by: rowsPerStatement) {
                try await insert(Array(rollups[first..<min(first + rowsPerStatement, rollups.count)]), connection, logger)
            }
        }
    }

    private static func insert(
        _ rollups: [(key: Int64, day: Int64, capturedAt: Int64, values: MetricValues)], _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        guard !rollups.isEmpty else { return }
        let values = rollups.map(\.values)
        try await connection.run("""
            INSERT INTO daily_rollups (post_key, day, captured_at, impressions, views, reach, likes, comments, shares, saves)
            SELECT * FROM unnest(\(rollups.map(\.key)), \(rollups.map(\.day)), \(rollups.map(\.capturedAt)),
                                 \(NullableArray(values.map(\.impressions))), \(NullableArray(values.map(\.views))),
                                 \(NullableArray(values.map(\.reach))), \(NullableArray(values.map(\.likes))),
                                 \(NullableArray(values.map(\.comments))), \(NullableArray(values.map(\.shares))),
                                 \(NullableArray(values.map(\.saves))))
            """, logger)
    }

    /// Recomputes a workspace's daily totals from its posts' rollups, by the rule the writes keep
    /// (`DailyTotalsRow.apply` from zero): a rebuilt row equals the one the writes kept, at the overflow edge too.
    static func rebuildTotals(_ connection: PostgresConnection, _ logger: Logger, workspaceId: String) async throws {
        try await connection.run("DELETE FROM daily_totals WHERE workspace_id = \(workspaceId)", logger)
        struct Key: Hashable { var platform: String; var day: Int64 }
        var totals: [Key: DailyTotalsRow] = [:]
        try await connection.fold("""
            SELECT p.platform, r.day, r.impressions, r.views, r.reach, r.likes, r.comments, r.shares, r.saves
            FROM daily_rollups r JOIN posts p ON p.key = r.post_key
            WHERE p.workspace_id = \(workspaceId)
            """, logger, into: &totals) { totals, row in
                let key = Key(platform: try row.next(String.self), day: try row.next(Int64.self))
                totals[key, default: DailyTotalsRow()].apply(removing: nil, adding: try row.values())
            }
        let rows = totals.sorted { ($0.key.platform, $0.key.day) < ($1.key.platform, $1.key.day) }
        guard !rows.isEmpty else { return }
        func sums(_ index: Int) -> [Int64] { rows.map { $0.value.sums[index] } }
        func counts(_ index: Int) -> [Int64] { rows.map { $0.value.counts[index] } }
        try await connection.run("""
            INSERT INTO daily_totals (workspace_id, platform, day, posts, impressions, impressions_n, views, views_n, reach, reach_n,
                                      likes, likes_n, comments, comments_n, shares, shares_n, saves, saves_n)
            SELECT \(workspaceId), * FROM unnest(\(rows.map(\.key.platform)), \(rows.map(\.key.day)), \(rows.map(\.value.posts)),
                        \(sums(0)), \(counts(0)), \(sums(1)), \(counts(1)), \(sums(2)), \(counts(2)), \(sums(3)), \(counts(3)),
                        \(sums(4)), \(counts(4)), \(sums(5)), \(counts(5)), \(sums(6)), \(counts(6)))
            """, logger)
    }
}
