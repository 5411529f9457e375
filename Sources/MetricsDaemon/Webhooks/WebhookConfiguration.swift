import MetricsCore

/// How the daemon delivers webhooks (`--webhook-retry-delays`).
public struct WebhookConfiguration: Sendable {
    /// The waits before each retry of a failed delivery, on the daemon's clock; tests give short ones.
    public var retrySchedule = WebhookRetrySchedule.standard
    /// Each POST's bound, from its start to its answer, in real time (the spec recommends 15–30 s; the issue asks 10).
    public var requestTimeout: Duration = .seconds(10)
    /// Events read from the log at a time per endpoint.
    public var pageSize = 100

    public init() {}
}
