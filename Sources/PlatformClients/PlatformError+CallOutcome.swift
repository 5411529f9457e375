import Telemetry

extension PlatformError.Kind {
    /// How `metricsd_platform_calls_total` counts a call that failed this way.
    public var callOutcome: PlatformCallOutcome {
        switch self {
        case .rateLimited: .rateLimited
        case .transient: .transient
        case .tokenInvalid: .token
        case .unsupportedMetric: .unsupportedMetric
        case .skipPost, .malformed, .invalidRequest, .cancelled: .other
        }
    }
}
