import JSON
import JSONRPC
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import TestSupport
import Testing

@testable import RPCServer

/// The handler in a pipeline, on NIO's testing channel: bytes in, bytes out, the actions really performed.
///
/// `NIOAsyncTestingChannel` rather than `EmbeddedChannel`: a task's reply hops back with
/// `eventLoop.execute` from another thread, which `EmbeddedEventLoop` does not allow.
@Suite struct RPCConnectionHandlerTests {
    @Test func repliesKeepRequestOrderAcrossACallRunningAsATask() async throws {
        let gate = Gate()
        let connection = try await Connection(methods: [.task("slow") { _, _ in await gate.wait(); return "slow" }])
        try await connection.send(request(1, "echo") + request(2, "slow") + request(3, "echo"))
        #expect(try await connection.replies(1).map(\.id) == [1])
        #expect(try await connection.readAvailable() == [], "3 waits for 2")
        gate.open()
        #expect(try await connection.replies(2).map(\.id) == [2, 3])
        #expect(try await connection.isActive)
    }

    @Test func aHalfClosingClientGetsEveryReplyThenTheConnectionCloses() async throws {
        let gate = Gate()
        let connection = try await Connection(methods: [.task("slow") { _, _ in await gate.wait(); return "slow" }])
        try await connection.send(request(1, "slow") + request(2, "echo").dropLast())
        try await connection.fire(ChannelEvent.inputClosed)
        #expect(try await connection.isActive, "the call still runs")
        gate.open()
        #expect(try await connection.replies(2).map(\.id) == [1, 2])
        try await connection.waitUntilClosed()
    }

    @Test func anOverLongLineIsAnsweredAfterTheLinesBeforeItThenTheConnectionCloses() async throws {
        let connection = try await Connection(maximumLineBytes: 64)
        try await connection.send(request(1, "echo") + String(repeating: "x", count: 100) + "\n" + request(3, "echo"))
        let replies = try await connection.replies(2)
        #expect(replies.map(\.id) == [1, nil])
        #expect(replies.last?.json["error"]?["code"] == .int(RPCError.invalidRequestCode))
        #expect(replies.last?.json["error"]?["data"]?["limitBytes"] == 64)
        try await connection.waitUntilClosed()
        #expect(try await connection.readAvailable() == [])
    }

    @Test func readsAreHeldBackAtTheQueueLimitAndLetThroughBelowHalf() async throws {
        let connection = try await Connection()
        try await connection.setWritable(false)
        let limit = ConnectionStateMachine.maximumQueuedLines
        try await connection.send((1..<limit).map { request($0, "echo") }.joined())
        try await connection.requestRead()
        #expect(connection.readsPassed == 1, "below the limit a read goes through")

        try await connection.send(request(limit, "echo"))
        try await connection.requestRead()
        #expect(connection.readsPassed == 1, "at the limit it is held back")

        // One turn's worth is answered at once; the held read waits for the queue to fall below half.
        try await connection.setWritable(true)
        #expect(try await connection.readAvailable().count == ConnectionStateMachine.linesPerTurn)
        #expect(connection.readsPassed == 1)
        try await connection.runLoop()
        #expect(connection.readsPassed == 2)
        let rest = try await connection.replies(limit - ConnectionStateMachine.linesPerTurn)
        #expect(rest.map(\.id) == Array((ConnectionStateMachine.linesPerTurn + 1)...limit))
    }

    @Test func theRunningCallIsCancelledWhenTheConnectionCloses() async throws {
        let probe = CancellationProbe()
        let connection = try await Connection(methods: [probe.method])
        try await connection.send(request(1, "hang"))
        try await probe.waitUntilStarted()
        try await connection.close()
        try await probe.waitUntilCancelled()
    }

    @Test func theRunningCallIsCancelledWhenTheConnectionFails() async throws {
        let probe = CancellationProbe()
        let connection = try await Connection(methods: [probe.method])
        try await connection.send(request(1, "hang"))
        try await probe.waitUntilStarted()
        try await connection.fail(ConnectionReset())
        try await probe.waitUntilCancelled()
        try await connection.waitUntilClosed()
    }

    @Test func aShutdownDrainAnswersTheRunningCallThenCloses() async throws {
        let gate = Gate()
        let connection = try await Connection(methods: [.task("slow") { _, _ in await gate.wait(); return "slow" }])
        try await connection.send(request(1, "slow"))
        try await connection.fire(DrainConnection())
        try await connection.send(request(2, "echo"))
        gate.open()
        #expect(try await connection.replies(1).map(\.id) == [1])
        try await connection.waitUntilClosed()
        #expect(try await connection.readAvailable() == [], "nothing read after the drain began")
    }

