import DequeModule
import Synchronization

/// A counting semaphore for async code: at most `permits` holders at once, waiters served first come, first
/// served, and a waiter whose task is cancelled leaves the queue at once (with `CancellationError`) instead of
/// holding its place until a permit reaches it.
///
/// The refresh engine's two bounds are this one type: calls in flight per platform (many permits) and one token
/// refresh per account at a time (one permit).
public final class AsyncSemaphore: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var available: Int
        var waiters: Deque<Waiter> = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(permits: Int) {
        precondition(permits >= 1, "a semaphore needs at least one permit")
        state = Mutex(State(available: permits))
    }

    /// Takes a permit, waiting for one if none is free. Throws `CancellationError`, holding nothing, when the task
    /// is cancelled before a permit reached it.
    public func wait() async throws {
        let id: UInt64? = state.withLock { state in
            if state.available > 0, state.waiters.isEmpty {
                state.available -= 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case queued, cancelled, granted }
                let outcome = state.withLock { state -> Outcome in
                    if Task.isCancelled { return .cancelled }
                    // A permit given back since the first look (no waiter was queued to take it then): taken now, or
                    // this waiter would queue behind a free permit and sleep until some later `signal`, maybe never.
                    if state.available > 0, state.waiters.isEmpty {
                        state.available -= 1
                        return .granted
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .queued
                }
                switch outcome {
                case .queued: break
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .granted: continuation.resume()
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a permit back: to the longest waiter, or to the pool.
    public func signal() {
        let next = state.withLock { state -> Waiter? in
            if let first = state.waiters.popFirst() { return first }
            state.available += 1
            return nil
        }
        next?.continuation.resume()
    }

    /// Runs `body` holding a permit, and gives it back however `body` ends.
    public func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await wait()
        defer { signal() }
        return try await body()
    }

    /// Permits free right now (for tests and diagnostics).
    public var availablePermits: Int {
        state.withLock { $0.available }
    }

    /// Tasks waiting right now (for tests that wait for a waiter to queue up before acting).
    public var waiterCount: Int {
        state.withLock { $0.waiters.count }
    }
}
