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
}

private final class Order: Sendable {
    private let state = Mutex<[Int]>([])
    func append(_ value: Int) { state.withLock { $0.append(value) } }
    var values: [Int] { state.withLock { $0 } }
}
