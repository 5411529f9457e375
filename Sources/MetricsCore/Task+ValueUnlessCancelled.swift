import Synchronization

extension Task where Failure == any Error {
    /// The task's value, or `CancellationError` as soon as the *waiting* task is cancelled; the task itself goes on.
    ///
    /// Why not `value`: awaiting `value` ignores the waiter's cancellation, so a waiter whose task is cancelled (a
    /// test past its time limit, a caller giving up on a run that several callers share) stays suspended until the
    /// task ends, however long that is. A run that sleeps on a clock nobody moves hung a whole test process that
    /// way, with every thread idle.
    public func valueUnlessCancelled() async throws -> Success {
        let waiter = OneShotWaiter<Success>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Success, any Error>) in
                guard waiter.install(continuation) else { return }
                Task<Void, Never> { waiter.finish(with: await self.result) }
            }
        } onCancel: {
            waiter.finish(with: .failure(Swift.CancellationError()))
        }
    }
}

/// A continuation resumed once, by whichever comes first: the result, or cancellation (which may come before the
/// continuation exists: then it is resumed as soon as it is installed).
private final class OneShotWaiter<Success: Sendable>: Sendable {
    private enum State {
        case waiting
        case installed(CheckedContinuation<Success, any Error>)
        case finished(Result<Success, any Error>)
        case resumed
    }

    private let state = Mutex<State>(.waiting)

    /// Installs the continuation; false when it was resumed at once (the outcome was already known).
    func install(_ continuation: CheckedContinuation<Success, any Error>) -> Bool {
        let early: Result<Success, any Error>? = state.withLock { state in
            guard case .finished(let result) = state else {
                state = .installed(continuation)
                return nil
            }
            state = .resumed
            return result
        }
        guard let early else { return true }
        continuation.resume(with: early)
        return false
    }

    func finish(with result: Result<Success, any Error>) {
        let continuation: CheckedContinuation<Success, any Error>? = state.withLock { state in
            switch state {
            case .waiting:
                state = .finished(result)
                return nil
            case .installed(let continuation):
                state = .resumed
                return continuation
            case .finished, .resumed:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}
