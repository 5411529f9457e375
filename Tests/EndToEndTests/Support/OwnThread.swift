import Foundation
import MetricsCore
import Testing

/// Runs each test of a suite on a thread of its own instead of on the cooperative pool, a few at a time.
///
/// End-to-end tests are synchronous: they block while a daemon answers, a process exits, a deadline passes. Run on
/// the pool, each holds one of its threads for that long, and the build machine has two: a pair of long ones
/// (a demo refresh, a wait for discovery) starved every async test of the run for tens of seconds, and engine
/// tests waiting on real-time deadlines failed. With a task executor preference for a thread of its own, the
/// test's body blocks that thread only. How many run at once stays what the pool allowed before (one per core,
/// at least two): every one starts daemons, and a dozen at once loaded the machine past what the timing tests
/// (a demo at 3,600 times real time) tolerate. Waiting for a turn is async and holds no thread. A suite that forgets
/// this trait fails at its first blocking wait (`BlockingOnTheCooperativePool`), not as another suite's time-out.
struct OwnThread: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    static let turns = AsyncSemaphore(permits: max(2, ProcessInfo.processInfo.activeProcessorCount))

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }
        try await Self.turns.withPermit {
            let executor = ThreadExecutor()
            defer { executor.finish() }
            // Nonisolated async code under this preference runs on the executor's thread: the test's body with it.
            try await withTaskExecutorPreference(executor) {
                try await function()
            }
        }
    }
}

extension Trait where Self == OwnThread {
    /// Each test on a thread of its own (see `OwnThread`).
    static var ownThread: Self { OwnThread() }
}

/// A task executor whose jobs run in order on one thread of its own. After `finish()` the thread ends once it has
/// been idle a while; a job that still arrives (a task that outlived its test) starts it again.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var running = false
    private var finished = false

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if !running {
            running = true
            let thread = Thread { self.serve() }
            thread.name = "test-own-thread"
            thread.start()
        }
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func serve() {
        while let job = next() {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    private func next() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty {
            let woken = condition.wait(until: Date().addingTimeInterval(2))
            if jobs.isEmpty, finished, !woken {
                running = false
                return nil
            }
        }
        return jobs.removeFirst()
    }
}
