import Logging
@testable import MetricsDaemon
import Synchronization
import TestSupport
import Testing

/// The shutdown deadline: once armed, a shutdown still pending past it is ended with `exitCode`, after naming what it
/// waited for; a shutdown that finishes in time is not.
@Suite struct ShutdownWatchTests {
    static let logger = Logger(label: "test.shutdown-watch", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aStepStillPendingAtTheDeadlineEndsTheProcessWithTheTimeoutStatus() async throws {
        let ended = Recorder<Int32>()
        let watch = ShutdownWatch(timeout: .milliseconds(50), logger: Self.logger) { ended.append($0) }
        let stuck = watch.begin("the store's connection pool")
        watch.arm()
        #expect(watch.pending.count == 1)
        #expect(watch.pending.first?.hasPrefix("the store's connection pool (") == true)
        try await waitUntil("the deadline passes", timeout: 10) { ended.count > 0 }
        #expect(ended.all == [ShutdownWatch.exitCode])
        watch.end(stuck)
        #expect(watch.pending.isEmpty)
    }

    @Test func aShutdownThatFinishesInTimeIsNotEnded() async throws {
        let ended = Recorder<Int32>()
        let watch = ShutdownWatch(timeout: .milliseconds(100), logger: Self.logger) { ended.append($0) }
        await watch.step("a quick step") {}
        watch.arm()
        watch.finish()
        // Past the deadline, nothing: a finished watch's timer is cancelled (and checks `finished` should it fire).
        let past = ContinuousClock.now + .milliseconds(300)
        try await waitUntil("past the deadline", timeout: 10) { ContinuousClock.now >= past }
        #expect(ended.all.isEmpty)
    }

    @Test func notArmedNothingEnds() async throws {
        let ended = Recorder<Int32>()
        let watch = ShutdownWatch(timeout: .milliseconds(10), logger: Self.logger) { ended.append($0) }
        _ = watch.begin("running, not shutting down")
        let past = ContinuousClock.now + .milliseconds(100)
        try await waitUntil("past the deadline", timeout: 10) { ContinuousClock.now >= past }
        #expect(ended.all.isEmpty)
    }
}
