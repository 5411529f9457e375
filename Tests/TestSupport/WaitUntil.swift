import Foundation

/// A condition that did not come true before its deadline.
public struct WaitTimeout: Error, CustomStringConvertible {
    public var what: String
    public var seconds: Double
    public var description: String { "timed out after \(seconds)s waiting until \(what)" }
}

/// Polls `condition` until it holds, throwing `WaitTimeout` after `timeout` seconds: how tests wait for something to
/// happen (never a sleep of a guessed length). A cancelled task (a `.timeLimit` passed, the run is stopping) ends the
/// wait at once with `CancellationError`.
public func waitUntil(_ what: String, timeout: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
    var pause = ConditionPollPause()
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what, seconds: timeout) }
        try await Task.sleep(for: .microseconds(pause.next()))
    }
}

/// `waitUntil` for synchronous tests on a thread of their own, where blocking is allowed (the end-to-end suites'
/// `.ownThread`): the same deadline, and the same answer to cancellation, checked between polls. Called from a task on
/// Swift's cooperative pool it throws `BlockingOnTheCooperativePool` instead of waiting (see there).
public func waitUntilBlocking(_ what: String, timeout: Double = 30, _ condition: () throws -> Bool) throws {
    try BlockingOnTheCooperativePool.check(what)
    let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
    var pause = ConditionPollPause()
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what, seconds: timeout) }
        if Task.isCancelled { throw CancellationError() }
        usleep(pause.next())
    }
}

/// Pauses between polls: 1 ms at first (most conditions come true at once), growing to 10 ms (a daemon's start).
private struct ConditionPollPause {
    private var microseconds: UInt32 = 1_000

    mutating func next() -> UInt32 {
        defer { microseconds = min(microseconds * 2, 10_000) }
        return microseconds
    }
}
