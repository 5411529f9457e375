/// Who numbers the event log next, as a pure value: the writers of one daemon share numbering rounds instead of
/// each running its own.
///
/// A writer that committed events must see them numbered before its call returns, so it waits for a round that
/// *starts after* it asked (one already running may have read the log before its commit). At most one round runs
/// at a time; whoever asks while one runs waits for the next, and that next round numbers everything they
/// committed, so a burst of commits costs two rounds, not one each. The first waiter of the next round runs it.
struct NumberingRounds<Waiter> {
    enum Turn {
        /// Run a round now, then call `roundFinished`.
        case run
        /// Wait: you are resumed when a round that started after you asked has ended, or told to run it.
        case wait
    }

    private var running = false
    /// Waiting for the round that is running (they asked before it started).
    private var current: [Waiter] = []
    /// Waiting for the next round.
    private var next: [Waiter] = []

    var isRunning: Bool { running }

    mutating func request(_ waiter: Waiter) -> Turn {
        guard running else {
            running = true
            return .run
        }
        next.append(waiter)
        return .wait
    }

    /// The round ended (numbered or failed): who may go (its waiters), and who runs the next one, if anyone waits.
    mutating func roundFinished() -> (done: [Waiter], runner: Waiter?) {
        precondition(running, "a round finished that never started")
        let done = current
        guard !next.isEmpty else {
            running = false
            current = []
            return (done, nil)
        }
        let runner = next.removeFirst()
        current = next
        next = []
        return (done, runner)
    }
}
