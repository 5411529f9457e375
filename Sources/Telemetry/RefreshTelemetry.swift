import CoreMetrics
import MetricsCore

/// The refresh engine's instruments: runs by trigger and status, their duration, and the limiter's pauses.
public final class RefreshTelemetry: Sendable {
    /// What a pause holds back: every account of the platform's app, or one account.
    public enum PauseScope: String, Sendable, CaseIterable {
        case app
        case account
    }

    private struct RunKey: Hashable {
        var trigger: RefreshTrigger
        var status: RefreshRunStatus
    }

    private struct PauseKey: Hashable {
        var platform: Platform
        var scope: PauseScope
    }

    private let runs: [RunKey: Counter]
    private let durations: [RefreshTrigger: Timer]
    private let pauses: [PauseKey: Counter]
    private let deadlineDeferrals: Counter

    init(factory: any MetricsFactory) {
        var runs: [RunKey: Counter] = [:]
        for trigger in RefreshTrigger.allCases {
            for status in RefreshRunStatus.allCases where status != .running {
                runs[RunKey(trigger: trigger, status: status)] = Counter(
                    label: Instruments.runs.name, dimensions: [("trigger", trigger.rawValue), ("status", status.rawValue)],
                    factory: factory)
            }
        }
        self.runs = runs
        durations = Dictionary(uniqueKeysWithValues: RefreshTrigger.allCases.map {
            ($0, Timer(label: Instruments.runDuration.name, dimensions: [("trigger", $0.rawValue)], factory: factory))
        })
        var pauses: [PauseKey: Counter] = [:]
        for platform in Platform.allCases {
            for scope in PauseScope.allCases {
                pauses[PauseKey(platform: platform, scope: scope)] = Counter(
                    label: Instruments.pauses.name, dimensions: [("platform", platform.rawValue), ("scope", scope.rawValue)],
                    factory: factory)
            }
        }
        self.pauses = pauses
        deadlineDeferrals = Counter(label: Instruments.deadlineDeferrals.name, factory: factory)
    }

    /// An account's remaining posts were deferred to the next run: the run's deadline came first.
    public func deferredPastDeadline() {
        deadlineDeferrals.increment()
    }

    /// A run ended with `status` after `duration` of real time.
    public func runFinished(trigger: RefreshTrigger, status: RefreshRunStatus, duration: Duration) {
        runs[RunKey(trigger: trigger, status: status)]?.increment()
        durations[trigger]?.recordNanoseconds(RPCMethodInstruments.nanoseconds(duration))
    }

    public func paused(_ platform: Platform, scope: PauseScope) {
        pauses[PauseKey(platform: platform, scope: scope)]?.increment()
    }
}
