import GRDB
import MetricsCore
import StorageContract

/// Writes snapshots inside the caller's transaction and keeps what summarizes them in step: each post's daily
/// rollup (the local day's last snapshot, with its metadata), the workspace's daily totals, and the snapshot row
/// count `health` reports. One writer per transaction: it remembers the posts and time zones it looked up.
///
/// Snapshots are written in (post key, time) order, so a batch lands in the clustered table as runs of appends
/// within each post's range rather than scattered inserts.
struct SnapshotWriter {
    enum OnConflict {
        /// An import: a point already stored at the same (post, time) is left as it is.
        case keepExisting
        /// A refresh: a point at the same (post, time) is replaced.
        case replace
    }

    struct PostFacts {
        var key: Int64
        var id: String
        var accountId: String
        var workspaceId: String
        var platform: String
        var calendar: LocalCalendar
    }

    private let db: Database
    private var posts: [String: PostFacts] = [:]
    private var calendars: [String: LocalCalendar] = [:]

    init(_ db: Database) {
        self.db = db
    }

    /// The post's key and where its days are counted; nil for an unknown post.
    mutating func post(_ id: String) throws -> PostFacts? {
        if let known = posts[id] { return known }
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT key, workspace_id, platform, account_id FROM posts WHERE id = ?"), arguments: [id])
        else { return nil }
        let workspaceId: String = try row.decode(atIndex: 1)
        let facts = PostFacts(
            key: try row.decode(atIndex: 0), id: id, accountId: try row.decode(atIndex: 3), workspaceId: workspaceId,
            platform: try row.decode(atIndex: 2), calendar: try calendar(of: workspaceId))
        posts[id] = facts
        return facts
    }

    mutating func calendar(of workspaceId: String) throws -> LocalCalendar {
        if let known = calendars[workspaceId] { return known }
        let name = try String.fetchOne(db.cachedStatement(sql: "SELECT time_zone FROM workspaces WHERE id = ?"), arguments: [workspaceId])
        // Stored names were checked when registered; a name this build's database lacks counts in UTC, not as a failure.
        let calendar = name.flatMap(LocalCalendar.init(identifier:)) ?? .utc
        calendars[workspaceId] = calendar
        return calendar
    }

    /// Writes the snapshots of known posts (the caller checked them), returns how many rows were written (new or
    /// replaced). `written` is told of each, after its rollup (a refresh writes its event there).
    mutating func write(
        _ snapshots: [Snapshot], onConflict: OnConflict, written wrote: (Snapshot, PostFacts) throws -> Void = { _, _ in }
    ) throws -> Int {
        var keyed: [(PostFacts, Snapshot)] = []
        keyed.reserveCapacity(snapshots.count)
        for snapshot in snapshots {
            guard let facts = try post(snapshot.postId) else {
                throw DatabaseError(message: "snapshot of unregistered post \(snapshot.postId)")
            }
            keyed.append((facts, snapshot))
        }
        keyed.sort { ($0.0.key, $0.1.capturedAt) < ($1.0.key, $1.1.capturedAt) }

        let insert = try db.cachedStatement(sql: """
            INSERT INTO snapshots (post_key, captured_at, impressions, views, reach, likes, comments, shares, saves)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (post_key, captured_at) DO NOTHING
            """)
        let replace = try db.cachedStatement(sql: """
            UPDATE snapshots SET impressions = ?, views = ?, reach = ?, likes = ?, comments = ?, shares = ?, saves = ?
            WHERE post_key = ? AND captured_at = ?
            """)
        var written = 0
        var added = 0
        for (facts, snapshot) in keyed {
            let values = snapshot.values
            try insert.execute(arguments: [
                facts.key, snapshot.capturedAt, values.impressions, values.views, values.reach, values.likes, values.comments,
                values.shares, values.saves,
            ])
            if db.changesCount > 0 {
                added += 1
            } else if onConflict == .replace {
                try replace.execute(arguments: [
                    values.impressions, values.views, values.reach, values.likes, values.comments, values.shares, values.saves,
                    facts.key, snapshot.capturedAt,
                ])
            } else {
                continue
            }
            written += 1
            try roll(snapshot, into: facts)
            try wrote(snapshot, facts)
        }
        if added > 0 {
            try db.execute(sql: "UPDATE store_stats SET value = value + ? WHERE name = 'snapshot_rows'", arguments: [added])
        }
        return written
    }

