import JSONRPC

/// The rules of one client connection, as a value: events in, actions out, no sockets.
///
/// Every complete line joins a queue that is dispatched in order. Fast methods are answered on the spot;
/// a slow one runs as a task and the queue waits for its reply, so a read pipelined after a write sees that
/// write, and replies leave in request order.
///
/// Fairness and memory are bounded the same way: the queue is dispatched only while the socket accepts
/// writes (a client that does not read its replies stops being served, not the others), at most
/// `linesPerTurn` lines per event-loop turn (a burst of thousands of requests cannot hold the loop), and
/// reads pause once `maximumQueuedLines` lines wait, resuming below half that (not at once, so a client
/// pipelining at the limit does not flip reads on and off every line).
///
/// The connection closes only when the client is done sending (EOF, half-close, a too-long line, idle, or
/// shutdown) AND every reply owed has been written, so a client that half-closes still gets all its answers.
/// Two exceptions close at once: an error, and an idle period during which the client did not read its
/// replies (holding them for it would hold its memory for ever). When the connection goes away a call still
/// running is cancelled: nobody is left to read its reply.
///
/// Driving it: an event returns the first action; after performing any action the owner asks `next()` for
/// the following one, until `.wait`. Events that arrive while the owner is in that loop (a flush that makes
/// the channel writable again, a write that fails and closes it) only update the state and return `.wait`;
/// the loop's next `next()` sees them. One action at a time keeps the per-line path free of allocations.
struct ConnectionStateMachine {
    static let linesPerTurn = 64
    static let maximumQueuedLines = 1024
    static let resumeBelowQueuedLines = maximumQueuedLines / 2

    enum Action: Equatable {
        /// Nothing to do until the next event.
        case wait
        /// Dispatch this request line, then report `lineAnswered(_:)` if it was answered on the spot or
        /// `callStarted()` if it runs as a task (and `callCompleted(_:)` when that task ends).
        case dispatch([UInt8])
        /// Write this reply line (no flush: a `.flush` follows before the turn ends).
        case write([UInt8])
        case flush
        /// Pass on the read request held back while too many lines waited.
        case read
        /// Call `scheduledTurn()` on a later event-loop turn: lines wait but this turn dispatched its share.
        case scheduleTurn
        /// Close once everything written so far has reached the socket.
        case closeAfterWrites
        /// Close at once; unwritten replies are dropped.
        case closeNow
        /// Cancel the task running the current call.
        case cancelCall
    }

    /// Where the connection is in its life.
    private enum State {
        case reading(Reads)
        /// No more requests will be read: what is queued and running is answered, then the connection closes.
        case finishing
        /// `.closeAfterWrites` was returned; nothing is left to do.
        case closing
        /// Closed, or told to close now: nothing more is dispatched or written.
        case closed
    }

    private enum Reads {
        case flowing
        /// Too many lines wait; `readHeld` once the channel asked to read and was not let.
        case paused(readHeld: Bool)
    }

    /// The call at the head of the queue, which the lines behind it wait for.
    private enum Call {
        case none
        /// `.dispatch` was returned; the owner has not said yet how it went.
        case dispatching
        case running
        /// `.cancelCall` was returned; its completion is ignored.
        case cancelled
    }

    private enum Turn {
        case none
        /// Dispatching within this event-loop turn, with `budget` lines left.
        case draining(budget: Int)
        /// `.scheduleTurn` was returned; events that would dispatch leave it to that turn.
        case scheduled
    }

    /// A queued line, or where an over-long line was: its error reply comes after the lines before it.
    private enum Entry {
        case line([UInt8])
        case tooLong(limit: Int)
    }

    private var state: State = .reading(.flowing)
    /// Subscriptions open on the connection: while any are, it is not idle and stays open after the client stops
    /// sending (a subscriber that half-closed still wants its events).
    private var heldOpen = 0
    /// Shutdown asked it to finish: subscriptions do not keep it open then.
    private var draining = false
    private var call: Call = .none
    private var turn: Turn = .none
    private var isWritable = true
    /// Something was written since the last flush.
    private var unflushed = false
    /// The reply of the call that just ended, written before anything else.
    private var unwrittenReply: [UInt8]?
    private var framer: LineFramer
    /// Lines not yet dispatched, in arrival order, from `head`.
    private var entries: [Entry] = []
    private var head = 0

