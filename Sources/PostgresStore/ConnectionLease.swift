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
/// back, and the pool's shutdown fails any lease still queued.
///
/// Once the connection is leased, a second, much longer deadline applies to the work on it (`statementDeadline`).
/// A statement is never cut off halfway and the connection then reused; but a connection whose server went away
/// under a statement has been seen to leave it waiting for good (the same test, again stuck with every thread idle,
/// once in three full runs beside a build, after the lease's own race was fixed). Past that deadline the connection
/// is closed (`abort`), which fails whatever waits on it, and the caller is answered without waiting for that.
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

    /// What `lease` calls once it holds a connection, with how to abort the work on it (close the connection):
    /// true when its work may run.
    typealias Claim = @Sendable (_ abort: @escaping @Sendable () -> Void) -> Bool

    /// Runs `lease` against `deadline`, then its work against `statementDeadline`. The caller's cancellation cancels
    /// a lease still waiting.
    static func run(
        deadline: Duration, unavailable: @escaping @Sendable () -> any Error,
        statementDeadline: Duration = .seconds(300), stalled: @escaping @Sendable () -> any Error = { CancellationError() },
        lease: @escaping @Sendable (_ claim: @escaping Claim) async throws -> T
    ) async throws -> T {
        let race = ConnectionLease<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(
                    continuation, deadline: deadline, unavailable: unavailable, statementDeadline: statementDeadline, stalled: stalled,
                    lease: lease)
            }
        } onCancel: {
            race.giveUp(CancellationError())
        }
    }

    private func start(
        _ continuation: CheckedContinuation<T, any Error>, deadline: Duration, unavailable: @escaping @Sendable () -> any Error,
        statementDeadline: Duration, stalled: @escaping @Sendable () -> any Error,
        lease: @escaping @Sendable (_ claim: @escaping Claim) async throws -> T
    ) {
        let cancelledFirst = state.withLock { state -> Bool in
            // The caller's cancellation can come before this (`onCancel` runs at once for a cancelled task).
            guard state.phase == .waiting else { return true }
            state.continuation = continuation
            state.tasks = [
                Task {
                    do {
                        self.finish(.success(try await lease { abort in
                            self.claim(abort: abort, statementDeadline: statementDeadline, stalled: stalled)
                        }))
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

    /// The connection came: true (and the lease's deadline gives way to the statement's) unless the caller was
    /// answered already.
    private func claim(abort: @escaping @Sendable () -> Void, statementDeadline: Duration, stalled: @escaping @Sendable () -> any Error) -> Bool {
        state.withLock { state in
            guard state.phase == .waiting else { return false }
            state.phase = .leased
            state.tasks.append(Task {
                try? await Task.sleep(for: statementDeadline)
                guard !Task.isCancelled else { return }
                self.abandon(abort: abort, stalled())
            })
            return true
        }
    }

    /// The work on the connection outlived `statementDeadline`: the connection is closed and the caller answered.
    private func abandon(abort: @Sendable () -> Void, _ error: any Error) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.phase == .leased else { return nil }
            defer { state.phase = .answered; state.continuation = nil }
            return state.continuation
        }
        guard let continuation else { return }
        abort()
        continuation.resume(throwing: error)
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
