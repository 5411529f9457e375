import MetricsCore
import Synchronization
import TestSupport
import Testing

@Suite struct AsyncSemaphoreTests {
    /// Waits, with a deadline, until `semaphore` has `count` queued waiters.
    private func waitForWaiters(_ semaphore: AsyncSemaphore, _ count: Int) async throws {
        try await waitUntil("\(count) waiters queue up") { semaphore.waiterCount == count }
    }

    @Test func permitsAreTakenUpToTheCountThenWaitersQueueInOrder() async throws {
        let semaphore = AsyncSemaphore(permits: 2)
        try await semaphore.wait()
        try await semaphore.wait()
        #expect(semaphore.availablePermits == 0)
        let order = Order()
        let first = Task { try await semaphore.wait(); order.append(1) }
        try await waitForWaiters(semaphore, 1)
        let second = Task { try await semaphore.wait(); order.append(2) }
        try await waitForWaiters(semaphore, 2)
        semaphore.signal()
        try await first.value
        semaphore.signal()
        try await second.value
        #expect(order.values == [1, 2])
        #expect(semaphore.availablePermits == 0)
        semaphore.signal()
        semaphore.signal()
        #expect(semaphore.availablePermits == 2)
    }

    @Test func aCancelledWaiterLeavesTheQueueAndTheNextOneGetsThePermit() async throws {
        let semaphore = AsyncSemaphore(permits: 1)
        try await semaphore.wait()
        let cancelled = Task { try await semaphore.wait() }
        try await waitForWaiters(semaphore, 1)
        let patient = Task { try await semaphore.wait() }
        try await waitForWaiters(semaphore, 2)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(semaphore.waiterCount == 1)
        semaphore.signal()
        try await patient.value  // the permit went to the waiter still queued, not to the cancelled one
        #expect(semaphore.availablePermits == 0)
    }

    @Test func anAlreadyCancelledTaskDoesNotQueue() async throws {
        let semaphore = AsyncSemaphore(permits: 1)
        try await semaphore.wait()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await semaphore.wait()
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(semaphore.waiterCount == 0)
    }

    @Test func withPermitGivesThePermitBackWhenTheBodyThrows() async throws {
        struct Failure: Error {}
        let semaphore = AsyncSemaphore(permits: 1)
        await #expect(throws: Failure.self) { try await semaphore.withPermit { throw Failure() } }
        #expect(semaphore.availablePermits == 1)
    }

    /// A permit given back between a waiter's first look (none free) and its queueing used to go to the pool while
    /// the waiter queued behind it and slept until the next `signal`: with one permit and nobody else, forever.
    /// Many contenders make that window likely; a lost wakeup shows as the run not finishing, which the timer turns
    /// into a failure (cancelling the stuck waiters) instead of a hang.
    @Test(.timeLimit(.minutes(1))) func aPermitGivenBackWhileAWaiterQueuesIsNotLost() async throws {
        let semaphore = AsyncSemaphore(permits: 1)
        enum Ending { case done, timedOut }
        let ending = try await withThrowingTaskGroup(of: Ending.self) { group in
            group.addTask {
                try await withThrowingDiscardingTaskGroup { contenders in
                    // Small: it shares the cooperative pool with the rest of the run, whose real-time deadlines a
                    // longer churn (8 x 5,000) starved on a loaded machine.
                    for _ in 0..<4 {
                        contenders.addTask {
                            for _ in 0..<500 { try await semaphore.withPermit {} }
                        }
                    }
                }
                return .done
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return .timedOut
            }
            let first = try await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }
        #expect(ending == .done, "contenders stuck with a free permit: \(semaphore.availablePermits) free, \(semaphore.waiterCount) waiting")
        #expect(semaphore.availablePermits == 1)
    }
}

private final class Order: Sendable {
    private let state = Mutex<[Int]>([])
    func append(_ value: Int) { state.withLock { $0.append(value) } }
    var values: [Int] { state.withLock { $0 } }
}
