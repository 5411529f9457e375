/// Why a post's refresh failed, as the engine classifies it, the store records it (`refresh_errors.kind`) and the
/// report and `freshness` count it. The raw values are the wire and storage spelling.
public enum RefreshFailureKind: String, Sendable, Hashable, CaseIterable {
    /// Failed for now (5xx, timeout, Meta #1/#2, TikTok internal_error) after the retries a run allows.
    case transient
    /// The platform refused a metric (Meta #100) and dropping the known-retired ones did not help.
    case unsupportedMetric = "unsupported_metric"
    /// The token may not read this post (Meta #10, #200–299, "not enough viewers").
    case permission
    /// The platform does not know the post (deleted, another account's).
    case notFound = "not_found"
    /// TikTok's video query left it out of its answer (deleted, another user's, or a publish id).
    case notReturned = "not_returned"
    /// The answer could not be read.
    case malformed
    /// The platform refused the request itself.
    case invalidRequest = "invalid_request"
    /// The account's token stopped working during the run; the post was not attempted.
    case accountLost = "account_lost"
    /// Rate limits held the post past the run's deadline; it was not attempted and stays due.
    case deferred
}
