import Foundation
import GRDB
import GRDBSQLite
import MetricsCore
@testable import MetricsStore
import Testing

/// A store on a fresh temporary file, removed afterwards.
struct TemporaryStore: ~Copyable {
    let directory: URL
    let store: MetricsStore
    let clock = ManualClock(now: Timestamp(iso8601: "2026-11-24T12:00:00Z")!)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try MetricsStore.open(path: directory.appendingPathComponent("m.sqlite").path, clock: clock)
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// One workspace, one account per platform, and `postsPerAccount` posts each.
    func seed(postsPerAccount: Int = 2) async throws {
        _ = try await store.upsertWorkspace(Workspace(id: "w1", name: "Studio"))
        for platform in Platform.allCases {
            _ = try await store.upsertAccount(AccountRegistration(
                id: "\(platform.rawValue)-acct", workspaceId: "w1", platform: platform,
                externalAccountId: "ext-\(platform.rawValue)", accessToken: "secret-\(platform.rawValue)"))
            _ = try await store.upsertPosts((0..<postsPerAccount).map { index in
                PostRegistration(
                    id: "\(platform.rawValue)-\(index)", accountId: "\(platform.rawValue)-acct", externalPostId: "x\(index)",
                    postedAt: clock.now.adding(days: -index), mediaProductType: platform == .instagram ? .feed : nil)
            })
        }
    }
}

