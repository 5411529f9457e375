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
    static func value(base: Int64, perDay: Double, createdAt: Timestamp, now: Timestamp) -> Int64 {
        guard perDay > 0 else { return base }
        let ageDays = Double(max(0, now.milliseconds(since: createdAt))) / 86_400_000
        return base + Int64((perDay * log1p(ageDays)).rounded(.down))
    }
}
