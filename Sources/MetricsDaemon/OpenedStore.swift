import Foundation
import Logging
import MetricsCore
import NIOCore
import PostgresStore
import RefreshEngine
import ServiceLifecycle
import SQLiteStore
import StorageContract

/// The store the configuration names, open: the SQLite file (the default), or a PostgreSQL database shared with
/// other daemons, with this daemon's place in their cluster.
struct OpenedStore {
    let store: any MetricsStorage
    /// This daemon among the others on the same database; nil alone.
    let member: ClusterMember?
    /// Services the store needs running for as long as the daemon (PostgreSQL's connection pool and migrations).
    let services: [any Service]
}

extension MetricsDaemon {
    /// Opens SQLite at once (a file that cannot be opened stops start-up), or makes the PostgreSQL store, which
    /// connects in its own service: a database that cannot be reached at start is reported by `health` and
    /// answered with -32003 until it can, never a failed start.
    static func openStore(_ configuration: DaemonConfiguration, metrics: DaemonMetrics, logger: Logger) throws(MetricsDaemon.StartupError) -> OpenedStore {
        if let postgres = configuration.postgres {
            let member = ClusterMember(id: UUID().uuidString.lowercased(), host: ProcessInfo.processInfo.hostName, pid: getpid())
            var options = configuration.postgresOptions
            options.schedule = configuration.refresh.schedule
            options.telemetry = metrics.telemetry.store
            let store = PostgresStore(
                configuration: postgres, clock: configuration.clock, options: options, logger: Logger(label: "metricsd.postgres"))
            logger.info("database: PostgreSQL, shared", metadata: ["url": "\(postgres)", "member": "\(member.id)"])
            return OpenedStore(store: store, member: member, services: [store])
        }
        // The event loops read synchronously (the inline methods): give them a reader each, and a few to spare
        // for the engine, so a loop never waits for a free connection.
        var options = configuration.store
        options.maximumReaderCount = max(options.maximumReaderCount, System.coreCount + 4)
        options.schedule = configuration.refresh.schedule
        options.telemetry = metrics.telemetry.store
        let store: any MetricsStorage
        do {
            store = try openSQLite(path: configuration.databasePath, clock: configuration.clock, options: options)
        } catch {
            throw MetricsDaemon.StartupError(description: "cannot open database \(configuration.databasePath): \(error)")
        }
        logger.info("database open", metadata: ["path": "\(configuration.databasePath)"])
        return OpenedStore(store: store, member: nil, services: [])
    }

    /// The SQLite file at `path` (created and migrated if new): the daemon's own store, and what must read it before
    /// the daemon opens it (the demo's clock). The one place the SQLite implementation is named outside its module.
    public static func openSQLite(
        path: String, clock: any WallClock = SystemClock(), options: SQLiteOptions = SQLiteOptions()
    ) throws -> any MetricsStorage {
        try SQLiteStore.open(path: path, clock: clock, options: options)
    }
}
