import Logging
import MetricsCore
import PostgresNIO
import StorageContract

/// Writes snapshots inside the caller's transaction and keeps what summarizes them in step — each post's daily
/// rollup (the local day's last snapshot, with its metadata), the workspace's daily totals, the snapshot row count —
/// with the SQLite store's results (`SnapshotWriter`), point for point.
///
/// SQLite's writer does a few statements per snapshot, which costs nothing in-process; here each statement is a
/// round trip, so a batch is written set-wise: the posts are looked up and locked in one statement, the snapshots
/// inserted in one (columns bound as arrays), the day's rollups read in one and written in one, the totals in three.
/// What SQLite decides row by row (is the point new, does it end its day, how the totals move) is decided here in
/// memory in the same order, so a batch of 200 points costs about ten round trips instead of 800.
///
/// Other daemons write the same database: the posts of a batch are locked (`FOR NO KEY UPDATE`, in key order, so
/// two writers cannot deadlock on them) before their rollups are read, so two batches touching one post run one
/// after the other; totals rows are locked in key order too.
struct PostgresSnapshotWriter {
    enum OnConflict {
        /// An import: a point already stored at the same (post, time) is left as it is.
        case keepExisting
        /// A refresh: a point at the same (post, time) is replaced.
        case replace
    }

    struct PostFacts: Sendable {
        var key: Int64
        var id: String
        var accountId: String
        var workspaceId: String
        var platform: String
        var calendar: LocalCalendar
    }

    /// A snapshot this write stored (new, or replacing the point at its time), with its post.
    struct Written: Sendable {
        var post: PostFacts
        var snapshot: Snapshot
    }

    /// A write asked for a post the caller did not check: a bug, not a caller's error.
    struct UnregisteredPost: Error, CustomStringConvertible {
        var postId: String
        var description: String { "snapshot of unregistered post \(postId)" }
    }

    private let connection: PostgresConnection
    private let logger: Logger
    private var posts: [String: PostFacts] = [:]

