import Synchronization

/// The last committed event seq a store has announced, and a wait for it to move: the store advances it after a
/// transaction that wrote events commits (SQLite: after the write; PostgreSQL: also on another daemon's
/// notification), and the daemon's fan-out waits on it instead of polling the log.
///
/// Announcements may come out of order (two writers return in any order); the mark only moves forward, and a
/// reader always reads the log itself from where it was, so nothing is skipped.
public final class EventWatermark: Sendable {
    private struct Waiter {
        var id: UInt64
        var after: Int64
        var continuation: CheckedContinuation<Int64, Never>
    }

    private struct State {
        var last: Int64
        var nextId: UInt64 = 0
        var waiters: [Waiter] = []
    }

    private let state: Mutex<State>

    public init(last: Int64 = 0) {
        state = Mutex(State(last: last))
    }

    public var last: Int64 { state.withLock { $0.last } }

    /// Moves the mark to `seq` if that is further, waking whoever waits for it.
    public func advance(to seq: Int64) {
        let woken = state.withLock { state -> [Waiter] in
            guard seq > state.last else { return [] }
            state.last = seq
            let (ready, waiting) = state.waiters.reduce(into: ([Waiter](), [Waiter]())) { split, waiter in
                if waiter.after < seq { split.0.append(waiter) } else { split.1.append(waiter) }
            }
            state.waiters = waiting
            return ready
        }
        for waiter in woken { waiter.continuation.resume(returning: seq) }
    }

    /// Returns the mark once it is beyond `seq` (at once if it is already), or when the calling task is cancelled
    /// (then whatever the mark is).
    public func wait(beyond seq: Int64) async -> Int64 {
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Int64? in
                    if state.last > seq || Task.isCancelled { return state.last }
                    state.waiters.append(Waiter(id: id, after: seq, continuation: continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> (Waiter, Int64)? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return (state.waiters.remove(at: index), state.last)
            }
            if let (waiter, last) = cancelled { waiter.continuation.resume(returning: last) }
        }
    }
}
