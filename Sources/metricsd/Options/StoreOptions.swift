import ArgumentParser

/// Where the snapshots live and how long: the SQLite file or a shared PostgreSQL database, the latest-snapshot
/// cache, retention.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "SQLite database file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB or postgresql://...) shared by several daemons. (default: $METRICSD_DATABASE, /var/lib/metricsd/metrics.sqlite as root, else ~/.local/share/metricsd/metrics.sqlite; demo.sqlite in the same folder with --demo)",
        discussion: "A PostgreSQL password comes from the URL, $PGPASSWORD or ~/.pgpass ($PGPASSFILE), and is never logged. Daemons on one PostgreSQL database divide the accounts between them by leases (--lease-ttl).",
        valueName: "path-or-url"))
    var database: String?

    @Option(help: "With a PostgreSQL database: seconds an account's lease lasts unless renewed; a daemon that dies loses its accounts to the others after this long.")
    var leaseTtl: Int64 = 60

    @Option(help: "Posts whose newest snapshot latestMetrics keeps in memory (about 500 bytes each); 0 turns the cache off.")
    var latestCacheEntries: Int = 10_000

    @Option(help: "Local days of raw snapshots kept whole (today counts as one); older days keep only their last snapshot. 0 keeps every snapshot.")
    var keepRawDays: Int = 14

    @Option(help: "Local days of history kept at all (snapshots, daily rollups, totals); 0 keeps it forever.")
    var keepDays: Int = 0

    @Option(help: "Days of the event log kept: how far back `events` pages and a subscriber or webhook resuming with fromSeq can read.")
    var keepEventsDays: Int = 7
}
