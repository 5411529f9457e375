import JSONRPC
import Testing

@testable import RPCServer

/// Every rule of a connection, as exact action lists from the pure state machine: no sockets, no loop.
@Suite struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    let perTurn = Machine.linesPerTurn

    // MARK: Order

    @Test func linesAreAnsweredInOrderAndFlushedOncePerTurn() {
        var harness = Harness()
        harness.feed("a\nb\n")
        #expect(harness.run { $0.readComplete() } == [.dispatch("a"), .write("re:a"), .dispatch("b"), .write("re:b"), .flush])
    }

    @Test func linesBehindARunningCallWaitForItsReply() {
        var harness = Harness()
        harness.feed("a\nslow\nb\n")
        #expect(harness.run { $0.readComplete() } == [.dispatch("a"), .write("re:a"), .dispatch("slow"), .flush])
        harness.feed("c\n")
        #expect(harness.run { $0.readComplete() } == [])
        #expect(harness.run { $0.callCompleted(reply("re:slow")) }
            == [.write("re:slow"), .dispatch("b"), .write("re:b"), .dispatch("c"), .write("re:c"), .flush])
    }

    @Test func notificationsAndBlankLinesAreDispatchedButWriteNothing() {
        var harness = Harness()
        harness.feed("note\n\na\n")
        #expect(harness.run { $0.readComplete() } == [.dispatch("note"), .dispatch(""), .dispatch("a"), .write("re:a"), .flush])
    }

    // MARK: Fairness

    @Test func atMostLinesPerTurnAreDispatchedThenAnotherTurnIsScheduled() {
        var harness = Harness()
        harness.feed(lines(0..<(perTurn + 1)))
        #expect(harness.run { $0.readComplete() } == answered(0..<perTurn) + [.flush, .scheduleTurn])
        // Events before that turn comes leave the dispatching to it.
        #expect(harness.run { $0.readComplete() } == [])
        #expect(harness.run { $0.writabilityChanged(isWritable: true) } == [])
        #expect(harness.run { $0.scheduledTurn() } == answered(perTurn..<(perTurn + 1)) + [.flush])
        #expect(harness.run { $0.scheduledTurn() } == [], "a turn nobody scheduled does nothing")
    }

    @Test func theQueueIsDispatchedOnlyWhileTheChannelIsWritable() {
        var harness = Harness()
        #expect(harness.run { $0.writabilityChanged(isWritable: false) } == [])
        harness.feed("a\nb\n")
        #expect(harness.run { $0.readComplete() } == [])
        #expect(harness.run { $0.writabilityChanged(isWritable: true) } == [.dispatch("a"), .write("re:a"), .dispatch("b"), .write("re:b"), .flush])
    }

    @Test func aWriteThatFillsTheSocketStopsTheTurnUntilItDrains() {
        var harness = Harness()
        harness.feed("a\nb\nc\n")
        // The write of a's reply crosses the high-water mark: NIO says so while the handler is still in its loop.
        let steps = harness.run({ $0.readComplete() }, between: { step, machine in
            if step == .write("re:a") {
                #expect(machine.writabilityChanged(isWritable: false) == .wait)
            }
        })
        #expect(steps == [.dispatch("a"), .write("re:a"), .flush])
        // The flush empties it again while the next turn is in its loop: that turn carries on.
        let more = harness.run({ $0.writabilityChanged(isWritable: true) }, between: { step, machine in
            if step == .write("re:b") {
                #expect(machine.writabilityChanged(isWritable: false) == .wait)
            }
            if step == .flush {
                #expect(machine.writabilityChanged(isWritable: true) == .wait)
            }
        })
        #expect(more == [.dispatch("b"), .write("re:b"), .flush, .dispatch("c"), .write("re:c"), .flush])
    }

    // MARK: Back-pressure on reads

    @Test func readsPauseAtTheQueueLimitAndResumeBelowHalf() {
        var harness = Harness()
        #expect(harness.run { $0.writabilityChanged(isWritable: false) } == [])
        harness.feed(lines(0..<(Machine.maximumQueuedLines - 1)))
        #expect(harness.run { $0.readRequested() } == [.read])
        harness.feed(lines(0..<1))
        #expect(harness.machine.queuedLines == Machine.maximumQueuedLines)
        #expect(harness.run { $0.readRequested() } == [], "held back")

        // 1,024 → 960 → … → 512: still paused at exactly half.
        var steps = harness.run { $0.writabilityChanged(isWritable: true) }
        while harness.machine.queuedLines >= Machine.resumeBelowQueuedLines {
            #expect(steps == answered(from: steps) + [.flush, .scheduleTurn])
            #expect(!steps.contains(.read))
            steps = harness.run { $0.scheduledTurn() }
        }
        // The turn that takes it below half lets the held read through, before its flush.
        #expect(harness.machine.queuedLines == Machine.resumeBelowQueuedLines - perTurn)
        #expect(steps.suffix(3) == [.read, .flush, .scheduleTurn])
        #expect(harness.run { $0.readRequested() } == [.read])
    }

    @Test func aPauseWithNoReadHeldBackResumesSilently() {
        var harness = Harness()
        _ = harness.run { $0.writabilityChanged(isWritable: false) }
        harness.feed(lines(0..<Machine.maximumQueuedLines))
        _ = harness.run { $0.writabilityChanged(isWritable: true) }
        var turns = 0
        while harness.machine.queuedLines > 0, turns < 100 {
            #expect(!harness.run { $0.scheduledTurn() }.contains(.read))
            turns += 1
        }
        #expect(turns == Machine.maximumQueuedLines / perTurn - 1)
        #expect(harness.run { $0.readRequested() } == [.read], "not paused any more")
    }

    // MARK: Over-long lines

    @Test func anOverLongLineIsAnsweredAfterTheLinesBeforeItThenTheConnectionCloses() {
        var harness = Harness(maximumLineBytes: 8)
        harness.feed("a\n0123456789\nb\n")
        #expect(harness.run { $0.readComplete() }
            == [.dispatch("a"), .write("re:a"), .write(tooLong(8)), .flush, .closeAfterWrites])
        harness.feed("c\n")
        #expect(harness.run { $0.readComplete() } == [])
        #expect(harness.run { $0.inputClosed() } == [])
        #expect(harness.run { $0.channelInactive() } == [])
    }

    @Test func anOverLongLineWaitsForTheCallBeforeIt() {
        var harness = Harness(maximumLineBytes: 8)
        harness.feed("slow\n0123456789")
        #expect(harness.run { $0.readComplete() } == [.dispatch("slow")])
        #expect(harness.run { $0.callCompleted(reply("re:slow")) }
            == [.write("re:slow"), .write(tooLong(8)), .flush, .closeAfterWrites])
    }

    // MARK: Half-close

    @Test func aHalfClosingClientGetsEveryReplyIncludingAnUnterminatedLastLine() {
        var harness = Harness()
        harness.feed("a\nb")
        #expect(harness.run { $0.readComplete() } == [.dispatch("a"), .write("re:a"), .flush])
        #expect(harness.run { $0.inputClosed() } == [.dispatch("b"), .write("re:b"), .flush, .closeAfterWrites])
    }

    @Test func aHalfCloseWaitsForTheRunningCallAndTheLinesBehindIt() {
        var harness = Harness()
        harness.feed("slow\na\n")
        #expect(harness.run { $0.readComplete() } == [.dispatch("slow")])
        #expect(harness.run { $0.inputClosed() } == [])
        #expect(harness.run { $0.callCompleted(reply("re:slow")) }
            == [.write("re:slow"), .dispatch("a"), .write("re:a"), .flush, .closeAfterWrites])
    }

    @Test func aHalfCloseBehindAFullTurnClosesAfterTheScheduledTurns() {
        var harness = Harness()
        harness.feed(lines(0..<(perTurn + 1)))
        #expect(harness.run { $0.inputClosed() } == answered(0..<perTurn) + [.flush, .scheduleTurn])
        #expect(harness.run { $0.scheduledTurn() } == answered(perTurn..<(perTurn + 1)) + [.flush, .closeAfterWrites])
    }

    // MARK: Idle

    @Test func anIdleConnectionWithNothingRunningOrQueuedCloses() {
        var harness = Harness()
        harness.feed("a\n")
        _ = harness.run { $0.readComplete() }
        #expect(harness.run { $0.idleTimeout() } == [.closeAfterWrites])
        #expect(harness.run { $0.idleTimeout() } == [], "already closing")
    }

    @Test func anIdleConnectionWithACallRunningStaysOpen() {
        var harness = Harness()
        harness.feed("slow\n")
        _ = harness.run { $0.readComplete() }
        #expect(harness.run { $0.idleTimeout() } == [])
        harness.feed("a\n")
        #expect(harness.run { $0.callCompleted(reply("re:slow")) } == [.write("re:slow"), .dispatch("a"), .write("re:a"), .flush])
    }

    @Test func anIdleConnectionWithLinesQueuedStaysOpen() {
        var harness = Harness()
        harness.feed(lines(0..<(perTurn + 1)))
        _ = harness.run { $0.readComplete() }
        #expect(harness.run { $0.idleTimeout() } == [])
    }

    @Test func aClientThatStoppedReadingItsRepliesForAnIdlePeriodIsClosedAtOnce() {
        var harness = Harness()
        harness.feed("a\nslow\nb\n")
        _ = harness.run { $0.readComplete() }
        _ = harness.run { $0.writabilityChanged(isWritable: false) }
        #expect(harness.run { $0.idleTimeout() } == [.closeNow, .cancelCall])
        #expect(harness.run { $0.callCompleted(reply("re:slow")) } == [], "its reply is not written")
        #expect(harness.run { $0.channelInactive() } == [])
    }

    @Test func aClientThatStoppedReadingIsClosedEvenWithNothingQueued() {
        var harness = Harness()
        harness.feed("a\n")
        _ = harness.run { $0.readComplete() }
        _ = harness.run { $0.writabilityChanged(isWritable: false) }
        // Closing after the writes would wait for ever on a client that reads nothing.
        #expect(harness.run { $0.idleTimeout() } == [.closeNow])
    }

    @Test func aConnectionWaitingToCloseOnAClientThatStoppedReadingIsClosedAtTheNextIdlePeriod() {
        var harness = Harness()
        harness.feed("a\n")
        #expect(harness.run { $0.inputClosed() } == [.dispatch("a"), .write("re:a"), .flush, .closeAfterWrites])
        _ = harness.run { $0.writabilityChanged(isWritable: false) }
        // The empty write that closes it waits behind replies the client does not read.
        #expect(harness.run { $0.idleTimeout() } == [.closeNow])
    }

    // MARK: Shutdown

    @Test func aShutdownDrainAnswersTheRunningCallThenCloses() {
        var harness = Harness()
        harness.feed("slow\na\n")
        _ = harness.run { $0.readComplete() }
        #expect(harness.run { $0.drainForShutdown() } == [])
        harness.feed("b\n")
        #expect(harness.run { $0.readComplete() } == [], "nothing more is read")
        #expect(harness.run { $0.callCompleted(reply("re:slow")) }
            == [.write("re:slow"), .dispatch("a"), .write("re:a"), .flush, .closeAfterWrites])
    }

    @Test func aShutdownDrainOfAQuietConnectionClosesAtOnce() {
        var harness = Harness()
        #expect(harness.run { $0.drainForShutdown() } == [.closeAfterWrites])
        #expect(harness.run { $0.drainForShutdown() } == [])
    }

    // MARK: Going away

    @Test func theRunningCallIsCancelledWhenTheChannelGoesInactive() {
        var harness = Harness()
        harness.feed("slow\na\n")
        _ = harness.run { $0.readComplete() }
        #expect(harness.run { $0.channelInactive() } == [.cancelCall])
        #expect(harness.run { $0.callCompleted(reply("re:slow")) } == [])
        #expect(harness.run { $0.readComplete() } == [])
        #expect(harness.run { $0.scheduledTurn() } == [])
    }

    @Test func anErrorClosesAtOnceAndCancelsTheRunningCall() {
        var harness = Harness()
        harness.feed("slow\n")
        _ = harness.run { $0.readComplete() }
        #expect(harness.run { $0.errorCaught() } == [.closeNow, .cancelCall])
        #expect(harness.run { $0.channelInactive() } == [], "cancelled once")
        #expect(harness.run { $0.errorCaught() } == [])
    }

    @Test func anErrorWithNoCallRunningOnlyCloses() {
        var harness = Harness()
        #expect(harness.run { $0.errorCaught() } == [.closeNow])
    }

    @Test func aCallStartedAfterTheChannelWentAwayIsCancelledAtOnce() {
        var harness = Harness()
        harness.feed("slow\n")
        // The channel goes while the line is being dispatched, before the task exists.
        let steps = harness.run({ $0.readComplete() }, beforeAnswer: { machine in
            #expect(machine.channelInactive() == .wait)
        })
        #expect(steps == [.dispatch("slow"), .cancelCall])
    }

    @Test func aTurnScheduledBeforeTheChannelWentAwayDoesNothing() {
        var harness = Harness()
        harness.feed(lines(0..<(perTurn + 1)))
        _ = harness.run { $0.readComplete() }
        #expect(harness.run { $0.channelInactive() } == [])
        #expect(harness.run { $0.scheduledTurn() } == [])
    }

    // MARK: Helpers

    private func reply(_ text: String) -> [UInt8] { Array((text + "\n").utf8) }

    private func tooLong(_ limit: Int) -> String {
        String(decoding: Machine.tooLongReply(limit: limit).dropLast(), as: UTF8.self)
    }

    private func lines(_ range: Range<Int>) -> String {
        range.map { "l\($0)\n" }.joined()
    }

    private func answered(_ range: Range<Int>) -> [Step] {
        range.flatMap { [Step.dispatch("l\($0)"), .write("re:l\($0)")] }
    }

    /// The dispatch-and-write prefix of `steps`, whatever its lines.
    private func answered(from steps: [Step]) -> [Step] {
        Array(steps.prefix { if case .dispatch = $0 { true } else if case .write = $0 { true } else { false } })
    }
}

