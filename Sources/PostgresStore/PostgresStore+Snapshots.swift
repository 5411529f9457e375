import MetricsCore
import PostgresNIO
import StorageContract

/// The time series: the two reads the daemon serves from it, and backfilling it.
extension PostgresStore {
    /// The newest snapshot of each post, in the order asked, in one round trip: the ids go as one array, each
    /// post's newest point is one backward step down the snapshots' primary key. An unknown post is an error naming
    /// its position.
    ///
    /// While the daemon listens to the event log, from the latest-snapshot cache first (`EventLogFollower`): only the
    /// posts it misses are read, and a page all cached costs no round trip.
    public func latestMetrics(postIds: [String]) async throws -> [LatestMetric] {
        let logger = self.logger
        guard isListening else {
            return try await withConnection { connection in try await Self.latest(connection, logger, postIds: postIds) }
        }
        var found = [LatestMetric?](repeating: nil, count: postIds.count)
        var missed: [(index: Int, miss: LatestSnapshotCache.Miss)] = []
        for (index, postId) in postIds.enumerated() {
            switch latestCache.lookup(postId) {
            case .hit(let cached): found[index] = cached
            case .miss(let miss): missed.append((index, miss))
            }
        }
        telemetry.latestCache(hits: postIds.count - missed.count, misses: missed.count)
        if !missed.isEmpty {
            let asked = missed.map { postIds[$0.index] }
            let read: [LatestMetric]
            do {
                read = try await withConnection { connection in try await Self.latest(connection, logger, postIds: asked) }
            } catch let error as StoreError {
                // Name the unknown post by its position in the caller's list, not in the list of misses.
                throw error.index.map { StoreError.notFound(.post, id: asked[$0], input: .postId, index: missed[$0].index) } ?? error
            }
            for ((index, miss), latest) in zip(missed, read) {
                latestCache.fill(latest, after: miss)
                found[index] = latest
            }
        }
        return found.map { $0! }
    }

    /// The posts of the array `$1`, in its order: each one's platform (NULL for an unknown post) and newest snapshot
    /// (NULLs when it has none).
    static let latestSQL = """
        SELECT q.n, p.platform, s.captured_at, s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves
        FROM unnest($1::text[]) WITH ORDINALITY AS q(id, n)
        LEFT JOIN posts p ON p.id = q.id
        LEFT JOIN LATERAL (
            SELECT captured_at, impressions, views, reach, likes, comments, shares, saves FROM snapshots
            WHERE post_key = p.key ORDER BY captured_at DESC LIMIT 1
        ) s ON true
        ORDER BY q.n
        """

    static func latest(_ connection: PostgresConnection, _ logger: Logger, postIds: [String]) async throws -> [LatestMetric] {
        guard !postIds.isEmpty else { return [] }
        var binds = PostgresBindings(capacity: 1)
        binds.append(postIds)
        let rows = try await connection.all(PostgresQuery(unsafeSQL: latestSQL, binds: binds), logger) { row in
            (try row.next(Int64.self), try row.next(Platform?.self), try row.optionalTimestamp(), try row.values())
        }
        return try zip(postIds, rows).enumerated().map { index, pair in
            let (postId, (_, platform, capturedAt, values)) = pair
            guard let platform else { throw StoreError.notFound(.post, id: postId, input: .postId, index: index) }
            return LatestMetric(postId: postId, platform: platform, capturedAt: capturedAt, values: values)
        }
    }

    /// The newest snapshot of a workspace's posts, most recently posted first, a page at a time (keyset paging in
    /// `listPosts`' order, on the workspace's own index).
    public func latestMetrics(workspaceId: String, platform: Platform?, limit: Int, cursor: String?) async throws -> LatestPage {
        let logger = self.logger
        return try await withConnection { connection in
            try await Self.requireWorkspace(connection, logger, workspaceId)
            var sql = SQLBuilder("SELECT p.id, p.posted_at FROM posts p WHERE p.workspace_id = ")
            sql.append("?", workspaceId)
            if let platform {
                sql.append(" AND p.platform = ?", platform.rawValue)
            }
            if let cursor {
                try Self.appendAfter(&sql, try PostgresCursors.post(cursor))
            }
            sql.append(" \(PostgresCursors.orderSQL) LIMIT ?", limit + 1)
            let page = try await connection.all(sql.query, logger) { row in
                let id = try row.next(String.self)
                return PostCursor(postedAt: try row.next(Int64.self), id: id)
            }
            let posts = page.prefix(limit)
            return LatestPage(
                metrics: try await Self.latest(connection, logger, postIds: posts.map(\.id)),
                nextCursor: page.count > limit ? posts.last?.token : nil)
        }
    }

