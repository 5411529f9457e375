import CoreMetrics
import MetricsCore
import Synchronization

/// Gauges of state the daemon reads when it is scraped (database size, accounts, freshness) rather than
/// events it counts as they happen.
public final class StateTelemetry: Sendable {
    private let factory: any MetricsFactory
    private let databaseSize: Gauge
    private let databaseUp: Gauge
    private let tokensExpiring: Gauge
    private let accounts: [AccountStatus: Gauge]
    private let bands = Mutex<[String: BandGauges]>([:])

    private struct BandGauges: Sendable {
        var posts, due, overdue, failing, paused, neverRefreshed: Gauge
        var p50, p95, p99: Gauge
    }

    init(factory: any MetricsFactory) {
        self.factory = factory
        databaseSize = Gauge(label: Instruments.databaseSize.name, factory: factory)
        databaseUp = Gauge(label: Instruments.databaseUp.name, factory: factory)
        tokensExpiring = Gauge(label: Instruments.tokensExpiring.name, factory: factory)
        accounts = Dictionary(uniqueKeysWithValues: AccountStatus.allCases.map {
            ($0, Gauge(label: Instruments.accounts.name, dimensions: [("status", $0.rawValue)], factory: factory))
        })
    }

    public func databaseSize(bytes: Int64) {
        databaseSize.record(bytes)
    }

    public func database(up: Bool) {
        databaseUp.record(up ? 1 : 0)
    }

    public func tokensExpiring(_ count: Int) {
        tokensExpiring.record(count)
    }

    /// Every status is set, those with no account to 0.
    public func accounts(byStatus counts: [AccountStatus: Int]) {
        for (status, gauge) in accounts {
            gauge.record(counts[status] ?? 0)
        }
    }

    /// Sets every freshness gauge from a finished tally. A band with no post refreshed yet has no staleness: its
    /// percentiles read NaN (a gap on a graph), not 0, which would claim perfectly fresh posts.
    public func freshness(_ tally: FreshnessTally) {
        for (index, band) in tally.bands.enumerated() {
            let gauges = self.gauges(band: band.band.name, youngest: index == 0)
            gauges.posts.record(band.posts)
            gauges.due.record(band.due)
            gauges.overdue.record(band.overdue)
            gauges.failing.record(band.failing)
            gauges.paused.record(band.paused)
            gauges.neverRefreshed.record(band.neverRefreshed)
            let percentiles = band.stalenessPercentiles
            let seconds = { (milliseconds: Int64?) in milliseconds.map { Double($0) / 1000 } ?? .nan }
            gauges.p50.record(seconds(percentiles?.p50))
            gauges.p95.record(seconds(percentiles?.p95))
            gauges.p99.record(seconds(percentiles?.p99))
        }
    }

    /// The gauges of one band; `youngest` is a label so a rule can name the youngest band whatever `--cadence` calls it.
    private func gauges(band: String, youngest: Bool) -> BandGauges {
        bands.withLock { table in
            if let existing = table[band] { return existing }
            let gauge = { (instrument: Instrument, extra: [(String, String)]) in
                Gauge(
                    label: instrument.name, dimensions: [("band", band), ("youngest", youngest ? "true" : "false")] + extra,
                    factory: self.factory)
            }
            let made = BandGauges(
                posts: gauge(Instruments.freshnessPosts, []), due: gauge(Instruments.freshnessDue, []),
                overdue: gauge(Instruments.freshnessOverdue, []), failing: gauge(Instruments.freshnessFailing, []),
                paused: gauge(Instruments.freshnessPaused, []), neverRefreshed: gauge(Instruments.freshnessNeverRefreshed, []),
                p50: gauge(Instruments.freshnessStaleness, [("percentile", "50")]),
                p95: gauge(Instruments.freshnessStaleness, [("percentile", "95")]),
                p99: gauge(Instruments.freshnessStaleness, [("percentile", "99")]))
            table[band] = made
            return made
        }
    }
}
