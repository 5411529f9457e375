#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricsCore

/// How a seeded counter moves with (simulated) time: `base + perDay × ln(1 + ageDays)`.
///
/// Posts gather most of their engagement early and keep creeping up after, which a logarithm captures with one
/// parameter: about 0.7 × perDay is added in the first day, 2.4 × perDay by day ten. Counters never go down, and the
/// value is a pure function of the clock, so a test that advances a `ManualClock` by a day sees a known increase.
enum MetricGrowth {
    static func value(base: Int64, perDay: Double, ageMilliseconds: Int64) -> Int64 {
        guard perDay > 0 else { return base }
        let ageDays = Double(max(0, ageMilliseconds)) / 86_400_000
        return base + Int64((perDay * log1p(ageDays)).rounded(.down))
    }
}

/// The age metric growth is computed from: the age on the simulator's clock, with the time since the simulator
/// started sped up by `speed` (`growthSpeed`: growth alone runs fast, where a `ScaledClock` speeds up everything).
/// Speed 1 is the clock.
///
/// Fixed when the simulator starts: changing the speed later would make counters jump, even backwards.
struct GrowthTimeline: Sendable {
    let startedAt: Timestamp
    let speed: Double

    func ageMilliseconds(createdAt: Timestamp, now: Timestamp) -> Int64 {
        let age = now.milliseconds(since: createdAt)
        guard speed != 1 else { return age }
        // Only time after both the start and the post's creation runs fast.
        let fast = max(0, now.milliseconds(since: max(createdAt, startedAt)))
        return age + Int64((Double(fast) * (speed - 1)).rounded(.down))
    }
}