    /// Keeps the post's rollup for the snapshot's local day the day's last point, and the day's totals the sum of
    /// the rollups.
    private mutating func roll(_ snapshot: Snapshot, into facts: PostFacts) throws {
        let day = facts.calendar.day(of: snapshot.capturedAt)
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT captured_at, impressions, views, reach, likes, comments, shares, saves FROM daily_rollups
                WHERE post_key = ? AND day = ?
                """),
            arguments: [facts.key, day])
        var old: MetricValues?
        if let existing {
            let capturedAt: Int64 = try existing.decode(atIndex: 0)
            // An older point imported later does not change what the day ended at.
            guard snapshot.capturedAt.milliseconds >= capturedAt else { return }
            old = try Self.values(existing, from: 1)
        }
        let metadata = snapshot.metadataJSON
        let values = snapshot.values
        try db.cachedStatement(sql: """
            INSERT INTO daily_rollups (post_key, day, captured_at, impressions, views, reach, likes, comments, shares, saves, metadata)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (post_key, day) DO UPDATE SET captured_at = excluded.captured_at, impressions = excluded.impressions,
                views = excluded.views, reach = excluded.reach, likes = excluded.likes, comments = excluded.comments,
                shares = excluded.shares, saves = excluded.saves, metadata = excluded.metadata
            """).execute(arguments: [
                facts.key, day, snapshot.capturedAt, values.impressions, values.views, values.reach, values.likes, values.comments,
                values.shares, values.saves, metadata,
            ])
        try Self.adjustTotals(db, workspaceId: facts.workspaceId, platform: facts.platform, day: day, removing: old, adding: values,
                              postsDelta: old == nil ? 1 : 0)
    }

    /// Moves a day's totals from `removing` (a rollup's previous values, if any) to `adding`.
    static func adjustTotals(
        _ db: Database, workspaceId: String, platform: String, day: Int64, removing old: MetricValues?, adding new: MetricValues?,
        postsDelta: Int
    ) throws {
        var arguments: StatementArguments = [workspaceId, platform, day, postsDelta]
        for name in MetricValues.names {
            let sum = (new?[name] ?? 0) - (old?[name] ?? 0)
            let count = (new?[name] == nil ? 0 : 1) - (old?[name] == nil ? 0 : 1)
            arguments += [sum, count]
        }
        try db.cachedStatement(sql: """
            INSERT INTO daily_totals (workspace_id, platform, day, posts, impressions, impressions_n, views, views_n, reach, reach_n,
                                      likes, likes_n, comments, comments_n, shares, shares_n, saves, saves_n)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (workspace_id, platform, day) DO UPDATE SET posts = posts + excluded.posts,
                impressions = CASE WHEN excluded.impressions > 0 AND impressions > 9223372036854775807 - excluded.impressions THEN 9223372036854775807 ELSE impressions + excluded.impressions END, impressions_n = impressions_n + excluded.impressions_n,
                views = CASE WHEN excluded.views > 0 AND views > 9223372036854775807 - excluded.views THEN 9223372036854775807 ELSE views + excluded.views END, views_n = views_n + excluded.views_n,
                reach = CASE WHEN excluded.reach > 0 AND reach > 9223372036854775807 - excluded.reach THEN 9223372036854775807 ELSE reach + excluded.reach END, reach_n = reach_n + excluded.reach_n,
                likes = CASE WHEN excluded.likes > 0 AND likes > 9223372036854775807 - excluded.likes THEN 9223372036854775807 ELSE likes + excluded.likes END, likes_n = likes_n + excluded.likes_n,
                comments = CASE WHEN excluded.comments > 0 AND comments > 9223372036854775807 - excluded.comments THEN 9223372036854775807 ELSE comments + excluded.comments END, comments_n = comments_n + excluded.comments_n,
                shares = CASE WHEN excluded.shares > 0 AND shares > 9223372036854775807 - excluded.shares THEN 9223372036854775807 ELSE shares + excluded.shares END, shares_n = shares_n + excluded.shares_n,
                saves = CASE WHEN excluded.saves > 0 AND saves > 9223372036854775807 - excluded.saves THEN 9223372036854775807 ELSE saves + excluded.saves END, saves_n = saves_n + excluded.saves_n
            """).execute(arguments: arguments)
    }

    static func values(_ row: Row, from first: Int) throws -> MetricValues {
        MetricValues(
            impressions: try row.decode(atIndex: first), views: try row.decode(atIndex: first + 1), reach: try row.decode(atIndex: first + 2),
            likes: try row.decode(atIndex: first + 3), comments: try row.decode(atIndex: first + 4),
            shares: try row.decode(atIndex: first + 5), saves: try row.decode(atIndex: first + 6))
    }
}
