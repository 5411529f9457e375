// store-bench: the store's two hot reads, latestMetrics and history, on SQLite and on PostgreSQL, over the same
// data, side by side. Run by scripts/bench/store (which builds it in release); see that script for what it measures.
import Foundation
import MetricsCore
import PostgresStore
import PostgresTestSupport
import SQLiteStore
import StorageContract

/// The knobs (environment), read once.
enum Knobs {
    static let environment = ProcessInfo.processInfo.environment
    static let posts = Int(environment["BENCH_POSTS"] ?? "") ?? 1_000
    static let points = Int(environment["BENCH_POINTS"] ?? "") ?? 1_000
    static let requests = Int(environment["BENCH_REQUESTS"] ?? "") ?? 5_000
    static let concurrency = Int(environment["BENCH_CONCURRENCY"] ?? "") ?? 16
    static let rounds = Int(environment["BENCH_ROUNDS"] ?? "") ?? 3
    static let historyLimit = 30
}
let posts = Knobs.posts, points = Knobs.points, requests = Knobs.requests, concurrency = Knobs.concurrency
let historyLimit = Knobs.historyLimit

func say(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Fixed data: `posts` posts on one account, `points` hourly points each, written time-major as refreshes write them.
func load(_ store: any MetricsStorage, start: Timestamp) async throws {
    _ = try await store.upsertWorkspace(Workspace(id: "w", name: "Bench"))
    _ = try await store.upsertAccount(AccountRegistration(
        id: "a", workspaceId: "w", platform: .tiktok, externalAccountId: "e", accessToken: "t"))
    _ = try await store.upsertPosts((0..<Knobs.posts).map {
        PostRegistration(id: String(format: "post-%04d", $0), accountId: "a", externalPostId: "x\($0)", postedAt: start)
    })
    var batch: [Snapshot] = []
    for point in 0..<Knobs.points {
        for post in 0..<Knobs.posts {
            let at = start.adding(milliseconds: Int64(point) * 3_600_000 + Int64(post))
            batch.append(Snapshot(
                postId: String(format: "post-%04d", post), capturedAt: at,
                values: MetricValues(views: Int64(point * 10 + post % 7), reach: Int64(point * 8), likes: Int64(point), comments: 3)))
            if batch.count == 5_000 {
                _ = try await store.importSnapshots(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
    }
    if !batch.isEmpty { _ = try await store.importSnapshots(batch) }
}

struct Figures {
    var p50: Duration
    var p99: Duration
    var perSecond: Double
}

/// p50/p99 of `requests` calls one after another, and calls per second with `concurrency` callers at once; the
/// median of `rounds` rounds of each.
func measure(_ call: @escaping @Sendable (Int) async throws -> Void) async throws -> Figures {
    for index in 0..<min(Knobs.requests, 1_000) { try await call(index) }  // warm-up
    var p50s: [Duration] = []
    var p99s: [Duration] = []
    var rates: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<Knobs.rounds {
        var latencies: [Duration] = []
        latencies.reserveCapacity(Knobs.requests)
        for index in 0..<Knobs.requests {
            let started = clock.now
            try await call(index &* 7919)
            latencies.append(clock.now - started)
        }
        latencies.sort()
        p50s.append(latencies[latencies.count / 2])
        p99s.append(latencies[latencies.count * 99 / 100])
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<Knobs.concurrency {
                group.addTask {
                    for index in stride(from: worker, to: Knobs.requests, by: Knobs.concurrency) { try await call(index &* 104_729) }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - started
        rates.append(Double(Knobs.requests) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }
    return Figures(p50: p50s.sorted()[Knobs.rounds / 2], p99: p99s.sorted()[Knobs.rounds / 2], perSecond: rates.sorted()[Knobs.rounds / 2])
}

func calls(_ store: any MetricsStorage, start: Timestamp) -> (latest: @Sendable (Int) async throws -> Void, history: @Sendable (Int) async throws -> Void) {
    let latest: @Sendable (Int) async throws -> Void = { index in
        let id = String(format: "post-%04d", abs(index) % Knobs.posts)
        let result = try await store.latestMetrics(postIds: [id])
        guard result.first?.capturedAt != nil else { throw BenchError(description: "no latest point for \(id)") }
    }
    let history: @Sendable (Int) async throws -> Void = { index in
        let id = String(format: "post-%04d", abs(index) % Knobs.posts)
        // The last 30 hourly points before a moment somewhere in the series.
        let until = start.adding(milliseconds: Int64(abs(index) % Knobs.points) * 3_600_000 + 3_599_999)
        let page = try await store.history(postId: id, since: until.adding(milliseconds: -Int64(Knobs.historyLimit) * 3_600_000 + 1), until: until, limit: Knobs.historyLimit)
        guard !page.points.isEmpty else { throw BenchError(description: "no history for \(id)") }
    }
    return (latest, history)
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
}

func format(_ duration: Duration) -> String {
    let micros = Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
    return micros >= 1000 ? String(format: "%.2f ms", micros / 1000) : String(format: "%.0f µs", micros)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let start = Timestamp(iso8601: "2026-01-01T00:00:00Z")!
let clock = ContinuousClock()
say("store-bench: \(posts) posts x \(points) points (\(posts * points) snapshots) in each store; \(requests) requests a round, \(Knobs.rounds) rounds, \(concurrency) callers for throughput")

// SQLite, without its in-memory latest-snapshot cache: this compares storage reads.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
var sqliteOptions = SQLiteStore.Options()
sqliteOptions.latestCacheCapacity = 0
sqliteOptions.maximumReaderCount = concurrency + 2
let sqlite = try SQLiteStore.open(path: directory.appendingPathComponent("bench.sqlite").path, options: sqliteOptions)
var loadStarted = clock.now
try await load(sqlite, start: start)
let sqliteLoad = clock.now - loadStarted
say("SQLite loaded in \(String(format: "%.1f", seconds(sqliteLoad))) s; measuring…")
let sqliteCalls = calls(sqlite, start: start)
let sqliteLatest = try await measure(sqliteCalls.latest)
let sqliteHistory = try await measure(sqliteCalls.history)
try sqlite.close()
try? FileManager.default.removeItem(at: directory)

// PostgreSQL: a throwaway cluster on a Unix socket (fsync off: it changes writes, not these reads).
let cluster = try await PostgresCluster.start()
let database = try await cluster.createDatabase(prefix: "bench")
var postgresOptions = PostgresStore.Options()
postgresOptions.maximumConnections = concurrency
let postgres = PostgresStore(configuration: try .init(url: cluster.url(database: database), environment: [:]), options: postgresOptions)
let running = Task { try await postgres.run() }
guard await postgres.waitUntilReady(timeout: .seconds(60)) else { throw BenchError(description: "PostgreSQL store not ready") }
loadStarted = clock.now
try await load(postgres, start: start)
let postgresLoad = clock.now - loadStarted
try await cluster.withConnection(database: database) { connection in
    _ = try await connection.query("VACUUM ANALYZE", logger: PostgresCluster.logger).collect()
}
say("PostgreSQL loaded in \(String(format: "%.1f", seconds(postgresLoad))) s; measuring…")
let postgresCalls = calls(postgres, start: start)
let postgresLatest = try await measure(postgresCalls.latest)
let postgresHistory = try await measure(postgresCalls.history)
try await postgres.close()
_ = try? await running.value
await cluster.stop()

func row(_ name: String, _ sqlite: String, _ postgres: String, _ ratio: String) -> String {
    // Wide enough for the longest label ("load (importSnapshots, 5,000 a call)") and a space.
    name.padding(toLength: 40, withPad: " ", startingAt: 0) + sqlite.padding(toLength: 14, withPad: " ", startingAt: 0)
        + postgres.padding(toLength: 14, withPad: " ", startingAt: 0) + ratio
}
func ratio(_ postgres: Duration, _ sqlite: Duration) -> String { String(format: "%.1fx", seconds(postgres) / seconds(sqlite)) }
func ratio(_ postgres: Double, _ sqlite: Double) -> String { String(format: "%.2fx", postgres / sqlite) }

print(row("", "SQLite", "PostgreSQL", "PostgreSQL/SQLite"))
print(row("latestMetrics p50 (1 caller)", format(sqliteLatest.p50), format(postgresLatest.p50), ratio(postgresLatest.p50, sqliteLatest.p50)))
print(row("latestMetrics p99 (1 caller)", format(sqliteLatest.p99), format(postgresLatest.p99), ratio(postgresLatest.p99, sqliteLatest.p99)))
print(row("latestMetrics calls/s (\(concurrency) callers)", String(format: "%.0f", sqliteLatest.perSecond), String(format: "%.0f", postgresLatest.perSecond),
          ratio(postgresLatest.perSecond, sqliteLatest.perSecond)))
print(row("history(\(historyLimit)) p50 (1 caller)", format(sqliteHistory.p50), format(postgresHistory.p50), ratio(postgresHistory.p50, sqliteHistory.p50)))
print(row("history(\(historyLimit)) p99 (1 caller)", format(sqliteHistory.p99), format(postgresHistory.p99), ratio(postgresHistory.p99, sqliteHistory.p99)))
print(row("history(\(historyLimit)) calls/s (\(concurrency) callers)", String(format: "%.0f", sqliteHistory.perSecond), String(format: "%.0f", postgresHistory.perSecond),
          ratio(postgresHistory.perSecond, sqliteHistory.perSecond)))
print(row("load (importSnapshots, 5,000 a call)", String(format: "%.1f s", seconds(sqliteLoad)), String(format: "%.1f s", seconds(postgresLoad)),
          ratio(postgresLoad, sqliteLoad)))
