#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The time source of everything in metricsd that reads the time or waits: limiters, backoff, schedules,
/// token lifetimes, the simulator's budgets. Injected so tests are exact and instant.
public protocol WallClock: Sendable {
    var now: Timestamp { get }
    /// Suspends until `now >= deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Timestamp) async throws
}

extension WallClock {
    public func sleep(milliseconds: Int64) async throws {
        try await sleep(until: now.adding(milliseconds: milliseconds))
    }
}

/// The real clock: Unix time, and `Task.sleep` for waits.
public struct SystemClock: WallClock {
    public init() {}

    public var now: Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    public func sleep(until deadline: Timestamp) async throws {
        let remaining = deadline.milliseconds(since: now)
        if remaining > 0 {
            try await Task.sleep(for: .milliseconds(remaining))
        }
    }
}

/// A clock that moves only when a test says so. Sleepers wake, in deadline order, when `advance` passes
/// their deadline.
public final class ManualClock: WallClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Timestamp
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Timestamp
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
    }

    private let state: Mutex<State>

    public init(now: Timestamp = Timestamp(milliseconds: 1_767_225_600_000)) {
        state = Mutex(State(now: now))
    }

    public var now: Timestamp {
        state.withLock { $0.now }
    }

    /// How many tasks are waiting on this clock; tests wait for it to reach a count before advancing.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// When the next sleeper is due, if any: what a test's virtual-time driver advances to.
    public var earliestDeadline: Timestamp? {
        state.withLock { $0.sleepers.map(\.deadline).min() }
    }

    public func advance(milliseconds: Int64) {
        let due: [Sleeper] = state.withLock { state in
            state.now = state.now.adding(milliseconds: milliseconds)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due {
            sleeper.continuation.resume()
        }
    }

    public func advance(to timestamp: Timestamp) {
        advance(milliseconds: max(0, timestamp.milliseconds(since: now)))
    }

    public func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.now >= deadline || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow {
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume()
                    }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
