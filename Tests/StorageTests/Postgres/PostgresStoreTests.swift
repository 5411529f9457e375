import Foundation
import MetricsCore
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
import StorageContract
import Testing

/// What only the PostgreSQL store has: migrations raced by several daemons, a server that goes away and comes back,
/// the studio's view, and query plans.
@Suite(.enabled(if: PostgresCluster.shouldRun, Comment(rawValue: PostgresCluster.skipMessage)))
struct PostgresStoreTests {
    @Test func migrationsAreAppliedOnceWhenSeveralStoresOpenTheSameDatabaseAtOnce() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withDatabase { url in
            // Four daemons starting together: each applies what is missing under the advisory lock.
            try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await StoreHarness.withPostgresStore(url: url) { store in try await store.appliedMigrations() }
                    }
                }
                for try await applied in group {
                    #expect(applied == PostgresMigrations.all.map(\.name))
                }
            }
            let name = String(url.split(separator: "/").last ?? "")
            let ledger = try await cluster.withConnection(database: name) { connection in
                try await connection.query("SELECT name, count(*) FROM metricsd_migrations GROUP BY name ORDER BY name", logger: PostgresCluster.logger)
                    .collect().map { try $0.decode((String, Int64).self) }
            }
            #expect(ledger.map(\.0) == PostgresMigrations.all.map(\.name).sorted())
            #expect(ledger.allSatisfy { $0.1 == 1 })
        }
    }

    @Test func anUnreachableServerIsStorageUnavailableAndTheStoreRecoversWhenItComesBack() async throws {
        // A cluster of its own: this test stops its server.
        let cluster = try await PostgresCluster.start()
        do {
            let database = try await cluster.createDatabase()
            var options = PostgresStore.Options()
            options.unavailableAfter = .seconds(1)
            options.connectTimeout = .seconds(1)
            // A connection leased just as the server stopped must not hold a call past this (it once hung the run).
            options.statementDeadline = .seconds(3)
            options.migrationRetry = Backoff(initialMilliseconds: 50, maximumMilliseconds: 500, maximumRetries: .max)
            try await StoreHarness.withPostgresStore(url: cluster.url(database: database), options: options) { store in
                _ = try await store.upsertWorkspace(Workspace(id: "w", name: "W"))
                try await cluster.stopServer()

                // Down: every kind of call answers StorageUnavailable, promptly (the lease deadline, not a hang).
                let started = ContinuousClock.now
                let read = try await #require(throws: StorageUnavailable.self) { try await store.workspace(id: "w") }
                let write = try await #require(throws: StorageUnavailable.self) {
                    try await store.upsertWorkspace(Workspace(id: "w2", name: "W2"))
                }
                await #expect(throws: StorageUnavailable.self) { try await store.healthFacts() }
                #expect(ContinuousClock.now - started < .seconds(10))
                #expect(StorageUnavailable.reason(of: read) != nil && StorageUnavailable.reason(of: write) != nil)
                #expect(!read.reason.contains("SELECT"))

                // Back: the pool reconnects by itself; no restart of the store.
                try await cluster.startServer()
                let summary = try await Self.eventually(within: .seconds(60)) { try await store.workspace(id: "w") }
                #expect(summary?.workspace.name == "W")
                #expect(try await store.upsertWorkspace(Workspace(id: "w2", name: "W2")) == .created)
            }
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
    }

    @Test func aStoreOpenedWhileTheServerIsDownStartsAndMigratesOnceItIsUp() async throws {
        let cluster = try await PostgresCluster.start()
        do {
            let database = try await cluster.createDatabase()
            try await cluster.stopServer()
            var options = PostgresStore.Options()
            options.unavailableAfter = .seconds(1)
            options.migrationRetry = Backoff(initialMilliseconds: 50, maximumMilliseconds: 500, maximumRetries: .max)
            try await StoreHarness.withPostgresStore(url: cluster.url(database: database), options: options, waitUntilReady: false) { store in
                // Opening did not fail; calls say why they cannot be served, at once.
                let error = try await #require(throws: StorageUnavailable.self) { try await store.listAccounts(workspaceId: nil) }
                #expect(error.reason.hasPrefix("database not ready"))
                #expect(!(await store.waitUntilReady(timeout: .milliseconds(200))))
                try await cluster.startServer()
                #expect(await store.waitUntilReady(timeout: .seconds(60)))
                #expect(try await store.listAccounts(workspaceId: nil).isEmpty)
                #expect(try await store.appliedMigrations() == PostgresMigrations.all.map(\.name))
            }
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
    }

    @Test func aDatabaseThatDoesNotExistIsNamedInTheReason() async throws {
        let cluster = try await PostgresCluster.shared()
        var options = PostgresStore.Options()
        options.unavailableAfter = .milliseconds(500)
        try await StoreHarness.withPostgresStore(url: cluster.url(database: "no_such_db"), options: options, waitUntilReady: false) { store in
            // 90 s, not 30: beside a build, a run of connection attempts timed out before the server's answer came
            // (two full runs of ten failed so); the reason asserted is exact either way.
            let reason = try await Self.eventually(within: .seconds(90)) { () async throws -> String? in
                let error = try await #require(throws: StorageUnavailable.self) { try await store.run(id: 1) }
                return error.reason.contains("no_such_db") ? error.reason : nil
            }
            #expect(reason?.contains("does not exist") == true)
        }
    }

    @Test func theStudiosViewReadsTheSnapshotsWithTheDaysMetadataAndItsQueryReadsOnePost() async throws {
        try await StoreHarness.with(.postgres) { h in
            guard case let store as PostgresStore = h.store else { Issue.record("not PostgreSQL"); return }
            try await h.seed()
            let day = Timestamp(iso8601: "2026-11-24T10:00:00Z")!
            _ = try await store.importSnapshots([
                Snapshot(postId: "instagram-0", capturedAt: day, values: MetricValues(views: 10, reach: 9), metadata: ["v": .int(1)]),
                Snapshot(postId: "instagram-0", capturedAt: day.adding(milliseconds: 3_600_123), values: MetricValues(views: 20, likes: 2),
                         metadata: ["v": .int(2), "media_type": .string("IMAGE")]),
            ])
            let rows = try await h.rows("""
                SELECT social_post_id, to_char(captured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS'), impressions, views, likes,
                       comments, shares, saves, metadata::text
                FROM studio_social_post_metrics WHERE social_post_id = 'instagram-0' ORDER BY captured_at DESC
                """)
            #expect(rows == [
                [.text("instagram-0"), .text("2026-11-24T11:00:00.123"), .null, .int(20), .int(2), .null, .null, .null,
                 .text(#"{"v": 2, "media_type": "IMAGE"}"#)],
                // Not its day's last: no metadata (snapshots keep none).
                [.text("instagram-0"), .text("2026-11-24T10:00:00.000"), .null, .int(10), .null, .null, .null, .null, .null],
            ])

            // Enough rows that the planner has a real choice, then the studio's own query.
            try await h.execute("""
                INSERT INTO snapshots (post_key, captured_at, views)
                SELECT p.key, g * 1000, g FROM posts p, generate_series(1, 5000) g
                """)
            try await h.execute("ANALYZE")
            let plan = try await h.rows("""
                EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
                SELECT social_post_id, captured_at, impressions, views, likes, comments, shares, saves, metadata
                FROM studio_social_post_metrics WHERE social_post_id = 'instagram-0' ORDER BY captured_at DESC LIMIT 1
                """).compactMap { $0.first?.text }
            // One post's snapshots by the primary key's prefix, never a scan of the table; the metadata looked up once.
            #expect(plan.contains { $0.contains("Index Cond: (post_key = p.key)") }, "\(plan)")
            #expect(!plan.contains { $0.contains("Seq Scan on snapshots") }, "\(plan)")
            let rollupLookup = plan.firstIndex { $0.contains("on daily_rollups") }
            #expect(rollupLookup.map { plan[$0].contains("loops=1)") } == true, "\(plan)")
            let latest = try await h.rows("""
                SELECT social_post_id, views FROM studio_social_post_metrics WHERE social_post_id = 'instagram-0'
                ORDER BY captured_at DESC LIMIT 1
                """)
            #expect(latest == [[.text("instagram-0"), .int(20)]])
            _ = store
        }
    }

    @Test func theNewestSnapshotOfAPostIsOneBackwardIndexStep() async throws {
        try await StoreHarness.with(.postgres) { h in
            try await h.seed()
            try await h.execute("""
                INSERT INTO snapshots (post_key, captured_at, views)
                SELECT p.key, g * 1000, g FROM posts p, generate_series(1, 5000) g
                """)
            try await h.execute("ANALYZE")
            let plan = try await h.rows("EXPLAIN " + PostgresStore.latestSQL.replacingOccurrences(of: "$1", with: "ARRAY['instagram-0', 'tiktok-1']"))
                .compactMap { $0.first?.text }
            #expect(plan.contains { $0.contains("Index Scan Backward using snapshots_pkey") }, "\(plan)")
            #expect(!plan.contains { $0.contains("Seq Scan on snapshots") }, "\(plan)")
            #expect(try await h.store.latestMetrics(postIds: ["instagram-0"]).first?.values.views == 5000)
        }
    }

    /// postgres-nio's own error reflects the statement and its bindings (tokens among them): what a refused
    /// statement says to a caller, a log line or a run record is its SQLSTATE and the server's message only.
    @Test func aRefusedStatementsTextCarriesNoBindings() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withDatabase { url in
            try await StoreHarness.withPostgresStore(url: url) { store in
                let secret = "IGQVJ-token-\(UInt64.random(in: 1...UInt64.max))"
                let logger = store.logger
                let refused = await #expect(throws: (any Error).self) {
                    try await store.transaction { connection in
                        try await connection.run("CREATE TEMP TABLE tokens (token text PRIMARY KEY, n int CHECK (n > 0))", logger)
                        try await connection.run("INSERT INTO tokens VALUES (\(secret), \(0))", logger)
                    }
                }
                let text = failureSentence(try #require(refused))
                #expect(text.contains("23514"), "\(text)")
                #expect(text.contains("tokens_n_check"), "\(text)")
                #expect(!text.contains(secret), "\(text)")
            }
        }
    }

    /// Runs `body` until it returns a value or `within` passes (then fails with its last error): for a state reached
    /// by something outside the test (a server coming back), not a sleep.
    static func eventually<T>(within limit: Duration, _ body: () async throws -> T?) async throws -> T? {
        let deadline = ContinuousClock.now + limit
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                if let value = try await body() { return value }
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("not reached within \(limit): \(lastError.map { "\($0)" } ?? "no value")")
        return nil
    }
}
