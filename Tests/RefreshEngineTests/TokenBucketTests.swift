import MetricsCore
import Testing

/// The token bucket at exact millisecond timestamps: no clock, no sleeps.
@Suite struct TokenBucketTests {
    let t0 = Timestamp(milliseconds: 1_767_225_600_000)

    func at(_ offset: Int64) -> Timestamp { t0.adding(milliseconds: offset) }

    @Test func aFullBucketLetsTheBurstGoAtOnceThenOneCallPerInterval() {
        var bucket = TokenBucket(rate: 10, burst: 3)
        let slots = (0..<6).map { _ in bucket.reserve(now: t0) }
        #expect(slots == [at(0), at(0), at(0), at(100), at(200), at(300)])
    }

    @Test func aQuietPeriodRefillsTheBurstButNoMore() {
        var bucket = TokenBucket(rate: 10, burst: 3)
        for _ in 0..<5 { _ = bucket.reserve(now: t0) }
        // Ten seconds of quiet refill 100 tokens' worth, but the bucket holds 3.
        let later = at(10_000)
        let slots = (0..<5).map { _ in bucket.reserve(now: later) }
        #expect(slots == [later, later, later, later.adding(milliseconds: 100), later.adding(milliseconds: 200)])
    }

    @Test func partialRefillAfterAShortPause() {
        var bucket = TokenBucket(rate: 10, burst: 3)
        for _ in 0..<3 { _ = bucket.reserve(now: t0) }
        // 150 ms later one and a half tokens came back: one call now, the next at 200 ms.
        #expect(bucket.reserve(now: at(150)) == at(150))
        #expect(bucket.reserve(now: at(150)) == at(200))
        #expect(bucket.reserve(now: at(150)) == at(300))
    }

    @Test func reservationsAreHandedOutInCallOrderAndNeverShareASlot() {
        // Ten callers asking at the same instant queue up one interval apart, in the order they asked:
        // nobody is woken early to race for the same token.
        var bucket = TokenBucket(rate: 4, burst: 1)
        let slots = (0..<10).map { _ in bucket.reserve(now: t0) }
        #expect(slots == (0..<10).map { at(Int64($0) * 250) })
    }

    @Test func aLateCallerDoesNotJumpTheQueue() {
        var bucket = TokenBucket(rate: 4, burst: 1)
        let first = bucket.reserve(now: t0)
        let second = bucket.reserve(now: t0)
        // Asks later, but before the queued slot: it goes after it.
        let third = bucket.reserve(now: at(100))
        #expect([first, second, third] == [at(0), at(250), at(500)])
    }

    @Test func earliestPeeksWithoutTakingASlot() {
        var bucket = TokenBucket(rate: 10, burst: 1)
        _ = bucket.reserve(now: t0)
        #expect(bucket.earliest(after: t0) == at(100))
        #expect(bucket.earliest(after: t0) == at(100))
        #expect(bucket.earliest(after: at(500)) == at(500))
        #expect(bucket.reserve(now: t0) == at(100))
    }

    @Test func committingALaterSlotPushesTheNextOne() {
        // The limiter commits a slot later than this bucket's own earliest (another bucket or a gate decided).
        var bucket = TokenBucket(rate: 10, burst: 1)
        bucket.commit(at: at(1_000))
        #expect(bucket.earliest(after: t0) == at(1_100))
    }

    @Test func aFractionalIntervalNeverLetsMoreThanTheRateThrough() {
        // 3 per second: 333.3 ms apart, rounded up to whole milliseconds, never down.
        var bucket = TokenBucket(rate: 3, burst: 1)
        let slots = (0..<300).map { _ in bucket.reserve(now: t0) }
        for (n, slot) in slots.enumerated() {
            #expect(Double(slot.milliseconds(since: t0)) >= Double(n) * 1000 / 3)
        }
        // …and does not drift far either: 300 calls take about 100 s.
        #expect(slots.last!.milliseconds(since: t0) < 100_000 + 300)
    }

    @Test func inAnyWindowAtMostBurstPlusRateTimesWindowCallsGo() {
        var bucket = TokenBucket(rate: 5, burst: 4)
        var slots: [Int64] = []
        // Callers arrive irregularly; each takes the slot it is given.
        var now: Int64 = 0
        for step in 0..<200 {
            now += Int64((step * 37) % 90)
            slots.append(bucket.reserve(now: at(now)).milliseconds(since: t0))
        }
        for start in slots {
            let inWindow = slots.filter { $0 >= start && $0 < start + 1000 }.count
            #expect(inWindow <= 4 + 5)
        }
    }
}
