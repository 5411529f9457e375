import MetricsCore

/// The SQLite store is the default `MetricsStorage`: one daemon, one file.
extension MetricsStore: MetricsStorage {
    public var synchronousReads: MetricsStore? { self }

    public var location: String { path }

    public var traits: StorageTraits { StorageTraits(isShared: false) }
}
