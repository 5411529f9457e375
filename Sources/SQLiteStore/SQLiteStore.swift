import GRDB
import MetricsCore
import StorageContract
import Telemetry

/// The snapshot store: one SQLite database in WAL mode behind a GRDB pool.
///
/// Two kinds of reads. Those the RPC methods answer on a network event loop are synchronous and cheap (indexed
/// seeks): in WAL mode a reader never waits for the writer, and the daemon keeps more reader connections than it
/// has event loops (`Options.maximumReaderCount`), so a loop never waits for a connection either. Those of the
/// refresh engine and other async code are `async`, so they wait on GRDB's reader queue instead of blocking a
/// thread of the cooperative pool. Writes are `async` and serialised by GRDB's writer queue, so a big import
/// or a refresh batch never blocks a read.
public struct SQLiteStore: Sendable {
    public typealias Options = SQLiteOptions

    let pool: DatabasePool
    let clock: any WallClock
    let snapshotReader: SnapshotReader
    let latestCache: LatestSnapshotCache
    let schedule: RefreshSchedule
    let telemetry: StoreTelemetry
    public let path: String
    /// The last event seq committed, advanced after each write that appended events.
    public let eventsCommitted: EventWatermark

    /// Opens (creating if needed, mode 0600) and migrates the database at `path`.
    public static func open(path: String, clock: any WallClock = SystemClock(), options: Options = Options()) throws -> SQLiteStore {
        try DatabaseFile.prepare(path: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeoutSeconds)
        configuration.maximumReaderCount = options.maximumReaderCount
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // A new database frees the pages retention empties (PRAGMA incremental_vacuum). The mode takes only on a
            // database without tables yet (before WAL is turned on): an older database ignores it and keeps
            // reusing its free pages instead.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
            // WAL + NORMAL: a crash can lose the last transactions only on power loss, never corrupt, and
            // commits skip an fsync each. DatabasePool turns WAL on by itself.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try SchemaMigrations.migrator.migrate(pool)
        let reader = SnapshotReader(path: path, busyTimeoutMilliseconds: Int32(options.busyTimeoutSeconds * 1000))
        let cache = LatestSnapshotCache(
            capacity: options.latestCacheCapacity, lifetimeMilliseconds: options.latestCacheLifetimeMilliseconds, clock: clock)
        let lastSeq = try pool.read { db in try lastEventSeq(db) }
        return SQLiteStore(
            pool: pool, clock: clock, snapshotReader: reader, latestCache: cache, schedule: options.schedule,
            telemetry: options.telemetry, path: path, eventsCommitted: EventWatermark(last: lastSeq))
    }

    /// Closes every connection; the store must not be used afterwards.
    public func close() throws {
        snapshotReader.close()
        try pool.close()
    }

    /// The names of the migrations applied, oldest first: what `health` and tests can check.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try SchemaMigrations.migrator.appliedMigrations(db) }
    }

    /// Raw read access for tests (`@testable`): query plans, pragmas, states no method reports.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Raw write access for tests (`@testable`) that must set up states no method produces (an expired account,
    /// millions of rows). Every real write is a domain method.
    func writeForTesting(_ body: @escaping @Sendable (Database) throws -> Void) async throws {
        defer { latestCache.invalidateAll() }
        try await pool.write(body)
    }
}

/// How the SQLite store is opened: its pool, its cache, its schedule and where it counts what it does.
public struct SQLiteOptions: Sendable {
    /// How long a write waits for SQLite's lock held by another process before failing.
    public var busyTimeoutSeconds: Double = 5
    /// Reader connections of the pool; the daemon raises it to more than its event loops (which read
    /// synchronously) plus a few for the refresh engine.
    public var maximumReaderCount: Int = 8
    /// Posts whose newest snapshot `latestMetrics` keeps in memory: about 500 bytes each with the hash
    /// table's slack (measured), 5 MB at this default. Entries live `latestCacheLifetimeMilliseconds`, so
    /// this only needs to hold the posts read within that time.
    public var latestCacheCapacity: Int = 10_000
    /// How long a cached newest snapshot is served before being read again: the bound on how stale a
    /// read can be after a write by another process (this process's own writes are seen at once).
    public var latestCacheLifetimeMilliseconds: Int64 = 2_000
    /// When posts are due: a newly registered post's first due time comes from it, and `health` counts the
    /// posts its failure backoff calls failing.
    public var schedule = RefreshSchedule(cadence: .standard(windowDays: 30))
    /// Where snapshots written and latest-cache hits and misses are counted.
    public var telemetry: StoreTelemetry = Telemetry.disabled.store

    public init() {}
}
