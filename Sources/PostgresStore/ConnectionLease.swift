import Synchronization

/// A connection lease raced against its deadline, where the caller is answered by whichever ends first and never
/// waits for the loser.
///
/// Why not a task group: a group returns only once every child has, and postgres-nio's pool (1.33) can lose a
/// cancellation. `ConnectionPool.leaseConnection()` checks `Task.isCancelled`, then enqueues its request inside a
/// continuation; a cancel landing between the two finds no request to remove (`cancelRequest` returns `.none`),
/// and the request then waits for a connection. With the server down, none comes: the group racing the lease
/// against a timer waited forever behind the "cancelled" lease. That was the test-suite hang (issue 16:
/// `anUnreachableServerIsStorageUnavailable…` stuck with every thread idle, the test process's main thread in
/// `dispatch_main`, NIO's loops in `epoll_wait`), and the same wait at a daemon's shutdown leaves it hanging.
///
/// Here the lease runs in a task of its own. The deadline answers the caller with `StorageUnavailable` and cancels
/// the lease; a lease that comes later finds it lost (`body` never runs on it) and hands the connection straight
/// back, and the pool's shutdown fails any lease still queued. Once the connection is leased first, the deadline no
/// longer applies: a statement that started is never cut off halfway.
final class ConnectionLease<T: Sendable>: Sendable {
    private enum Phase {
        case waiting, leased, answered
    }

    private struct State {
        var phase = Phase.waiting
        var continuation: CheckedContinuation<T, any Error>?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `lease` (which calls its argument once it holds a connection: true when `body` may run) against
    /// `deadline`. The caller's cancellation cancels both.
    static func run(
        deadline: Duration, unavailable: @escaping @Sendable () -> any Error,
        lease: @escaping @Sendable (_ claim: @escaping @Sendable () -> Bool) async throws -> T
    ) async throws -> T {
        let race = ConnectionLease<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation, deadline: deadline, unavailable: unavailable, lease: lease)
            }
        } onCancel: {
            race.giveUp(CancellationError())
        }
    }

    private func start(
        _ continuation: CheckedContinuation<T, any Error>, deadline: Duration, unavailable: @escaping @Sendable () -> any Error,
        lease: @escaping @Sendable (_ claim: @escaping @Sendable () -> Bool) async throws -> T
    ) {
        let cancelledFirst = state.withLock { state -> Bool in
            // The caller's cancellation can come before this (`onCancel` runs at once for a cancelled task).
            guard state.phase == .waiting else { return true }
            state.continuation = continuation
            state.tasks = [
                Task {
                    do {
                        self.finish(.success(try await lease { self.claim() }))
                    } catch {
                        self.finish(.failure(error))
                    }
                },
                Task {
                    try? await Task.sleep(for: deadline)
                    guard !Task.isCancelled else { return }
                    self.giveUp(unavailable())
                },
            ]
            return false
        }
        if cancelledFirst { continuation.resume(throwing: CancellationError()) }
    }

    /// The connection came: true (and the deadline no longer applies) unless the caller was answered already.
    private func claim() -> Bool {
        state.withLock { state in
            guard state.phase == .waiting else { return false }
            state.phase = .leased
            return true
        }
    }

    private func finish(_ result: Result<T, any Error>) {
        let (continuation, tasks) = state.withLock { state in
            defer { state.phase = .answered; state.continuation = nil }
            return (state.phase == .answered ? nil : state.continuation, state.tasks)
        }
        tasks.forEach { $0.cancel() }
        continuation?.resume(with: result)
    }

    /// Answers the caller with `error` and gives the lease up, while it is still waiting for its connection (the
    /// deadline passed, or the caller was cancelled). A statement under way runs to its end: its connection must not
    /// be left mid-protocol, and it answers the caller itself.
    private func giveUp(_ error: any Error) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
            guard state.phase == .waiting else { return (nil, []) }
            defer { state.phase = .answered; state.continuation = nil }
            return (state.continuation, state.tasks)
        }
        tasks.forEach { $0.cancel() }
        continuation?.resume(throwing: error)
    }
}
