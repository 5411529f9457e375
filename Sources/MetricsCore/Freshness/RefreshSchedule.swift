/// When each post is next due: the cadence ladder, the velocity rule and the failure backoff together.
///
/// A pure value: every answer is a function of its arguments, so the planner, the engine and their tests agree
/// to the millisecond. Times are Unix milliseconds; ages are measured from `postedAt`.
public struct RefreshSchedule: Sendable, Hashable {
    public var cadence: Cadence
    public var velocity: VelocityRule
    public var failures: FailureBackoff

    public init(cadence: Cadence, velocity: VelocityRule = VelocityRule(), failures: FailureBackoff = FailureBackoff()) {
        self.cadence = cadence
        self.velocity = velocity
        self.failures = failures
    }

    /// The band a post posted at `postedAt` is in at `now`, or nil outside the window.
    public func band(postedAt: Timestamp, now: Timestamp) -> (index: Int, band: Cadence.Band)? {
        cadence.band(forAge: now.milliseconds(since: postedAt))
    }

    /// When a post is first due once registered: at once (or when it is published, if later); never outside the window.
    public func firstDue(postedAt: Timestamp, now: Timestamp) -> Timestamp? {
        let at = max(now, postedAt)
        return band(postedAt: postedAt, now: at) == nil ? nil : at
    }

    /// How much sooner than its interval a post of the ladder is due: a tenth of the interval, at most 10 minutes.
    ///
    /// Why: staleness is measured from the last capture, and a refresh lands after its due time by however long
    /// the planner takes to reach it (its pass, the account's turn in its budget, the call itself). Due at the
    /// interval exactly, every bit of that lateness would push a post past its band (the bench measured p99 71 min
    /// in the hourly band); due a tenth sooner, lateness up to that much stays inside it. Capped so the older
    /// bands, where most posts are, pay little for it: +11 % calls in the hourly band, +2.8 % in the 6-hourly,
    /// +0.7 % in the daily.
    public static func planningLead(interval: Int64) -> Int64 {
        min(interval / 10, 600_000)
    }

    /// After a successful fetch at `current.at` (or at `now` when the platform reported no main counter): the
    /// band's interval, shortened by velocity, less the planning lead (a fixed cadence ignores velocity and lead:
    /// it is the sweep, every post every interval). Nil when the post has left the window by then, or will have by
    /// the time it would be due.
    public func nextDue(
        afterSuccessAt now: Timestamp, postedAt: Timestamp, previous: VelocityRule.Reading?, current: VelocityRule.Reading?
    ) -> Timestamp? {
        guard let (_, band) = band(postedAt: postedAt, now: now) else { return nil }
        guard !cadence.isFixed else { return withinWindow(now.adding(milliseconds: band.interval), postedAt: postedAt) }
        let interval = velocity.interval(bandInterval: band.interval, previous: previous, current: current)
        return withinWindow(now.adding(milliseconds: interval - Self.planningLead(interval: interval)), postedAt: postedAt)
    }

    /// After the `consecutiveFailures`-th failure in a row at `now`.
    public func nextDue(afterFailureAt now: Timestamp, postedAt: Timestamp, consecutiveFailures: Int) -> Timestamp? {
        guard let (_, band) = band(postedAt: postedAt, now: now) else { return nil }
        let delay = failures.retryDelay(consecutiveFailures: consecutiveFailures, bandInterval: band.interval)
        return withinWindow(now.adding(milliseconds: delay), postedAt: postedAt)
    }

    private func withinWindow(_ due: Timestamp, postedAt: Timestamp) -> Timestamp? {
        due.milliseconds(since: postedAt) < cadence.windowEnd ? due : nil
    }
}
