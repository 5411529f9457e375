/// What a delivery record says happened, as `webhookDeliveries` shows it and the delivery counter labels it.
public enum WebhookOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    /// A 2xx: the event is delivered and the endpoint moves past it.
    case delivered
    /// A failure that will be retried (per `WebhookRetrySchedule`).
    case failed
    /// A failure that disabled the endpoint: `410 Gone`, or the last retry failed. The record's error says why.
    case disabled
    /// Events the endpoint never got: retention deleted them before they could be delivered (the endpoint was
    /// disabled or failing for longer than the log keeps events). Delivery goes on from the oldest kept event.
    case gap
}