/// One step the handler would take, readable in expectations (lines and replies as text without `\n`).
enum Step: Equatable, CustomStringConvertible {
    case dispatch(String)
    case write(String)
    case flush, read, scheduleTurn, closeAfterWrites, closeNow, cancelCall

    init(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .wait: preconditionFailure(".wait is no step")
        case .dispatch(let line): self = .dispatch(String(decoding: line, as: UTF8.self))
        case .write(let bytes): self = .write(String(decoding: bytes.last == 0x0A ? bytes.dropLast() : bytes[...], as: UTF8.self))
        case .flush: self = .flush
        case .read: self = .read
        case .scheduleTurn: self = .scheduleTurn
        case .closeAfterWrites: self = .closeAfterWrites
        case .closeNow: self = .closeNow
        case .cancelCall: self = .cancelCall
        }
    }

    var description: String {
        switch self {
        case .dispatch(let line): "dispatch(\(line))"
        case .write(let text): "write(\(text))"
        case .flush: "flush"
        case .read: "read"
        case .scheduleTurn: "scheduleTurn"
        case .closeAfterWrites: "closeAfterWrites"
        case .closeNow: "closeNow"
        case .cancelCall: "cancelCall"
        }
    }
}

/// Drives the machine the way `RPCConnectionHandler` does: an event's first action, then `next()` until
/// `.wait`. A dispatched line starting with "slow" runs as a task, "note" and blank lines are notifications,
/// and any other line `x` is answered on the spot with `re:x`.
struct Harness {
    var machine: ConnectionStateMachine

