import MetricsCore
import Testing

@Suite struct BackoffTests {
    @Test func theDefaultScheduleDoublesFromHalfASecondAndGivesUpAfterThreeRetries() {
        let backoff = Backoff()
        // unitRandom 0.5 scales by 0.75.
        #expect(backoff.delay(beforeRetry: 0, unitRandom: 0.5) == 375)
        #expect(backoff.delay(beforeRetry: 1, unitRandom: 0.5) == 750)
        #expect(backoff.delay(beforeRetry: 2, unitRandom: 0.5) == 1500)
        #expect(backoff.delay(beforeRetry: 3, unitRandom: 0.5) == nil)
    }

    @Test func jitterKeepsEachWaitBetweenHalfAndAllOfTheStep() {
        let backoff = Backoff(initialMilliseconds: 1000, maximumMilliseconds: 64_000, maximumRetries: 5)
        for retry in 0..<5 {
            let step = Int64(1000 << retry)
            #expect(backoff.delay(beforeRetry: retry, unitRandom: 0) == step / 2)
            for random in stride(from: 0.0, to: 1.0, by: 0.01) {
                let delay = backoff.delay(beforeRetry: retry, unitRandom: random)!
                #expect(delay >= step / 2 && delay <= step)
            }
            // The top of the range is approached, never passed.
            #expect(backoff.delay(beforeRetry: retry, unitRandom: 0.999_999)! <= step)
        }
    }

    @Test func theMaximumCapsTheGrowth() {
        let backoff = Backoff(initialMilliseconds: 500, maximumMilliseconds: 3000, maximumRetries: 100)
        #expect(backoff.delay(beforeRetry: 2, unitRandom: 0) == 1000)
        #expect(backoff.delay(beforeRetry: 3, unitRandom: 0) == 1500)  // 4000 capped at 3000, halved by jitter
        #expect(backoff.delay(beforeRetry: 40, unitRandom: 0) == 1500)  // no overflow far out
        #expect(backoff.delay(beforeRetry: 99, unitRandom: 0.5) == 2250)
    }

    @Test func zeroRetriesMeansTheFirstFailureIsFinal() {
        #expect(Backoff(maximumRetries: 0).delay(beforeRetry: 0, unitRandom: 0) == nil)
    }
}
