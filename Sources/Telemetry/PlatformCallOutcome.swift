/// How one platform call ended, as `metricsd_platform_calls_total` counts it.
public enum PlatformCallOutcome: String, Sendable, CaseIterable {
    case ok
    /// The platform throttled the app or the account.
    case rateLimited = "rate_limited"
    /// Worth a retry: 5xx, Meta #1/#2, TikTok internal_error, timeouts, resets.
    case transient
    /// The token was refused (expired, invalid, must reconnect, refresh grant refused).
    case token
    /// A requested insights metric is retired or unsupported for the post.
    case unsupportedMetric = "unsupported_metric"
    /// Everything else: permission or not found for a post, an unreadable answer, a refused request, a cancelled call.
    case other
}
