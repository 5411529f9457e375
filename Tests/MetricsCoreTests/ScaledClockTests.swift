import MetricsCore
import Testing

@Suite struct ScaledClockTests {
    static let start = Timestamp(milliseconds: 1_795_176_000_000)

    @Test func readsTheAnchorPlusRealTimeTimesTheSpeed() {
        let real = ManualClock(now: Self.start)
        let clock = ScaledClock(speed: 60, real: real)
        #expect(clock.anchor == .at(Self.start))
        #expect(clock.now == Self.start)
        real.advance(milliseconds: 1_000)
        #expect(clock.now == Self.start.adding(milliseconds: 60_000))
        real.advance(milliseconds: 59_000)
        #expect(clock.now == Self.start.adding(milliseconds: 3_600_000), "a real minute is an hour")
    }

    @Test func anAnchorInThePastContinuesItsTimeline() {
        // A demo first started a day ago (real), at speed 60: sixty days have passed on its timeline.
        let real = ManualClock(now: Self.start.adding(days: 1))
        let clock = ScaledClock(speed: 60, anchor: .at(Self.start), real: real)
        #expect(clock.now == Self.start.adding(days: 60))
        // Two different instants: scaled time 10 s behind real time at the anchor.
        let offset = ScaledClock(
            speed: 2, anchor: .init(real: Self.start, scaled: Self.start.adding(milliseconds: -10_000)), real: real)
        #expect(offset.now == Self.start.adding(milliseconds: -10_000 + 2 * 86_400_000))
    }

    @Test func fractionalReadingsRoundDown() {
        let real = ManualClock(now: Self.start)
        let clock = ScaledClock(speed: 2.5, real: real)
        var readings: [Int64] = []
        for _ in 0..<4 {
            readings.append(clock.now.milliseconds(since: Self.start))
            real.advance(milliseconds: 1)
        }
        #expect(readings == [0, 2, 5, 7])
        let slow = ScaledClock(speed: 0.3, anchor: .at(Self.start), real: real)
        #expect(slow.scaled(atReal: Self.start.adding(milliseconds: 3)) == Self.start)
        #expect(slow.scaled(atReal: Self.start.adding(milliseconds: 4)) == Self.start.adding(milliseconds: 1))
        // Before the anchor, rounding down still means earlier: never a reading that jumps forward.
        #expect(clock.scaled(atReal: Self.start.adding(milliseconds: -1)) == Self.start.adding(milliseconds: -3))
    }

    @Test func speedOneReadsTheRealClock() {
        let real = ManualClock(now: Self.start)
        let clock = ScaledClock(speed: 1, real: real)
        for step: Int64 in [0, 1, 999, 86_400_000] {
            real.advance(milliseconds: step)
            #expect(clock.now == real.now)
            #expect(clock.realTime(reaching: real.now.adding(milliseconds: step)) == real.now.adding(milliseconds: step))
        }
    }

    @Test(arguments: [0.3, 1.0 / 7, 1, 2.5, 60, 1440, 3600])
    func realTimeReachingIsTheFirstRealMillisecondAtOrPastTheDeadline(speed: Double) {
        let clock = ScaledClock(
            speed: speed, anchor: .init(real: Self.start, scaled: Self.start.adding(days: 3)), real: ManualClock(now: Self.start))
        for target in Int64(-50)...500 {
            let deadline = clock.anchor.scaled.adding(milliseconds: target)
            let wake = clock.realTime(reaching: deadline)
            #expect(clock.scaled(atReal: wake) >= deadline, "speed \(speed), target \(target)")
            #expect(clock.scaled(atReal: wake.adding(milliseconds: -1)) < deadline, "speed \(speed), target \(target)")
        }
    }

    @Test func aSleepWaitsTheRealTimeDividedByTheSpeed() async throws {
        let real = ManualClock(now: Self.start)
        let clock = ScaledClock(speed: 60, real: real)
        let deadline = Self.start.adding(milliseconds: 3_600_000)
        let task = Task { try await clock.sleep(until: deadline); return clock.now }
        while real.sleeperCount == 0 { await Task.yield() }
        #expect(real.earliestDeadline == Self.start.adding(milliseconds: 60_000))
        real.advance(milliseconds: 59_999)
        #expect(real.sleeperCount == 1)
        real.advance(milliseconds: 1)
        #expect(try await task.value == deadline)
    }

    @Test func aSleepShorterThanARealMillisecondWaitsOneMillisecond() async throws {
        let real = ManualClock(now: Self.start)
        let clock = ScaledClock(speed: 3600, real: real)
        let task = Task { try await clock.sleep(until: Self.start.adding(milliseconds: 100)); return clock.now }
        while real.sleeperCount == 0 { await Task.yield() }
        #expect(real.earliestDeadline == Self.start.adding(milliseconds: 1))
        real.advance(milliseconds: 1)
        #expect(try await task.value == Self.start.adding(milliseconds: 3_600))
    }

    @Test func aDeadlineAlreadyPassedReturnsAtOnce() async throws {
        let real = ManualClock(now: Self.start)
        let clock = ScaledClock(speed: 60, real: real)
        try await clock.sleep(until: Self.start)
        try await clock.sleep(until: Self.start.adding(milliseconds: -1))
        #expect(real.sleeperCount == 0)
    }

    @Test func cancellationEndsASleep() async {
        let real = ManualClock(now: Self.start)
        let clock = ScaledClock(speed: 60, real: real)
        let task = Task { try await clock.sleep(milliseconds: 86_400_000) }
        while real.sleeperCount == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(real.sleeperCount == 0)
    }
}
