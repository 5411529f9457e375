import MetricsCore

/// When an account's published posts appear, and the draws their content comes from.
///
/// Time after `epoch` is cut into slots of `periodMilliseconds` (a day divided by the posts per day); post `i`
/// (from 1) of the account with ordinal `n` appears somewhere in slot `i`, at an offset drawn from
/// (`seed`, `n`, `i`). Everything is a pure function of those numbers: the simulator stores nothing per
/// published post, so its memory stays what the seed made it however long it runs (a simulated month at
/// 500 accounts × 10 posts a day would otherwise be 150,000 posts held), and a restarted simulator with the same
/// epoch and seed publishes the same posts at the same times.
struct PublishingSchedule: Sendable, Hashable {
    let epoch: Timestamp
    let periodMilliseconds: Int64
    let seed: UInt64

    /// nil when publishing is off.
    init?(_ configuration: SimulatorConfiguration.Publishing, startedAt: Timestamp) {
        guard configuration.postsPerAccountPerDay > 0 else { return nil }
        epoch = configuration.since.flatMap { Timestamp(iso8601: $0) } ?? startedAt
        periodMilliseconds = max(1, Int64((86_400_000 / configuration.postsPerAccountPerDay).rounded()))
        seed = configuration.seed
    }

    init(epoch: Timestamp, periodMilliseconds: Int64, seed: UInt64) {
        precondition(periodMilliseconds >= 1)
        self.epoch = epoch
        self.periodMilliseconds = periodMilliseconds
        self.seed = seed
    }

    /// When post `index` (from 1) of the account appears, and the generator its content is drawn from next.
    func draw(ordinal: Int, index: Int64) -> (publishedAt: Timestamp, content: SplitMix64) {
        var random = SplitMix64(
            seed: seed ^ (UInt64(ordinal) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        // Below the period, so posts stay in their own slots and in order (a Double product may round up to it).
        let offset = min(periodMilliseconds - 1, Int64(random.nextUnit() * Double(periodMilliseconds)))
        return (epoch.adding(milliseconds: (index - 1) * periodMilliseconds + offset), random)
    }

    func publishedAt(ordinal: Int, index: Int64) -> Timestamp {
        draw(ordinal: ordinal, index: index).publishedAt
    }

    /// How many posts the account has published by `now`: every post of a slot that has ended, and the current
    /// slot's once its time has come.
    func count(ordinal: Int, now: Timestamp) -> Int64 {
        let elapsed = now.milliseconds(since: epoch)
        guard elapsed >= 0 else { return 0 }
        let ended = elapsed / periodMilliseconds
        return ended + (publishedAt(ordinal: ordinal, index: ended + 1) <= now ? 1 : 0)
    }
}
