import JSONRPC
import Logging
import NIOCore

/// Asks a connection to finish: stop reading, answer what it is running, then close. Sent on shutdown.
struct DrainConnection: Sendable {}

/// One client connection: frames lines, dispatches each, writes replies.
///
/// It lives on the connection's event loop. Every complete line joins `queued`; `drain` dispatches them in
/// order. Fast methods are answered right there; slow ones run as tasks whose replies hop back to this loop,
/// and the queue waits for them, so a read pipelined after a write sees that write.
///
/// Fairness and memory are bounded the same way: the queue is drained only while the socket accepts writes
/// (a client that does not read its replies stops being served, not the others), at most
/// `linesPerTick` lines per event-loop turn (a burst of thousands of requests cannot hold the loop), and
/// reads pause while too many lines wait. The connection closes only when the client is done sending (EOF,
/// half-close, a too-long line, idle, or shutdown) AND every reply owed has been written, so a client that
/// half-closes still gets all its answers.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let linesPerTick = 64
    private static let maximumQueuedLines = 1024

    private let dispatcher: RPCDispatcher
    private let logger: Logger
    private var framer: LineFramer
    private enum Queued {
        case line([UInt8])
        /// Where an over-long line was: its error reply, answered after the lines before it.
        case tooLong(reply: [UInt8])
    }

    /// Lines not yet dispatched, in arrival order; `queueHead` is the next one.
    private var queued: [Queued] = []
    private var queueHead = 0
    /// A call running as a task; the queue waits for its reply.
    private var outstanding = false
    /// A `drain` is scheduled for the next loop turn.
    private var drainScheduled = false
    private var readsPaused = false
    /// No more requests will be read; close once the queue is empty and no call is running.
    private var finishing = false
    private var closed = false
    private var needsFlush = false
    private var context: ChannelHandlerContext?

    init(dispatcher: RPCDispatcher, maximumLineBytes: Int, logger: Logger) {
        self.dispatcher = dispatcher
        self.framer = LineFramer(maximumLineLength: maximumLineBytes)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    private var pendingLines: Int { queued.count - queueHead }

    // MARK: Inbound events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finishing else { return }
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { event in accept(event, context: context) }
        }
        if pendingLines >= Self.maximumQueuedLines, !readsPaused {
            readsPaused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        drain(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            drain(context)
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // The client half-closed (socat after its stdin ended): a last line without `\n` still counts.
            framer.finish { event in accept(event, context: context) }
            finishing = true
            drain(context)
        case is DrainConnection:
            finishing = true
            drain(context)
        case IdleStateHandler.IdleStateEvent.read where !outstanding && pendingLines == 0:
            logger.debug("closing idle connection")
            finishing = true
            drain(context)
        case IdleStateHandler.IdleStateEvent.read where !context.channel.isWritable:
            // It has not read its replies for a whole idle period: stop holding them for it.
            logger.debug("closing a connection that stopped reading its replies")
            closed = true
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset or a broken pipe is the client's business; the daemon just lets the connection go.
        logger.debug("connection error", metadata: ["error": "\(error)"])
        closed = true
        context.close(promise: nil)
    }

    // MARK: Lines

    private func accept(_ event: LineFramer.Event, context: ChannelHandlerContext) {
        switch event {
        case .line(let line):
            queued.append(.line(line))
        case .tooLong(let limit):
            // The stream cannot be resynchronised after an over-long line, so nothing after it is read.
            let error = RPCError.invalidRequest(
                "request line longer than \(limit) bytes; the connection will close",
                data: ["limitBytes": .int(limit)])
            queued.append(.tooLong(reply: RPCResponseEncoder.line(id: .null, outcome: .failure(error))))
            finishing = true
        }
    }

    /// Dispatches queued lines in order while allowed, then closes if the connection is finished.
    private func drain(_ context: ChannelHandlerContext) {
        var budget = Self.linesPerTick
        while !outstanding, pendingLines > 0, context.channel.isWritable, !closed {
            guard budget > 0 else {
                scheduleDrain(context)
                break
            }
            budget -= 1
            let next = queued[queueHead]
            queueHead += 1
            switch next {
            case .line(let line): dispatch(line, context: context)
            case .tooLong(let reply): write(reply, context: context)
            }
        }
        if pendingLines == 0, queueHead > 0 {
            queued.removeAll(keepingCapacity: true)
            queueHead = 0
        }
        if readsPaused, pendingLines < Self.maximumQueuedLines / 2, !finishing {
            readsPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            context.read()
        }
        flushIfNeeded(context)
        if finishing, !outstanding, pendingLines == 0 {
            closeAfterWrites(context)
        }
    }

    private func scheduleDrain(_ context: ChannelHandlerContext) {
        guard !drainScheduled else { return }
        drainScheduled = true
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = handler.value
            handler.drainScheduled = false
            if let context = handler.context {
                handler.drain(context)
            }
        }
    }

    private func dispatch(_ line: [UInt8], context: ChannelHandlerContext) {
        let channel = context.channel
        let notify: @Sendable (String, JSON) -> Void = { method, params in
            let bytes = RPCResponseEncoder.notificationLine(method: method, params: params)
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
        }
        switch line.withUnsafeBytes({ dispatcher.handle(line: $0, notify: notify) }) {
        case .none:
            break
        case .reply(let bytes):
            write(bytes, context: context)
        case .pending(let work):
            outstanding = true
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            Task {
                let bytes = await work()
                eventLoop.execute { handler.value.complete(with: bytes) }
            }
        }
    }

    /// A task's reply is ready (on the event loop).
    private func complete(with bytes: [UInt8]?) {
        outstanding = false
        guard let context, !closed else { return }
        if let bytes {
            write(bytes, context: context)
        }
        drain(context)
    }

    // MARK: Writing and closing

    private func write(_ bytes: [UInt8], context: ChannelHandlerContext) {
        guard !closed else { return }
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        needsFlush = true
    }

    private func flushIfNeeded(_ context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    /// Closes once everything written so far has reached the socket: writes complete in order, so an empty
    /// write's completion means all earlier ones are done.
    private func closeAfterWrites(_ context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
