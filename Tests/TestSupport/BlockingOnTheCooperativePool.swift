/// A blocking wait asked for on Swift's cooperative pool, refused.
///
/// Swift Testing calls a synchronous test function straight from its async runner, so the test's body runs on one of
/// the pool's threads, as many as the machine has cores: two on the build machine. A test that blocks there (a daemon
/// to start, a process to exit, a socket to answer) holds one of the two for as long as it waits, and beside a build
/// that is a minute or more: with two such tests, nothing else of the run's 600 tests, nor a task a server under test
/// starts, gets a thread. The full suite beside a build showed it: `RPCServerSocketTests` waited 30 s for a call's task
/// to start while `SchemaValidParamsTests` (end to end, not on a thread of its own) held one of the two threads for
/// over a minute in its socket calls. Such suites take `.ownThread`; this check makes forgetting it fail at once, by
/// name, instead of as another suite's time-out on a loaded machine.
public struct BlockingOnTheCooperativePool: Error, CustomStringConvertible {
    public var what: String

    public var description: String {
        "refusing to block on Swift's cooperative pool (waiting until \(what)): run the test on a thread of its own "
            + "(the suite's .ownThread trait)"
    }

    /// Throws when the caller is a task with no executor preference of its own: a task the global executor's pool runs.
    /// Code outside any task (a thread of its own, XCTest) and tasks on a preferred executor (`.ownThread`) pass.
    public static func check(_ what: @autoclosure () -> String) throws(BlockingOnTheCooperativePool) {
        let onThePool = withUnsafeCurrentTask { task in task.map { $0.unownedTaskExecutor == nil } ?? false }
        if onThePool { throw BlockingOnTheCooperativePool(what: what()) }
    }
}
