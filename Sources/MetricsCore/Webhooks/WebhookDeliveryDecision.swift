/// What the deliverer does after one attempt to deliver an event, following the Standard Webhooks spec:
///
/// - a `2xx` is delivered: the endpoint moves on to its next event;
/// - `410 Gone` disables the endpoint at once (the receiver said it wants no more), whatever retries are left;
/// - any other status (3xx included: redirects are not followed), a timeout or a connection failure is retried
///   after the schedule's next wait, the same event again (an endpoint's events go in seq order, so nothing
///   later is sent meanwhile);
/// - when the schedule has no retry left, the endpoint is disabled with the last failure as the reason.
///
/// A pure value: the schedule and the jitter come in, so the rules are tested without HTTP or clocks.
public enum WebhookDeliveryDecision: Sendable, Hashable {
    case delivered
    /// Try the same event again after this many milliseconds (on the daemon's clock).
    case retry(afterMilliseconds: Int64)
    /// Stop delivering to this endpoint, for this reason (shown in `webhookDeliveries` and `listWebhooks`).
    case disable(reason: String)

    /// The decision after attempt number `retriesDone + 1` of an event (`retriesDone`: the retries already made of
    /// it, 0 after its first attempt) came to `result`. `unitRandom` in [0, 1) is the jitter's draw.
    public static func after(
        _ result: WebhookAttemptResult, retriesDone: Int, schedule: WebhookRetrySchedule, unitRandom: Double
    ) -> WebhookDeliveryDecision {
        if case .status(let code) = result {
            if (200...299).contains(code) { return .delivered }
            if code == 410 { return .disable(reason: "410 Gone: the receiver asked to stop") }
        }
        let problem = result.problem ?? "failed"
        guard let delay = schedule.delay(beforeRetry: retriesDone, unitRandom: unitRandom) else {
            let attempts = retriesDone + 1
            return .disable(reason: "\(problem), after \(attempts) attempt\(attempts == 1 ? "" : "s")")
        }
        return .retry(afterMilliseconds: delay)
    }
}
