@testable import PostgresStore
import StorageContract
import Synchronization
import Testing
import TestSupport

/// The lease race on its own, with leases that behave as postgres-nio's pool can: one that never comes and ignores
/// its cancellation (the pool's lost cancel), one that comes after the deadline, one that comes in time and runs long.
/// The bounds tell the outcomes apart with room for a loaded machine (full runs beside a release build took 7 s and
/// once 33 s to answer a 200 ms deadline, the cooperative pool busy elsewhere): a lease that never comes holds out
/// for 600 s, a deadline that must not decide is 300 s, and the answers must come within 120 s.
@Suite(.timeLimit(.minutes(5))) struct ConnectionLeaseTests {
    struct Unavailable: Error {}

    @Test func aLeaseThatNeverComesAndIgnoresCancellationStillAnswersAtTheDeadline() async throws {
        let started = ContinuousClock.now
        await #expect(throws: Unavailable.self) {
            try await ConnectionLease<Int>.run(deadline: .milliseconds(200), unavailable: { Unavailable() }) { _ in
                // A queued request the pool never fails: wait far past the deadline, deaf to cancellation.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    Task.detached {
                        try? await Task.sleep(for: .seconds(600))
                        continuation.resume()
                    }
                }
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(120))
    }

    @Test func aConnectionThatComesAfterTheDeadlineIsNotUsed() async throws {
        let answered = Mutex(false)
        let bodyRan = Mutex(false)
        let came = Mutex<Bool?>(nil)
        await #expect(throws: Unavailable.self) {
            try await ConnectionLease<Int>.run(deadline: .milliseconds(100), unavailable: { Unavailable() }) { claim in
                // The connection comes only once the caller has had its answer.
                while !answered.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
                let mayRun = claim({})
                came.withLock { $0 = mayRun }
                guard mayRun else { throw CancellationError() }
                bodyRan.withLock { $0 = true }
                return 1
            }
        }
        answered.withLock { $0 = true }
        try await waitUntil("the late lease comes", timeout: 30) { came.withLock { $0 } != nil }
        #expect(came.withLock { $0 } == false)
        #expect(!bodyRan.withLock { $0 })
    }

    @Test func aStatementLeasedInTimeIsNeverCutOffByTheDeadline() async throws {
        // A deadline long enough that the lease claims first however busy the machine; the statement then outlasts it.
        let value = try await ConnectionLease<Int>.run(deadline: .seconds(30), unavailable: { Unavailable() }) { claim in
            guard claim({}) else { throw CancellationError() }
            try? await Task.sleep(for: .seconds(31))
            return 42
        }
        #expect(value == 42)
    }

    @Test func aCancelledCallerIsAnsweredAtOnceWhileItsLeaseIsStillWaiting() async throws {
        let call = Task {
            try await ConnectionLease<Int>.run(deadline: .seconds(300), unavailable: { Unavailable() }) { _ in
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    Task.detached {
                        try? await Task.sleep(for: .seconds(600))
                        continuation.resume()
                    }
                }
                return 1
            }
        }
        let started = ContinuousClock.now
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(ContinuousClock.now - started < .seconds(120))
    }

    struct Stalled: Error {}

    @Test func workThatNeverEndsOnItsConnectionIsAbortedAtTheStatementDeadlineAndTheCallerAnswered() async throws {
        let aborted = Recorder<Bool>()
        let started = ContinuousClock.now
        await #expect(throws: Stalled.self) {
            try await ConnectionLease<Int>.run(
                deadline: .seconds(30), unavailable: { Unavailable() }, statementDeadline: .seconds(1), stalled: { Stalled() }
            ) { claim in
                guard claim({ aborted.append(true) }) else { throw CancellationError() }
                // A statement on a connection whose server vanished: nothing ever answers it.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    Task.detached {
                        try? await Task.sleep(for: .seconds(600))
                        continuation.resume()
                    }
                }
                return 1
            }
        }
        #expect(aborted.all == [true], "the connection is closed, so it is not reused mid-statement")
        #expect(ContinuousClock.now - started < .seconds(120))
    }
}
