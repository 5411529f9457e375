import MetricsCore

/// One record of an endpoint's deliveries: an attempt to POST an event (or a gap retention left), as
/// `webhookDeliveries` shows it.
public struct WebhookAttempt: Sendable, Equatable {
    /// The event's seq (for a `gap`: the oldest kept seq, where delivery resumed).
    public var seq: Int64
    /// The event's id (its `webhook-id`); empty for a `gap`.
    public var eventId: String
    /// 1 for an event's first attempt, 2 for its first retry, …
    public var attempt: Int
    public var at: Timestamp
    public var statusCode: Int?
    /// What went wrong, for a failure, a disabling or a gap; nil when delivered.
    public var error: String?
    public var outcome: WebhookOutcome
    /// From the request's start to its answer (or failure), in real time; 0 for a gap.
    public var durationMs: Int64

    public init(
        seq: Int64, eventId: String, attempt: Int, at: Timestamp, statusCode: Int?, error: String?, outcome: WebhookOutcome,
        durationMs: Int64
    ) {
        self.seq = seq
        self.eventId = eventId
        self.attempt = attempt
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.outcome = outcome
        self.durationMs = durationMs
    }
}

extension WebhookAttempt {
    /// How many attempts of the event at `seq` failed, from an endpoint's records: where a restarted deliverer's
    /// count of retries resumes, so a restart (or a crash loop) does not give an endpoint a fresh schedule and the
    /// endpoint is still disabled after the schedule's last retry.
    public static func failedAttempts(ofSeq seq: Int64, in records: [WebhookAttempt]) -> Int {
        records.filter { $0.seq == seq && $0.outcome == .failed }.map(\.attempt).max() ?? 0
    }
}
