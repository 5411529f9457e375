/// How fast a post's numbers move makes it due sooner than its band's interval, never later.
///
/// The rule: refresh when the main counter is expected to have moved by `targetRelativeChange` (5 %). From the
/// last two readings, the relative change per hour is `r = |current − previous| / max(previous, 1) / hours`
/// between them; the ideal interval is `targetRelativeChange / r` hours, clamped to
/// `[band × minimumFactor, band]` (a quarter of the band to the band). The band's interval is the longest a post
/// waits: a counter that did not move (`r = 0`), or moves slowly, gets the band's own; so does a first fetch (no
/// earlier reading).
///
/// Examples with an hourly band: +50 %/h → 6 min, clamped to 15 min; +10 %/h → 30 min; +5 %/h → 1 h; +1 %/h →
/// 5 h, clamped to 1 h; unchanged → 1 h. A drop (a platform correcting a count) is movement like a rise.
///
/// The main counter is views, else reach, else likes (`MetricValues.mainCounter`): what every platform reports
/// for a post and what moves first.
public struct VelocityRule: Sendable, Hashable {
    public var targetRelativeChange: Double
    public var minimumFactor: Double

    public init(targetRelativeChange: Double = 0.05, minimumFactor: Double = 0.25) {
        self.targetRelativeChange = targetRelativeChange
        self.minimumFactor = min(1, minimumFactor)
    }

    /// A reading of the main counter at a moment.
    public struct Reading: Sendable, Hashable {
        public var value: Int64
        public var at: Timestamp

        public init(value: Int64, at: Timestamp) {
            self.value = value
            self.at = at
        }
    }

    /// The interval (ms) for a band of `bandInterval`, from the previous and the current reading.
    public func interval(bandInterval: Int64, previous: Reading?, current: Reading?) -> Int64 {
        guard let previous, let current else { return bandInterval }
        let elapsed = current.at.milliseconds(since: previous.at)
        guard elapsed > 0 else { return bandInterval }
        let hours = Double(elapsed) / 3_600_000
        let relativeChangePerHour = Double(abs(current.value - previous.value)) / Double(max(previous.value, 1)) / hours
        guard relativeChangePerHour > 0 else { return bandInterval }
        let ideal = targetRelativeChange / relativeChangePerHour * 3_600_000
        let lower = Double(bandInterval) * minimumFactor
        return Int64(min(Double(bandInterval), max(lower, ideal)).rounded())
    }
}

extension MetricValues {
    /// The counter the velocity rule watches: views, else reach, else likes; nil when the platform reported none.
    public var mainCounter: Int64? {
        views ?? reach ?? likes
    }
}
