import Foundation
import GRDB
import GRDBSQLite
import MetricsCore
@testable import SQLiteStore
import StorageContract
import Testing

/// A store on a fresh temporary file, removed afterwards.
struct TemporaryStore: ~Copyable {
    let directory: URL
    let store: SQLiteStore
    let clock = ManualClock(now: Timestamp(iso8601: "2026-11-24T12:00:00Z")!)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteStore.open(path: directory.appendingPathComponent("m.sqlite").path, clock: clock)
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// One workspace, one account per platform, and `postsPerAccount` posts each.
    func seed(postsPerAccount: Int = 2) async throws {
        try await store.seedStudio(postsPerAccount: postsPerAccount, now: clock.now)
    }
}

/// What only the SQLite store has: its file, WAL, pragmas, query plans, GRDB. What every backend shares is in
/// `Backends/` (run against SQLite and PostgreSQL).
@Suite struct MetricsStoreTests {
    @Test func createsTheFileOwnerOnlyInWALModeWithNamedMigrations() throws {
        let temporary = try TemporaryStore()
        let attributes = try FileManager.default.attributesOfItem(atPath: temporary.store.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try temporary.store.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try temporary.store.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 1)  // NORMAL
        #expect(try temporary.store.appliedMigrations() == [
            "v1-registry-and-snapshots", "v2-retired-metrics", "v3-post-platform-covering-index", "v4-due-times",
            "v5-compact-snapshots-and-rollups", "v6-events", "v7-webhooks",
        ])
    }

    @Test func reopeningKeepsDataAndDoesNotReapplyMigrations() async throws {
        let temporary = try TemporaryStore()
        try await temporary.seed()
        let reopened = try SQLiteStore.open(path: temporary.store.path)
        #expect(try reopened.listAccounts(workspaceId: nil).count == 3)
        try reopened.close()
    }

    @Test func latestSnapshotIsIndexSeeksOnly() throws {
        let temporary = try TemporaryStore()
        let plan = try temporary.store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.latestByPostSQL, arguments: ["p"])
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
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.historySQL, arguments: ["p", 0, 1, 10])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains("SEARCH snapshots USING PRIMARY KEY (post_key=? AND captured_at>? AND captured_at<?)"))
        #expect(!plan.contains { $0.hasPrefix("SCAN") || $0.contains("TEMP B-TREE") })
    }

    @Test func latestSnapshotCostStaysFlatAtTenMillionRows() async throws {
        // The clustered primary key makes the newest point of a post one B-tree descent. Measured as SQLite's
        // own count of virtual-machine steps, which is independent of machine load: the same handful of
        // steps whether the table holds 10 rows or 10 million.
        let temporary = try TemporaryStore()
        try await temporary.seed(postsPerAccount: 1)
        func steps() throws -> Int32 {
            try temporary.store.read { db in
                let statement = try db.makeStatement(sql: SQLiteStore.latestByPostSQL)
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
}
