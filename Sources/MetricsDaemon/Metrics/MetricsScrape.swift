import Logging
import MetricsCore
import RefreshEngine
import StorageContract
import Telemetry

/// One scrape, from the `metrics` method or `GET /metrics`: sets the gauges of state, then renders every instrument.
///
/// State is read when scraped rather than on a timer, so a daemon nobody scrapes does no work for it, and the
/// figures are as fresh as the scrape. The database's size and accounts by status cost one cheap read (what
/// `health` reads) every scrape. The freshness tally reads every post of the window (streamed through
/// `FreshnessTally`; `freshness` costs the same), so it is reused for `freshnessMaximumAge`: scraped every 15 s
/// by two Prometheus servers, the daemon still tallies at most twice a minute.
actor MetricsScrape {
    private let metrics: DaemonMetrics
    private let store: any MetricsStorage
    private let engine: RefreshEngine
    private let logger: Logger
    private let freshnessMaximumAge: Duration
    private var lastTally: ContinuousClock.Instant?

    init(metrics: DaemonMetrics, store: any MetricsStorage, engine: RefreshEngine, logger: Logger, freshnessMaximumAge: Duration = .seconds(30)) {
        self.metrics = metrics
        self.store = store
        self.engine = engine
        self.logger = logger
        self.freshnessMaximumAge = freshnessMaximumAge
    }

    /// The exposition text. A read that fails leaves its gauges as they were (logged): the counters, which need no
    /// read, are still worth the scrape.
    func exposition() async -> String {
        let state = metrics.telemetry.state
        do {
            let facts = try await store.healthFacts()
            state.database(up: true)
            state.databaseSize(bytes: facts.sizeBytes)
            state.accounts(byStatus: facts.accountsByStatus)
            state.tokensExpiring(facts.tokensExpiringSoon)
        } catch {
            // Whatever kept the read from answering, the database did not answer this scrape: what an alert wants.
            state.database(up: false)
            logger.warning("metrics: cannot read the database's size and accounts", metadata: ["error": "\(error)"])
        }
        let now = ContinuousClock.now
        if lastTally.map({ now - $0 >= freshnessMaximumAge }) ?? true {
            do {
                state.freshness(try await FreshnessMethods.tally(store: store, engine: engine, workspaceId: nil))
                lastTally = now
            } catch {
                logger.warning("metrics: cannot tally freshness", metadata: ["error": "\(error)"])
            }
        }
        return metrics.text()
    }
}
