/// How fresh each age band is: what `freshness` reports, added up one post at a time (a pure value; the store
/// streams the posts into it).
///
/// Per band: the posts in it, those due now, those overdue — due for longer than a tenth of the band's interval
/// (at least a minute): the planner had its chance and budget or limits held them back —, those failing, those
/// paused (account not connected), those never refreshed, and the staleness of the others (now minus their last
/// successful capture) at the 50th, 95th and 99th percentiles (nearest rank).
public struct FreshnessTally: Sendable {
    public struct Band: Sendable, Equatable {
        public var band: Cadence.Band
        public var posts = 0
        public var due = 0
        public var overdue = 0
        public var failing = 0
        public var paused = 0
        public var neverRefreshed = 0
        /// ms, one per post refreshed at least once.
        fileprivate var staleness: [Int64] = []

        public struct Percentiles: Sendable, Equatable {
            public var p50: Int64
            public var p95: Int64
            public var p99: Int64
        }

        /// Staleness percentiles in ms; nil when no post of the band was refreshed yet.
        public var stalenessPercentiles: Percentiles? {
            guard !staleness.isEmpty else { return nil }
            let sorted = staleness.sorted()
            func rank(_ percent: Int) -> Int64 {
                sorted[max(0, min(sorted.count - 1, (percent * sorted.count + 99) / 100 - 1))]
            }
            return Percentiles(p50: rank(50), p95: rank(95), p99: rank(99))
        }
    }

    public let now: Timestamp
    public let schedule: RefreshSchedule
    public private(set) var bands: [Band]

    public init(now: Timestamp, schedule: RefreshSchedule) {
        self.now = now
        self.schedule = schedule
        bands = schedule.cadence.bands.map { Band(band: $0) }
    }

    /// A post is overdue when it has been due this long.
    public static func overdueAfter(_ band: Cadence.Band) -> Int64 {
        max(60_000, band.interval / 10)
    }

    /// Counts one post with an external id; posts outside the window are not counted.
    public mutating func add(
        postedAt: Timestamp, nextDueAt: Timestamp?, lastRefreshedAt: Timestamp?, consecutiveFailures: Int, accountStatus: AccountStatus
    ) {
        guard let (index, band) = schedule.band(postedAt: postedAt, now: now) else { return }
        bands[index].posts += 1
        if accountStatus != .connected {
            bands[index].paused += 1
        } else if let nextDueAt, nextDueAt <= now {
            bands[index].due += 1
            if now.milliseconds(since: nextDueAt) > Self.overdueAfter(band) { bands[index].overdue += 1 }
        }
        if schedule.failures.isFailing(consecutiveFailures: consecutiveFailures) { bands[index].failing += 1 }
        if let lastRefreshedAt {
            bands[index].staleness.append(max(0, now.milliseconds(since: lastRefreshedAt)))
        } else {
            bands[index].neverRefreshed += 1
        }
    }
}
