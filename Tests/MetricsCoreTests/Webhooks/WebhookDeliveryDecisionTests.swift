import MetricsCore
import Testing

@Suite struct WebhookDeliveryDecisionTests {
    let schedule = WebhookRetrySchedule(delaysMilliseconds: [1_000, 2_000])

    func decide(_ result: WebhookAttemptResult, retriesDone: Int = 0) -> WebhookDeliveryDecision {
        WebhookDeliveryDecision.after(result, retriesDone: retriesDone, schedule: schedule, unitRandom: 0.5)
    }

    @Test(arguments: [200, 201, 202, 204, 299])
    func every2xxIsDelivered(code: Int) {
        #expect(decide(.status(code)) == .delivered)
        // Also on the last retry.
        #expect(decide(.status(code), retriesDone: 2) == .delivered)
    }

    @Test func goneDisablesAtOnceWhateverRetriesAreLeft() {
        #expect(decide(.status(410)) == .disable(reason: "410 Gone: the receiver asked to stop"))
    }

    @Test(arguments: [
        WebhookAttemptResult.status(500), .status(503), .status(404), .status(301), .status(429), .status(100), .timeout,
        .connectionFailed("cannot connect to 127.0.0.1:9"),
    ])
    func otherOutcomesAreRetriedOnTheSchedule(result: WebhookAttemptResult) {
        #expect(decide(result, retriesDone: 0) == .retry(afterMilliseconds: 1_000))
        #expect(decide(result, retriesDone: 1) == .retry(afterMilliseconds: 2_000))
    }

    @Test func afterTheLastRetryTheEndpointIsDisabledWithTheLastFailure() {
        #expect(decide(.status(500), retriesDone: 2) == .disable(reason: "HTTP status 500, after 3 attempts"))
        #expect(decide(.timeout, retriesDone: 2) == .disable(reason: "no answer within the timeout, after 3 attempts"))
        #expect(
            decide(.connectionFailed("cannot connect to h:1"), retriesDone: 2)
                == .disable(reason: "cannot connect to h:1, after 3 attempts"))
        let none = WebhookRetrySchedule(delaysMilliseconds: [])
        #expect(
            WebhookDeliveryDecision.after(.status(502), retriesDone: 0, schedule: none, unitRandom: 0)
                == .disable(reason: "HTTP status 502, after 1 attempt"))
    }

    @Test func theJitterDrawScalesTheWait() {
        #expect(WebhookDeliveryDecision.after(.timeout, retriesDone: 0, schedule: schedule, unitRandom: 0) == .retry(afterMilliseconds: 800))
        #expect(WebhookDeliveryDecision.after(.timeout, retriesDone: 1, schedule: schedule, unitRandom: 0.75) == .retry(afterMilliseconds: 2_200))
    }

    @Test func theResultSaysItsStatusAndProblem() {
        #expect(WebhookAttemptResult.status(204).statusCode == 204 && WebhookAttemptResult.status(204).problem == nil)
        #expect(WebhookAttemptResult.timeout.statusCode == nil)
        #expect(WebhookAttemptResult.status(302).problem == "HTTP status 302")
    }
}
