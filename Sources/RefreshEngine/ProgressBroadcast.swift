import MetricsCore
import Synchronization

/// Fans a run's progress out to every caller that asked for it, at most once per interval (and always
/// for the first and the last count), so a 10,000-post run sends a few dozen lines, not 10,000.
final class ProgressBroadcast: Sendable {
    private struct State {
        var sinks: [@Sendable (RefreshProgress) -> Void] = []
        var last = RefreshProgress(runId: 0, done: 0, total: 0)
        var lastSentAt: Timestamp?
    }

    private let state = Mutex(State())
    private let clock: any WallClock
    private let intervalMilliseconds: Int64

    init(clock: any WallClock, intervalMilliseconds: Int64) {
        self.clock = clock
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// Adds a listener; it gets the latest progress at once if the run has started.
    func subscribe(_ sink: @escaping @Sendable (RefreshProgress) -> Void) {
        let current = state.withLock { state -> RefreshProgress? in
            state.sinks.append(sink)
            return state.last.runId == 0 ? nil : state.last
        }
        if let current { sink(current) }
    }

    func update(runId: Int64, done: Int, total: Int, force: Bool = false) {
        let now = clock.now
        let (sinks, progress) = state.withLock { state -> ([@Sendable (RefreshProgress) -> Void], RefreshProgress?) in
            state.last = RefreshProgress(runId: runId, done: done, total: total)
            let due = force || done == total || state.lastSentAt.map { now.milliseconds(since: $0) >= intervalMilliseconds } ?? true
            guard due else { return ([], nil) }
            state.lastSentAt = now
            return (state.sinks, state.last)
        }
        if let progress {
            for sink in sinks { sink(progress) }
        }
    }
}
