import MetricsCore
import Testing

@Suite struct ValueUnlessCancelledTests {
    @Test func aWaiterGetsTheTasksValue() async throws {
        let clock = ManualClock(now: Timestamp(milliseconds: 0))
        let work = Task { try await clock.sleep(until: Timestamp(milliseconds: 10)); return 42 }
        let waiter = Task { try await work.valueUnlessCancelled() }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(milliseconds: 10)
        #expect(try await waiter.value == 42)
    }

    @Test func aCancelledWaiterStopsWaitingAndTheTaskGoesOn() async throws {
        let clock = ManualClock(now: Timestamp(milliseconds: 0))
        // Parked on a clock nobody moves yet: awaiting `value` here would never return once the waiter is cancelled.
        let work = Task { try await clock.sleep(until: Timestamp(milliseconds: 10)); return 7 }
        let waiter = Task { try await work.valueUnlessCancelled() }
        while clock.sleeperCount == 0 { await Task.yield() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(!work.isCancelled)
        clock.advance(milliseconds: 10)
        #expect(try await work.value == 7)
    }

    @Test func aWaiterCancelledBeforeItAsksThrowsAtOnce() async {
        let work = Task<Int, any Error> { try await Task.sleep(for: .seconds(3600)); return 1 }
        defer { work.cancel() }
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await work.valueUnlessCancelled()
        }
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }

    @Test func aFailureReachesTheWaiter() async {
        struct Failed: Error {}
        let work = Task<Int, any Error> { throw Failed() }
        await #expect(throws: Failed.self) { try await work.valueUnlessCancelled() }
    }
}