    private func request(_ id: Int, _ method: String) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)"}"# + "\n"
    }
}

// MARK: Fixtures

/// A handler under test with an outbound probe in front of it that counts the reads it lets through.
struct Connection {
    struct Reply: Equatable {
        var json: JSON
        var id: Int? { if case .number(let number)? = json["id"] { number.int64.map(Int.init) } else { nil } }
    }

    let channel: NIOAsyncTestingChannel
    private let counter = ReadCounter()

    init(methods: [RPCMethod] = [], maximumLineBytes: Int = 1 << 20) async throws {
        let dispatcher = RPCDispatcher(
            methods: methods + [.inline("echo") { _, context in context.requestID?.json ?? .null }],
            mapError: { _, _ in .internalError })
        channel = NIOAsyncTestingChannel()
        let counter = self.counter
        try await channel.testingEventLoop.executeInContext { [channel] in
            try channel.pipeline.syncOperations.addHandler(counter)
            try channel.pipeline.syncOperations.addHandler(
                RPCConnectionHandler(dispatcher: dispatcher, maximumLineBytes: maximumLineBytes, logger: Logger(label: "test")))
        }
        try await channel.connect(to: SocketAddress(unixDomainSocketPath: "/test"))
    }

    var readsPassed: Int { counter.count }

    var isActive: Bool {
        get async throws { try await channel.testingEventLoop.executeInContext { [channel] in channel.isActive } }
    }

    func send(_ text: String) async throws {
        try await channel.writeInbound(ByteBuffer(string: text))
    }

    func fire(_ event: any Sendable) async throws {
        try await channel.testingEventLoop.executeInContext { [channel] in
            channel.pipeline.syncOperations.fireUserInboundEventTriggered(event)
        }
    }

    func fail(_ error: any Error & Sendable) async throws {
        try await channel.testingEventLoop.executeInContext { [channel] in
            channel.pipeline.syncOperations.fireErrorCaught(error)
        }
    }

    /// What autoRead does after each read: asks the pipeline for more.
    func requestRead() async throws {
        try await channel.testingEventLoop.executeInContext { [channel] in
            channel.pipeline.syncOperations.read()
        }
    }

    func setWritable(_ writable: Bool) async throws {
        try await channel.testingEventLoop.executeInContext { [channel] in
            channel.isWritable = writable
            channel.pipeline.syncOperations.fireChannelWritabilityChanged()
        }
    }

    func close() async throws {
        try await channel.close()
    }

    /// Runs the turns the handler scheduled on its loop.
    func runLoop() async throws {
        await channel.testingEventLoop.run()
    }

    /// Reply lines written and flushed so far (the empty write before a close is not one).
    func readAvailable() async throws -> [Reply] {
        var replies: [Reply] = []
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            for line in String(buffer: buffer).split(separator: "\n") {
                replies.append(Reply(json: try JSONParser.parse(String(line))))
            }
        }
        return replies
    }

    /// Exactly `count` more replies, waiting for tasks' replies to arrive (within a deadline).
    func replies(_ count: Int) async throws -> [Reply] {
        var replies: [Reply] = []
        try await waitUntil("\(count) replies") {
            try await runLoop()
            replies += try await readAvailable()
            return replies.count >= count
        }
        #expect(replies.count == count)
        return replies
    }

    func waitUntilClosed() async throws {
        try await waitUntil("the connection closes") {
            try await runLoop()
            return try await !isActive
        }
    }
}

/// Counts the `read()` calls that pass it on their way to the channel.
final class ReadCounter: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    private let reads = Mutex(0)

    var count: Int { reads.withLock { $0 } }

    func read(context: ChannelHandlerContext) {
        reads.withLock { $0 += 1 }
        context.read()
    }
}

/// Holds a task method until the test opens it.
final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream<Void>.makeStream()
    }

    func wait() async {
        for await _ in stream { return }
    }

    func open() {
        continuation.finish()
    }
}

/// A method `hang` whose body waits until its task is cancelled, and records that it saw it.
final class CancellationProbe: Sendable {
    private let state = Mutex((started: false, cancelled: false))

    var method: RPCMethod {
        .task("hang") { [self] _, _ in
            state.withLock { $0.started = true }
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch is CancellationError {
                state.withLock { $0.cancelled = true }
                throw CancellationError()
            }
            return "not cancelled"
        }
    }

    func waitUntilStarted() async throws {
        try await waitUntil("the call runs") { state.withLock { $0.started } }
    }

    func waitUntilCancelled() async throws {
        try await waitUntil("the call sees its cancellation") { state.withLock { $0.cancelled } }
    }
}

struct ConnectionReset: Error {}