@Suite struct MetricsStoreTests {
    @Test func createsTheFileOwnerOnlyInWALModeWithNamedMigrations() throws {
        let temporary = try TemporaryStore()
        let attributes = try FileManager.default.attributesOfItem(atPath: temporary.store.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try temporary.store.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try temporary.store.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 1)  // NORMAL
        #expect(try temporary.store.appliedMigrations() == [
            "v1-registry-and-snapshots", "v2-retired-metrics", "v3-post-platform-covering-index", "v4-due-times",
            "v5-compact-snapshots-and-rollups",
        ])
    }

    @Test func reopeningKeepsDataAndDoesNotReapplyMigrations() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let reopened = try MetricsStore.open(path: temporary.store.path)
        #expect(try reopened.listAccounts(workspaceId: nil).count == 3)
        try reopened.close()
    }

    @Test func latestSnapshotIsIndexSeeksOnly() throws {
        let temporary = try TemporaryStore()
        let plan = try temporary.store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + MetricsStore.latestByPostSQL, arguments: ["p"])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains("SEARCH p USING COVERING INDEX posts_platform_by_id (id=?)"))
        #expect(plan.contains("SEARCH s USING PRIMARY KEY (post_key=? AND captured_at=?) LEFT-JOIN"))
        #expect(plan.contains("SEARCH snapshots USING PRIMARY KEY (post_key=?)"))
        #expect(!plan.contains { $0.hasPrefix("SCAN") || $0.contains("TEMP B-TREE") })
    }

    @Test func historyIsOnePrimaryKeyRangeInOrderWithoutASort() throws {
        let temporary = try TemporaryStore()
        let plan = try temporary.store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + MetricsStore.historySQL, arguments: ["p", 0, 1, 10])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains("SEARCH snapshots USING PRIMARY KEY (post_key=? AND captured_at>? AND captured_at<?)"))
        #expect(!plan.contains { $0.hasPrefix("SCAN") || $0.contains("TEMP B-TREE") })
    }

    @Test func historyTellsAnUnknownPostFromAnEmptyRange() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let empty = try temporary.store.history(postId: "instagram-1", since: nil, until: nil, limit: 10)
        #expect(empty.points.isEmpty)
        #expect(!empty.hasMore)
        let error = try #require(throws: StoreError.self) {
            try temporary.store.history(postId: "ghost", since: nil, until: nil, limit: 10)
        }
        #expect(error.input == .postId && error.index == nil)
    }

    @Test func latestSnapshotCostStaysFlatAtTenMillionRows() async throws {
        // The clustered primary key makes the newest point of a post one B-tree descent. Measured as SQLite's
        // own count of virtual-machine steps, which is independent of machine load: the same handful of
        // steps whether the table holds 10 rows or 10 million.
        let temporary = try TemporaryStore()
        try await temporary.seed(postsPerAccount: 1)
        func steps() throws -> Int32 {
            try temporary.store.read { db in
                let statement = try db.makeStatement(sql: MetricsStore.latestByPostSQL)
                _ = try Row.fetchOne(statement, arguments: ["instagram-0"])
                return sqlite3_stmt_status(statement.sqliteStatement, SQLITE_STMTSTATUS_VM_STEP, 0)
            }
        }
        _ = try await temporary.store.importSnapshots((0..<10).map {
            Snapshot(postId: "instagram-0", capturedAt: Timestamp(milliseconds: Int64($0)), values: MetricValues(views: Int64($0)))
        })
        let small = try steps()
        // 10 million rows for one post, written by SQLite itself so the test stays fast.
        try await temporary.store.writeForTesting { db in
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 10000009)
                INSERT INTO snapshots (post_key, captured_at, views) SELECT (SELECT key FROM posts WHERE id = 'instagram-0'), i, i FROM n
                """)
        }
        let large = try steps()
        #expect(large == small)
        let latest = try temporary.store.latestMetrics(postIds: ["instagram-0"])
        #expect(latest.first?.capturedAt == Timestamp(milliseconds: 10_000_009))
        #expect(latest.first?.values.views == 10_000_009)
    }

    @Test func upsertPostsIsAllOrNothingAndNamesTheBadPost() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let posts = [
            PostRegistration(id: "new-1", accountId: "tiktok-acct", externalPostId: "v1", postedAt: temporary.clock.now),
            PostRegistration(id: "new-2", accountId: "missing", externalPostId: "v2", postedAt: temporary.clock.now),
        ]
        let error = try await #require(throws: StoreError.self) { try await temporary.store.upsertPosts(posts) }
        #expect(error.input == .accountId && error.index == 1)
        #expect(error.kind == .notFound(.account, id: "missing"))
        #expect(try temporary.store.listPosts(workspaceId: nil, accountId: "tiktok-acct", limit: 100, cursor: nil).posts.count == 2)
    }

    @Test func anExternalIDBelongsToOnePostPerAccount() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let error = try await #require(throws: StoreError.self) {
            try await temporary.store.upsertPosts([
                PostRegistration(id: "other", accountId: "tiktok-acct", externalPostId: "x0", postedAt: temporary.clock.now)
            ])
        }
        #expect(error.kind == .conflict)
        #expect(error.input == .externalPostId && error.index == 0)
    }

    @Test func mediaProductTypesAreInstagramOnly() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let error = try await #require(throws: StoreError.self) {
            try await temporary.store.upsertPosts([
                PostRegistration(id: "fb", accountId: "facebook-acct", externalPostId: "p", postedAt: temporary.clock.now, mediaProductType: .reels)
            ])
        }
        #expect(error.kind == .conflict)
        #expect(error.input == .mediaProductType && error.index == 0)
    }

    @Test func reRegisteringAnAccountReconnectsItAndAnotherPlatformIsAConflict() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        try await temporary.store.writeForTesting { db in
            try db.execute(sql: "UPDATE accounts SET status = 'expired', last_error = 'token expired' WHERE id = 'tiktok-acct'")
        }
        let outcome = try await temporary.store.upsertAccount(AccountRegistration(
            id: "tiktok-acct", workspaceId: "w1", platform: .tiktok, externalAccountId: "ext-tiktok", accessToken: "fresh"))
        #expect(outcome == .updated)
        let account = try #require(try temporary.store.listAccounts(workspaceId: "w1").first { $0.id == "tiktok-acct" })
        #expect(account.status == .connected)
        #expect(account.lastError == nil)

        let error = try await #require(throws: StoreError.self) {
            try await temporary.store.upsertAccount(AccountRegistration(
                id: "tiktok-acct", workspaceId: "w1", platform: .instagram, externalAccountId: "e", accessToken: "t"))
        }
        #expect(error.input == .platform && error.index == nil)
    }

    @Test func importIsIdempotentAndKeepsNullsNull() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let points = (1...3).map { index in
            Snapshot(
                postId: "tiktok-0", capturedAt: temporary.clock.now.adding(milliseconds: Int64(index)),
                values: MetricValues(views: Int64(index * 10), likes: 1, saves: nil))
        }
        #expect(try await temporary.store.importSnapshots(points) == .init(imported: 3, skipped: 0))
        #expect(try await temporary.store.importSnapshots(points) == .init(imported: 0, skipped: 3))
        let history = try temporary.store.history(postId: "tiktok-0", since: nil, until: nil, limit: 10)
        #expect(history.points.map(\.values.views) == [10, 20, 30])
        #expect(history.points.allSatisfy { $0.values.saves == nil && $0.values.reach == nil })
    }

    @Test func historyIsOldestFirstWithinBoundsAndSaysWhenThereIsMore() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let base = temporary.clock.now
        _ = try await temporary.store.importSnapshots((0..<10).map {
            Snapshot(postId: "instagram-0", capturedAt: base.adding(milliseconds: Int64($0) * 1000), values: MetricValues(views: Int64($0)))
        })
        let page = try temporary.store.history(
            postId: "instagram-0", since: base.adding(milliseconds: 2000), until: base.adding(milliseconds: 8000), limit: 3)
        #expect(page.points.map(\.values.views) == [2, 3, 4])
        #expect(page.hasMore)
        let rest = try temporary.store.history(
            postId: "instagram-0", since: base.adding(milliseconds: 5000), until: base.adding(milliseconds: 8000), limit: 10)
        #expect(rest.points.map(\.values.views) == [5, 6, 7, 8])
        #expect(!rest.hasMore)
    }

    @Test func latestMetricsListsPostsWithoutSnapshotsAsNull() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        _ = try await temporary.store.importSnapshots([
            Snapshot(postId: "instagram-0", capturedAt: temporary.clock.now, values: MetricValues(views: 5)),
            Snapshot(postId: "instagram-0", capturedAt: temporary.clock.now.adding(milliseconds: 1), values: MetricValues(views: 7)),
        ])
        let latest = try temporary.store.latestMetrics(postIds: ["instagram-0", "instagram-1"])
        #expect(latest.map(\.values.views) == [7, nil])
        #expect(latest[1].capturedAt == nil)
        let error = try #require(throws: StoreError.self) { try temporary.store.latestMetrics(postIds: ["instagram-0", "nope"]) }
        #expect(error.input == .postId && error.index == 1)
        #expect(error.kind == .notFound(.post, id: "nope"))
    }

    @Test func listPostsPagesByCursorWithoutRepeatsOrGaps() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed(postsPerAccount: 7)
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try temporary.store.listPosts(workspaceId: "w1", accountId: nil, limit: 4, cursor: cursor)
            seen += page.posts.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen.count == 21)
        #expect(Set(seen).count == 21)
        #expect(throws: StoreError(.notFound(.cursor, id: "garbage"), input: .cursor, message: "not a cursor returned by listPosts or latestMetrics")) {
            try temporary.store.listPosts(workspaceId: nil, accountId: nil, limit: 1, cursor: "garbage")
        }
    }

    @Test func healthFactsCountAccountsByStatus() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        try await temporary.store.writeForTesting { db in
            try db.execute(sql: "UPDATE accounts SET status = 'needs_reconnect' WHERE id = 'facebook-acct'")
        }
        let facts = try temporary.store.healthFacts()
        #expect(facts.accountsByStatus == [.connected: 2, .needsReconnect: 1])
        #expect(facts.sizeBytes > 0)
        #expect(facts.lastRun == nil)
    }

    @Test func healthSizeCountsTheWriteAheadLog() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let before = try temporary.store.healthFacts().sizeBytes
        let now = temporary.clock.now
        _ = try await temporary.store.importSnapshots((0..<2000).map {
            Snapshot(postId: "instagram-0", capturedAt: now.adding(milliseconds: Int64($0)), values: MetricValues(views: Int64($0)))
        })
        func fileSize(_ path: String) throws -> Int64 {
            try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).int64Value
        }
        let wal = try fileSize(temporary.store.path + "-wal")
        #expect(wal > 0)
        let pages = try temporary.store.read { db in
            try Int64.fetchOne(db, sql: "PRAGMA page_count")! * Int64.fetchOne(db, sql: "PRAGMA page_size")!
        }
        let after = try temporary.store.healthFacts().sizeBytes
        #expect(after > before)
        #expect(after == pages + wal)
    }

    @Test func listingsNeverCarryTokens() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let rendered = "\(try temporary.store.listAccounts(workspaceId: nil))"
        #expect(!rendered.contains("secret-"))
    }
}

/// A stored spelling the code does not know is an error, never a guess (it was once read as Instagram / disconnected).
@Suite struct StoredValueTests {
    @Test func anUnknownPlatformOrStatusInTheDatabaseFailsTheReadInsteadOfBecomingADefault() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed(postsPerAccount: 1)
        try await temporary.store.writeForTesting { db in
            // What a newer metricsd, or a hand edit, could leave behind: spellings this build does not know.
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE accounts SET status = 'suspended' WHERE id = 'tiktok-acct'")
            try db.execute(sql: "UPDATE posts SET platform = 'myspace' WHERE id = 'instagram-0'")
        }
        // None is a StoreError: nothing the caller sent was wrong, so it must not read as a bad request.
        let accounts = try #require(throws: (any Error).self) { try temporary.store.listAccounts(workspaceId: "w1") }
        #expect(!(accounts is StoreError))
        let posts = try #require(throws: (any Error).self) {
            try temporary.store.listPosts(workspaceId: "w1", accountId: nil, limit: 10, cursor: nil)
        }
        #expect(!(posts is StoreError))
        let latest = try #require(throws: (any Error).self) { try temporary.store.latestMetrics(postIds: ["instagram-0"]) }
        #expect(!(latest is StoreError))
    }
}
