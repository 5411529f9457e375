import MetricsCore
import StorageContract

/// The SQLite store is the default `MetricsStorage`: one daemon, one file. Its reads answer at once (WAL), so it
/// offers them to the daemon's event loops as well.
extension SQLiteStore: MetricsStorage, SynchronousReads {
    public var synchronousReads: (any SynchronousReads)? { self }

    public var location: String { path }

    public var traits: StorageTraits { StorageTraits(isShared: false) }
}