    init(maximumLineBytes: Int) {
        framer = LineFramer(maximumLineLength: maximumLineBytes)
    }

    /// Lines waiting to be dispatched.
    var queuedLines: Int { entries.count - head }

    // MARK: Events

    /// Bytes arrived: frames them into the queue. Dispatching waits for `readComplete()`.
    mutating func bytesRead(_ bytes: UnsafeRawBufferPointer) {
        guard case .reading(let reads) = state else { return }
        if let limit = Self.frame(bytes, with: &framer, into: &entries) {
            entries.append(.tooLong(limit: limit))
            // The stream cannot be resynchronised after an over-long line, so nothing after it is read.
            state = .finishing
        } else if case .flowing = reads, queuedLines >= Self.maximumQueuedLines {
            state = .reading(.paused(readHeld: false))
        }
    }

    mutating func bytesRead(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { bytesRead($0) }
    }

    /// The channel delivered what it had for now.
    mutating func readComplete() -> Action {
        startTurn()
    }

    /// The channel wants to read more; held back while too many lines wait.
    mutating func readRequested() -> Action {
        switch state {
        case .reading(.paused):
            state = .reading(.paused(readHeld: true))
            return .wait
        case .closed:
            return .wait
        case .reading(.flowing), .finishing, .closing:
            return .read
        }
    }

    mutating func writabilityChanged(isWritable: Bool) -> Action {
        self.isWritable = isWritable
        return isWritable ? startTurn() : .wait
    }

    /// The client half-closed (socat after its stdin ended) or closed: a last line without `\n` still counts.
    mutating func inputClosed() -> Action {
        switch state {
        case .reading:
            Self.finish(&framer, into: &entries)
            state = .finishing
            return startTurn()
        case .finishing:
            return startTurn()
        case .closing, .closed:
            return .wait
        }
    }

    /// Shutdown: read nothing more, answer what is queued and running, then close.
    mutating func drainForShutdown() -> Action {
        draining = true
        switch state {
        case .reading, .finishing:
            state = .finishing
            return startTurn()
        case .closing, .closed:
            return .wait
        }
    }

    /// The client sent nothing for a whole idle period.
    mutating func idleTimeout() -> Action {
        switch state {
        case .closed:
            return .wait
        case .reading, .finishing, .closing:
            if !isWritable {
                // It has not read its replies for that long either: stop holding them for it.
                state = .closed
                return .closeNow
            }
            guard case .none = call, queuedLines == 0, unwrittenReply == nil, !isClosing, heldOpen == 0 else { return .wait }
            state = .finishing
            return startTurn()
        }
    }

    /// The line returned by `.dispatch` was answered on the spot (`reply` nil for notifications).
    /// The number of subscriptions holding the connection open changed.
    mutating func heldOpenChanged(_ count: Int) -> Action {
        heldOpen = max(count, 0)
        guard heldOpen == 0 else { return .wait }
        switch state {
        case .reading, .finishing: return startTurn()
        case .closing, .closed: return .wait
        }
    }

    mutating func lineAnswered(_ reply: [UInt8]?) {
        precondition(isDispatching, "lineAnswered without a dispatched line")
        call = .none
        if case .closed = state { return }
        unwrittenReply = reply
    }

    /// The line returned by `.dispatch` runs as a task.
    mutating func callStarted() {
        precondition(isDispatching, "callStarted without a dispatched line")
        call = .running
    }

    /// The call running as a task ended (`reply` nil when it owes none).
    mutating func callCompleted(_ reply: [UInt8]?) -> Action {
        switch call {
        case .running:
            call = .none
        case .cancelled:
            call = .none
            return .wait
        case .none, .dispatching:
            preconditionFailure("callCompleted without a running call")
        }
        switch state {
        case .reading, .finishing:
            unwrittenReply = reply
            return startTurn()
        case .closing, .closed:
            return .wait
        }
    }

