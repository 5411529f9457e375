import JSONRPC
import Logging
import NIOCore

/// Asks a connection to finish: stop reading, answer what it is running, then close. Sent on shutdown.
struct DrainConnection: Sendable {}

/// One client connection: frames lines, dispatches each, writes replies.
///
/// It lives on the connection's event loop. Fast methods are answered right here, in the read callback, and
/// flushed once per read burst; slow ones run as tasks whose replies hop back to this loop.
///
/// Requests on one connection are handled in order: while a task runs, later lines wait in `queued`, so a
/// read pipelined after a write sees that write (what socat scripts and simple clients assume). Concurrency
/// comes from connections, which are fully independent. The connection closes only when the client is done
/// sending (EOF, half-close, a too-long line, idle, or shutdown) AND every reply owed has been written, so a
/// client that half-closes still gets all its answers.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let dispatcher: RPCDispatcher
    private let logger: Logger
    private var framer: LineFramer
    /// Calls running as tasks whose replies are still owed (0 or 1: one line at a time).
    private var outstanding = 0
    /// Lines that arrived while a task was running, in arrival order.
    private var queued: [[UInt8]] = []
    private var queueHead = 0
    /// Reads are paused while this many lines wait, so a client cannot queue unbounded work.
    private static let maximumQueuedLines = 1024
    private var readsPaused = false
    /// No more requests will be read; close once `outstanding` reaches zero.
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

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finishing else { return }
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { event in handle(event, context: context) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // The client half-closed (socat after its stdin ended): a last line without `\n` still counts.
            framer.finish { event in handle(event, context: context) }
            flushIfNeeded(context)
            finish(context)
        case is DrainConnection:
            finish(context)
        case IdleStateHandler.IdleStateEvent.read where outstanding == 0:
            logger.debug("closing idle connection")
            finish(context)
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

    private func handle(_ event: LineFramer.Event, context: ChannelHandlerContext) {
        switch event {
        case .line(let line):
            if outstanding == 0, queueHead == queued.count {
                dispatch(line, context: context)
            } else {
                queued.append(line)
                if queued.count - queueHead >= Self.maximumQueuedLines, !readsPaused {
                    readsPaused = true
                    context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
                }
            }
        case .tooLong(let limit):
            let error = RPCError.invalidRequest(
                "request line longer than \(limit) bytes; the connection will close",
                data: ["limitBytes": .int(limit)])
            write(RPCResponseEncoder.line(id: .null, outcome: .failure(error)), context: context)
            flushIfNeeded(context)
            finish(context)
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
            outstanding += 1
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
        outstanding -= 1
        guard let context, !closed else { return }
        if let bytes {
            write(bytes, context: context)
        }
        runQueued(context)
        flushIfNeeded(context)
        if finishing, outstanding == 0 {
            closeAfterWrites(context)
        }
    }

    /// Dispatches waiting lines until one of them starts a task (or none are left).
    private func runQueued(_ context: ChannelHandlerContext) {
        while outstanding == 0, queueHead < queued.count {
            let line = queued[queueHead]
            queueHead += 1
            dispatch(line, context: context)
        }
        if queueHead == queued.count {
            queued.removeAll(keepingCapacity: true)
            queueHead = 0
            if readsPaused, !finishing {
                readsPaused = false
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                context.read()
            }
        }
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

    private func finish(_ context: ChannelHandlerContext) {
        guard !finishing else { return }
        finishing = true
        if outstanding == 0 {
            closeAfterWrites(context)
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
