import MetricsCore
import Testing

@Suite struct ManualClockTests {
    @Test func sleepersWakeOnlyWhenTheClockPassesTheirDeadline() async throws {
        let clock = ManualClock(now: Timestamp(milliseconds: 0))
        let task = Task { try await clock.sleep(until: Timestamp(milliseconds: 1000)); return clock.now }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(milliseconds: 999)
        #expect(clock.sleeperCount == 1)
        clock.advance(milliseconds: 1)
        #expect(try await task.value == Timestamp(milliseconds: 1000))
    }

    @Test func cancellationEndsASleep() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(milliseconds: 60_000) }
        while clock.sleeperCount == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }
}
