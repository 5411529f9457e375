/// What one POST to a webhook endpoint came to, as the deliverer saw it.
public enum WebhookAttemptResult: Sendable, Hashable {
    /// The receiver answered with this HTTP status.
    case status(Int)
    /// No answer within the request's timeout (10 s).
    case timeout
    /// No answer at all: the connection was refused or reset, the name did not resolve, TLS failed. The text says
    /// which, for `webhookDeliveries` (never a secret: it names the URL's host at most).
    case connectionFailed(String)

    /// The status code, when there was one.
    public var statusCode: Int? {
        if case .status(let code) = self { code } else { nil }
    }

    /// What went wrong, in words, for a delivery record; nil for a 2xx.
    public var problem: String? {
        switch self {
        case .status(let code) where (200...299).contains(code): nil
        case .status(410): "410 Gone: the receiver asked to stop"
        case .status(let code): "HTTP status \(code)"
        case .timeout: "no answer within the timeout"
        case .connectionFailed(let text): text
        }
    }
}