    /// A post's snapshots with `since <= capturedAt <= until`, oldest first, at most `limit`: one range of the primary
    /// key, and whether the post exists, in one statement.
    public func history(postId: String, since: Timestamp?, until: Timestamp?, limit: Int) async throws -> HistoryPage {
        let logger = self.logger
        let rows = try await withConnection { connection in
            try await connection.all("""
                SELECT s.captured_at, s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves
                FROM posts p LEFT JOIN LATERAL (
                    SELECT captured_at, impressions, views, reach, likes, comments, shares, saves FROM snapshots
                    WHERE post_key = p.key AND captured_at >= \(since?.milliseconds ?? .min) AND captured_at <= \(until?.milliseconds ?? .max)
                    ORDER BY captured_at LIMIT \(Int64(limit) + 1)
                ) s ON true
                WHERE p.id = \(postId)
                """, logger) { row in (try row.optionalTimestamp(), try row.values()) }
        }
        // No row: no such post. One row without a time: the post, with no point in the range.
        guard !rows.isEmpty else { throw StoreError.notFound(.post, id: postId, input: .postId) }
        let points = rows.compactMap { row in row.0.map { ($0, row.1) } }
        return HistoryPage(points: Array(points.prefix(limit)), hasMore: points.count > limit)
    }

    /// Backfills history. Idempotent: a point already stored at the same (post, capturedAt) is kept as it is. One
    /// unknown post aborts the whole call, named by its position.
    public func importSnapshots(_ snapshots: [Snapshot]) async throws -> ImportResult {
        let logger = self.logger
        defer { latestCache.invalidate(snapshots.lazy.map(\.postId)) }
        let result = try await writeWithEvents { connection, events in
            var writer = PostgresSnapshotWriter(connection, logger)
            try await writer.load(snapshots.map(\.postId))
            for (index, snapshot) in snapshots.enumerated() where writer.post(snapshot.postId) == nil {
                throw StoreError.notFound(.post, id: snapshot.postId, input: .postId, index: index)
            }
            let inserted = try await writer.write(snapshots, onConflict: .keepExisting).count
            // The velocity rule reads a post's newest main counter from the post; an import may bring a newer one.
            var newest: [String: (at: Timestamp, value: Int64)] = [:]
            for snapshot in snapshots {
                guard let value = snapshot.values.mainCounter else { continue }
                if newest[snapshot.postId].map({ $0.at < snapshot.capturedAt }) ?? true {
                    newest[snapshot.postId] = (snapshot.capturedAt, value)
                }
            }
            if !newest.isEmpty {
                let ids = Array(newest.keys)
                try await connection.run("""
                    UPDATE posts p SET last_main_value = v.value, last_main_at = v.at
                    FROM unnest(\(ids), \(ids.map { newest[$0]!.value }), \(ids.map { newest[$0]!.at.milliseconds })) AS v(id, value, at)
                    WHERE p.id = v.id AND (p.last_main_at IS NULL OR p.last_main_at < v.at)
                    """, logger)
            }
            // A backfill, not news: one event for the call, none per snapshot.
            if !snapshots.isEmpty {
                let workspaces = Set(snapshots.compactMap { writer.post($0.postId)?.workspaceId })
                events.append(
                    .import, workspaceId: workspaces.count == 1 ? workspaces.first : nil,
                    data: EventData.import(
                        snapshots: snapshots.count, imported: inserted, skipped: snapshots.count - inserted,
                        posts: Set(snapshots.map(\.postId)).count))
            }
            return ImportResult(imported: inserted, skipped: snapshots.count - inserted)
        }
        telemetry.snapshotsWritten(result.imported, source: .import)
        return result
    }
}