    init(_ connection: PostgresConnection, _ logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Looks up and locks these posts (until the transaction ends), with their workspaces' calendars.
    mutating func load(_ postIds: some Sequence<String>) async throws {
        let missing = Array(Set(postIds).subtracting(posts.keys))
        guard !missing.isEmpty else { return }
        let rows = try await connection.all(
            "SELECT id, key, workspace_id, platform, account_id FROM posts WHERE id = ANY(\(missing)) ORDER BY key FOR NO KEY UPDATE", logger
        ) { row in
            (try row.next(String.self), try row.next(Int64.self), try row.next(String.self), try row.next(String.self), try row.next(String.self))
        }
        // Read after the lock: a time-zone change that committed while this waited is seen.
        var calendars: [String: LocalCalendar] = [:]
        for (id, name) in try await connection.all(
            "SELECT id, time_zone FROM workspaces WHERE id = ANY(\(Array(Set(rows.map(\.2)))))", logger,
            { row in (try row.next(String.self), try row.next(String.self)) })
        {
            // Stored names were checked when registered; a name this build's database lacks counts in UTC.
            calendars[id] = LocalCalendar(identifier: name) ?? .utc
        }
        for (id, key, workspaceId, platform, accountId) in rows {
            posts[id] = PostFacts(
                key: key, id: id, accountId: accountId, workspaceId: workspaceId, platform: platform,
                calendar: calendars[workspaceId] ?? .utc)
        }
    }

    /// The post's key and where its days are counted; nil for an unknown post (or one not loaded).
    func post(_ id: String) -> PostFacts? {
        posts[id]
    }

    /// Writes the snapshots of known posts (the caller checked them); returns those written (new or replaced), in
    /// (post key, time) order.
    mutating func write(_ snapshots: [Snapshot], onConflict: OnConflict) async throws -> [Written] {
        guard !snapshots.isEmpty else { return [] }
        try await load(snapshots.map(\.postId))
        var keyed: [(facts: PostFacts, snapshot: Snapshot, order: Int)] = []
        keyed.reserveCapacity(snapshots.count)
        for (order, snapshot) in snapshots.enumerated() {
            guard let facts = posts[snapshot.postId] else { throw UnregisteredPost(postId: snapshot.postId) }
            keyed.append((facts, snapshot, order))
        }
        // (post key, time) order, as SQLite writes them; a point given twice keeps its order in the call.
        keyed.sort { ($0.facts.key, $0.snapshot.capturedAt.milliseconds, $0.order) < ($1.facts.key, $1.snapshot.capturedAt.milliseconds, $1.order) }

        let values = keyed.map(\.snapshot.values)
        // A point repeated within the batch conflicts with its own first insert and is skipped by this statement.
        let added = Set(try await connection.all("""
            INSERT INTO snapshots (post_key, captured_at, impressions, views, reach, likes, comments, shares, saves)
            SELECT * FROM unnest(\(keyed.map(\.facts.key)), \(keyed.map(\.snapshot.capturedAt.milliseconds)),
                                 \(NullableArray(values.map(\.impressions))), \(NullableArray(values.map(\.views))),
                                 \(NullableArray(values.map(\.reach))), \(NullableArray(values.map(\.likes))),
                                 \(NullableArray(values.map(\.comments))), \(NullableArray(values.map(\.shares))),
                                 \(NullableArray(values.map(\.saves))))
            ON CONFLICT (post_key, captured_at) DO NOTHING
            RETURNING post_key, captured_at
            """, logger, { row in PointKey(post: try row.next(Int64.self), time: try row.next(Int64.self)) }))

        // What SQLite decides point by point: new (the first time a point's key is inserted), replaced, or skipped.
        var inserted: Set<PointKey> = []
        var replacements: [PointKey: MetricValues] = [:]
        var written: [Written] = []
        for (facts, snapshot, _) in keyed {
            let point = PointKey(post: facts.key, time: snapshot.capturedAt.milliseconds)
            if added.contains(point), inserted.insert(point).inserted {
                written.append(Written(post: facts, snapshot: snapshot))
            } else if onConflict == .replace {
                replacements[point] = snapshot.values
                written.append(Written(post: facts, snapshot: snapshot))
            }
        }
        if !replacements.isEmpty {
            let points = Array(replacements.keys)
            let values = points.map { replacements[$0]! }
            try await connection.run("""
                UPDATE snapshots s SET impressions = v.impressions, views = v.views, reach = v.reach, likes = v.likes,
                    comments = v.comments, shares = v.shares, saves = v.saves
                FROM unnest(\(points.map(\.post)), \(points.map(\.time)),
                            \(NullableArray(values.map(\.impressions))), \(NullableArray(values.map(\.views))),
                            \(NullableArray(values.map(\.reach))), \(NullableArray(values.map(\.likes))),
                            \(NullableArray(values.map(\.comments))), \(NullableArray(values.map(\.shares))),
                            \(NullableArray(values.map(\.saves))))
                    AS v(post_key, captured_at, impressions, views, reach, likes, comments, shares, saves)
                WHERE s.post_key = v.post_key AND s.captured_at = v.captured_at
                """, logger)
        }
        try await roll(written)
        if !inserted.isEmpty {
            try await SnapshotRowCount.add(Int64(inserted.count), connection, logger)
        }
        return written
    }

    private struct PointKey: Hashable {
        var post: Int64
        var time: Int64
    }

    private struct DayKey: Hashable {
        var post: Int64
        var day: Int64
    }

    /// Keeps each post's rollup of each local day the day's last point, and the day's totals the sum of the rollups.
    private func roll(_ written: [Written]) async throws {
        guard !written.isEmpty else { return }
        let days = written.map { DayKey(post: $0.post.key, day: $0.post.calendar.day(of: $0.snapshot.capturedAt)) }
        let asked = Array(Set(days))
        var current: [DayKey: (capturedAt: Int64, values: MetricValues)] = [:]
        for (key, capturedAt, values) in try await connection.all("""
            SELECT post_key, day, captured_at, impressions, views, reach, likes, comments, shares, saves FROM daily_rollups
            WHERE (post_key, day) IN (SELECT * FROM unnest(\(asked.map(\.post)), \(asked.map(\.day))))
            """, logger, { row in
                (DayKey(post: try row.next(Int64.self), day: try row.next(Int64.self)), try row.next(Int64.self), try row.values())
            })
        {
            current[key] = (capturedAt, values)
        }
        var changed: [DayKey: (capturedAt: Int64, values: MetricValues, metadata: String?)] = [:]
        var ledger = TotalsLedger()
        for (entry, day) in zip(written, days) {
            let (facts, snapshot) = (entry.post, entry.snapshot)
            let old = current[day]
            // An older point imported later does not change what the day ended at.
            if let old, snapshot.capturedAt.milliseconds < old.capturedAt { continue }
            current[day] = (snapshot.capturedAt.milliseconds, snapshot.values)
            changed[day] = (snapshot.capturedAt.milliseconds, snapshot.values, snapshot.metadataJSON)
            ledger.record(
                TotalsLedger.Key(workspaceId: facts.workspaceId, platform: facts.platform, day: day.day),
                removing: old?.values, adding: snapshot.values)
        }
        if !changed.isEmpty {
            let keys = changed.keys.sorted { ($0.post, $0.day) < ($1.post, $1.day) }
            let rows = keys.map { changed[$0]! }
            let values = rows.map(\.values)
            try await connection.run("""
                INSERT INTO daily_rollups (post_key, day, captured_at, impressions, views, reach, likes, comments, shares, saves, metadata)
                SELECT v.post_key, v.day, v.captured_at, v.impressions, v.views, v.reach, v.likes, v.comments, v.shares, v.saves,
                       v.metadata::jsonb
                FROM unnest(\(keys.map(\.post)), \(keys.map(\.day)), \(rows.map(\.capturedAt)),
                            \(NullableArray(values.map(\.impressions))), \(NullableArray(values.map(\.views))),
                            \(NullableArray(values.map(\.reach))), \(NullableArray(values.map(\.likes))),
                            \(NullableArray(values.map(\.comments))), \(NullableArray(values.map(\.shares))),
                            \(NullableArray(values.map(\.saves))), \(NullableArray(rows.map(\.metadata))))
                    AS v(post_key, day, captured_at, impressions, views, reach, likes, comments, shares, saves, metadata)
                ON CONFLICT (post_key, day) DO UPDATE SET captured_at = excluded.captured_at, impressions = excluded.impressions,
                    views = excluded.views, reach = excluded.reach, likes = excluded.likes, comments = excluded.comments,
                    shares = excluded.shares, saves = excluded.saves, metadata = excluded.metadata
                """, logger)
        }
        try await ledger.apply(connection, logger)
    }
}
