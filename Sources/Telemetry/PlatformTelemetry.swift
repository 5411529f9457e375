import CoreMetrics
import MetricsCore

/// The platform clients' instruments: every call by platform and outcome, and token refreshes.
public final class PlatformTelemetry: Sendable {
    private struct Key: Hashable {
        var platform: Platform
        var outcome: PlatformCallOutcome
    }

    private let calls: [Key: Counter]
    private let refreshes: [Platform: (ok: Counter, failed: Counter)]

    init(factory: any MetricsFactory) {
        var calls: [Key: Counter] = [:]
        for platform in Platform.allCases {
            for outcome in PlatformCallOutcome.allCases {
                calls[Key(platform: platform, outcome: outcome)] = Counter(
                    label: Instruments.platformCalls.name,
                    dimensions: [("platform", platform.rawValue), ("outcome", outcome.rawValue)], factory: factory)
            }
        }
        self.calls = calls
        refreshes = Dictionary(uniqueKeysWithValues: Platform.allCases.map { platform in
            let counter = { (outcome: String) in
                Counter(
                    label: Instruments.tokenRefreshes.name, dimensions: [("platform", platform.rawValue), ("outcome", outcome)],
                    factory: factory)
            }
            return (platform, (ok: counter("ok"), failed: counter("failed")))
        })
    }

    public func call(_ platform: Platform, _ outcome: PlatformCallOutcome) {
        calls[Key(platform: platform, outcome: outcome)]?.increment()
    }

    public func tokenRefresh(_ platform: Platform, succeeded: Bool) {
        guard let counters = refreshes[platform] else { return }
        (succeeded ? counters.ok : counters.failed).increment()
    }
}
