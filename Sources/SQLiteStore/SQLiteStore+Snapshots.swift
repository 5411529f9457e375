import GRDB
import MetricsCore
import StorageContract

/// The time series: writing snapshots, and the two reads the daemon serves from them.
extension SQLiteStore {
    static let metricColumns = "impressions, views, reach, likes, comments, shares, saves"

    // MARK: Reads (synchronous, safe on an event loop)

    /// The newest snapshot of each post, in the order asked: from `latestCache` when a recent read put it
    /// there, otherwise one statement per post, three index seeks, on the store's dedicated read connections
    /// (see `SnapshotReader` for why not through the pool).
    public func latestMetrics(postIds: [String]) throws -> [LatestMetric] {
        var (hits, misses) = (0, 0)
        // Counted once per call, not per post: one atomic add for a 500-post page.
        defer { telemetry.latestCache(hits: hits, misses: misses) }
        return try postIds.enumerated().map { index, postId in
            switch latestCache.lookup(postId) {
            case .hit(let cached):
                hits += 1
                return cached
            case .miss(let miss):
                misses += 1
                guard let row = try snapshotReader.latest(postId: postId) else {
                    throw StoreError.notFound(.post, id: postId, input: .postId, index: index)
                }
                guard let platform = Platform(rawValue: row.platform) else {
                    throw DatabaseError(message: "post \"\(postId)\" has an unknown platform \"\(row.platform)\" in the database")
                }
                let latest = LatestMetric(
                    postId: postId, platform: platform, capturedAt: row.capturedAt.map(Timestamp.init(milliseconds:)),
                    values: row.values)
                latestCache.fill(latest, after: miss)
                return latest
            }
        }
    }

    /// A post's platform and newest snapshot (NULLs when it has none), or no row for an unknown post.
    /// `INDEXED BY`: the planner would pick the unique index on `id` and then read the table row; the covering
    /// index answers the platform and the post key (every index of `posts` carries its key) in one descent.
    static let latestByPostSQL = """
        SELECT p.platform, s.captured_at, s.impressions, s.views, s.reach, s.likes, s.comments, s.shares, s.saves
        FROM posts p INDEXED BY posts_platform_by_id
        LEFT JOIN snapshots s
            ON s.post_key = p.key AND s.captured_at = (SELECT max(captured_at) FROM snapshots WHERE post_key = p.key)
        WHERE p.id = ?
        """

    /// The newest snapshot of a workspace's posts, most recently posted first, a page at a time: the posts are
    /// chosen here (keyset paging in `listPosts`' order), their snapshots read exactly as
    /// `latestMetrics(postIds:)` reads them.
    public func latestMetrics(workspaceId: String, platform: Platform?, limit: Int, cursor: String? = nil) throws -> LatestPage {
        let page = try pool.read { db in
            try Self.requireWorkspace(db, workspaceId)
            // The workspace's own index serves the order: a page costs the same at any workspace size.
            var sql = "SELECT p.id, p.posted_at FROM posts p INDEXED BY posts_by_workspace WHERE p.workspace_id = ?"
            var arguments: StatementArguments = [workspaceId]
            if let platform {
                sql += " AND p.platform = ?"
                arguments += [platform.rawValue]
            }
            if let cursor {
                sql += " AND " + PostCursor.afterSQL
                arguments += try PostCursor.parse(cursor).afterArguments
            }
            sql += " \(PostCursor.orderSQL) LIMIT ?"
            arguments += [limit + 1]
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
                PostCursor(postedAt: try row.decode(atIndex: 1), id: try row.decode(atIndex: 0))
            }
        }
        let posts = page.prefix(limit)
        return LatestPage(
            metrics: try latestMetrics(postIds: posts.map(\.id)),
            nextCursor: page.count > limit ? posts.last?.token : nil)
    }

    /// A post's snapshots with `since <= capturedAt <= until`, oldest first, at most `limit` of them: one
    /// primary-key range on the dedicated read connections; only an empty range asks whether the post exists.
    public func history(postId: String, since: Timestamp?, until: Timestamp?, limit: Int) throws -> HistoryPage {
        let rows = try snapshotReader.history(
            postId: postId, since: since?.milliseconds ?? Int64.min, until: until?.milliseconds ?? Int64.max, limit: limit + 1)
        // A snapshot's post always exists (foreign key), so only an empty range needs the second look.
        if rows.isEmpty, try !snapshotReader.postExists(postId) {
            throw StoreError.notFound(.post, id: postId, input: .postId)
        }
        return HistoryPage(
            points: rows.prefix(limit).map { (Timestamp(milliseconds: $0.capturedAt), $0.values) }, hasMore: rows.count > limit)
    }

    static let historySQL = """
        SELECT captured_at, \(metricColumns) FROM snapshots
        WHERE post_key = (SELECT key FROM posts WHERE id = ?) AND captured_at >= ? AND captured_at <= ?
        ORDER BY captured_at ASC LIMIT ?
        """

    // MARK: Writes

    /// Backfills history. Idempotent: a point already stored at the same (post, capturedAt) is kept as it is,
    /// so re-running an import never changes or duplicates anything. One unknown post aborts the whole call.
    public func importSnapshots(_ snapshots: [Snapshot]) async throws -> ImportResult {
        defer { latestCache.invalidate(snapshots.lazy.map(\.postId)) }
        let result = try await writeWithEvents { db, events in
            var writer = SnapshotWriter(db)
            for (index, snapshot) in snapshots.enumerated() where try writer.post(snapshot.postId) == nil {
                throw StoreError.notFound(.post, id: snapshot.postId, input: .postId, index: index)
            }
            let inserted = try writer.write(snapshots, onConflict: .keepExisting)
            // The velocity rule reads a post's newest main counter from the post; an import may bring a newer one.
            var newest: [String: (at: Timestamp, value: Int64)] = [:]
            for snapshot in snapshots {
                guard let value = snapshot.values.mainCounter else { continue }
                if newest[snapshot.postId].map({ $0.at < snapshot.capturedAt }) ?? true {
                    newest[snapshot.postId] = (snapshot.capturedAt, value)
                }
            }
            let reading = try db.cachedStatement(sql: """
                UPDATE posts SET last_main_value = ?, last_main_at = ? WHERE id = ? AND (last_main_at IS NULL OR last_main_at < ?)
                """)
            for (postId, point) in newest {
                try reading.execute(arguments: [point.value, point.at, postId, point.at])
            }
            // A backfill, not news: one event for the call, none per snapshot.
            let workspaces = Set(try snapshots.compactMap { try writer.post($0.postId)?.workspaceId })
            if !snapshots.isEmpty {
                try events.append(
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
