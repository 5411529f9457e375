import MetricsCore
import Testing

@Suite struct WebhookRetryScheduleTests {
    @Test func theStandardScheduleIsSevenRetriesOverAboutADay() {
        let schedule = WebhookRetrySchedule.standard
        // unitRandom 0.5: the jitter factor is exactly 1.
        let waits = (0..<7).map { schedule.delay(beforeRetry: $0, unitRandom: 0.5) }
        #expect(waits == [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
        #expect(schedule.delay(beforeRetry: 7, unitRandom: 0.5) == nil)
        #expect(schedule.retries == 7)
        // 27 h 35 min 5 s in all: "about a day" of retrying, as the issue asks.
        #expect(waits.compactMap { $0 }.reduce(0, +) == 99_305_000)
    }

    @Test func jitterScalesEachWaitWithinPlusOrMinusTwentyPercent() {
        let schedule = WebhookRetrySchedule.standard
        for retry in 0..<schedule.retries {
            let base = schedule.delaysMilliseconds[retry]
            #expect(schedule.delay(beforeRetry: retry, unitRandom: 0) == base * 8 / 10)
            for random in stride(from: 0.0, to: 1.0, by: 0.01) {
                let wait = schedule.delay(beforeRetry: retry, unitRandom: random)!
                #expect(wait >= base * 8 / 10 && wait <= base * 12 / 10)
            }
            #expect(schedule.delay(beforeRetry: retry, unitRandom: 0.999_999)! <= base * 12 / 10)
        }
    }

    @Test func aScheduleWithoutRetriesGivesUpAtOnceAndNegativeRetriesHaveNone() {
        #expect(WebhookRetrySchedule(delaysMilliseconds: []).delay(beforeRetry: 0, unitRandom: 0.5) == nil)
        #expect(WebhookRetrySchedule.standard.delay(beforeRetry: -1, unitRandom: 0.5) == nil)
    }
}