    /// The turn asked for with `.scheduleTurn` has come.
    mutating func scheduledTurn() -> Action {
        guard case .scheduled = turn else { return .wait }
        turn = .none
        return startTurn()
    }

    /// A read or write failed (a reset, a broken pipe): the client's business; the connection just goes.
    mutating func errorCaught() -> Action {
        switch state {
        case .closed:
            return .wait
        case .reading, .finishing, .closing:
            state = .closed
            return .closeNow
        }
    }

    mutating func channelInactive() -> Action {
        state = .closed
        return next()
    }

    // MARK: Actions

    /// The action after the one just performed.
    mutating func next() -> Action {
        switch state {
        case .closed:
            turn = .none
            unwrittenReply = nil
            if case .running = call {
                call = .cancelled
                return .cancelCall
            }
            return .wait
        case .closing:
            turn = .none
            return .wait
        case .reading, .finishing:
            break
        }
        if let reply = unwrittenReply {
            unwrittenReply = nil
            unflushed = true
            return .write(reply)
        }
        if case .draining(let budget) = turn, budget > 0, canDispatch {
            turn = .draining(budget: budget - 1)
            switch popFirst() {
            case .line(let line):
                call = .dispatching
                return .dispatch(line)
            case .tooLong(let limit):
                unflushed = true
                return .write(Self.tooLongReply(limit: limit))
            }
        }
        if case .reading(.paused(let readHeld)) = state, queuedLines < Self.resumeBelowQueuedLines {
            state = .reading(.flowing)
            if readHeld { return .read }
        }
        if unflushed {
            unflushed = false
            return .flush
        }
        if case .draining = turn, canDispatch {
            turn = .scheduled
            return .scheduleTurn
        }
        if case .finishing = state, case .none = call, queuedLines == 0, heldOpen == 0 || draining {
            state = .closing
            turn = .none
            return .closeAfterWrites
        }
        if case .draining = turn {
            turn = .none
        }
        return .wait
    }

    // MARK: Helpers

    private mutating func startTurn() -> Action {
        guard case .none = turn else { return .wait }
        turn = .draining(budget: Self.linesPerTurn)
        return next()
    }

    private var canDispatch: Bool {
        if case .none = call, isWritable, queuedLines > 0 { true } else { false }
    }

    private var isDispatching: Bool {
        if case .dispatching = call { true } else { false }
    }

    private var isClosing: Bool {
        if case .closing = state { true } else { false }
    }

    private mutating func popFirst() -> Entry {
        let entry = entries[head]
        head += 1
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else {
            // Let the line's bytes go now, not when the queue next runs empty.
            entries[head - 1] = .line([])
            if head >= Self.maximumQueuedLines, head * 2 >= entries.count {
                entries.removeFirst(head)
                head = 0
            }
        }
        return entry
    }

    /// Static, so the framer and the queue are two separate accesses rather than two overlapping ones to
    /// `self`. Returns the limit when a line grew past it.
    private static func frame(_ bytes: UnsafeRawBufferPointer, with framer: inout LineFramer, into entries: inout [Entry]) -> Int? {
        var tooLong: Int?
        framer.feed(bytes) { event in
            switch event {
            case .line(let line): entries.append(.line(line))
            case .tooLong(let limit): tooLong = limit
            }
        }
        return tooLong
    }

    private static func finish(_ framer: inout LineFramer, into entries: inout [Entry]) {
        framer.finish { event in
            if case .line(let line) = event { entries.append(.line(line)) }
        }
    }

    static func tooLongReply(limit: Int) -> [UInt8] {
        let error = RPCError.invalidRequest(
            "request line longer than \(limit) bytes; the connection will close", data: ["limitBytes": .int(limit)])
        return RPCResponseEncoder.line(id: .null, outcome: .failure(error))
    }
}