    init(maximumLineBytes: Int = 1 << 20) {
        machine = ConnectionStateMachine(maximumLineBytes: maximumLineBytes)
    }

    mutating func feed(_ text: String) {
        machine.bytesRead(Array(text.utf8))
    }

    /// `between` runs after each step, `beforeAnswer` between a dispatch and its answer: where events that
    /// NIO delivers while the handler is in its loop (re-entrantly) arrive.
    mutating func run(
        _ event: (inout ConnectionStateMachine) -> ConnectionStateMachine.Action,
        beforeAnswer: (inout ConnectionStateMachine) -> Void = { _ in },
        between: (Step, inout ConnectionStateMachine) -> Void = { _, _ in }
    ) -> [Step] {
        var steps: [Step] = []
        var action = event(&machine)
        while action != .wait {
            let step = Step(action)
            steps.append(step)
            if case .dispatch(let line) = step {
                beforeAnswer(&machine)
                if line.hasPrefix("slow") {
                    machine.callStarted()
                } else if line.hasPrefix("note") || line.isEmpty {
                    machine.lineAnswered(nil)
                } else {
                    machine.lineAnswered(Array("re:\(line)\n".utf8))
                }
            }
            between(step, &machine)
            action = machine.next()
            precondition(steps.count < 10_000, "runaway: \(steps.suffix(8))")
        }
        return steps
    }
}
