import JSON
import JSONRPC
import Logging
import NIOCore

/// Asks a connection to finish: stop reading, answer what it is running, then close. Sent on shutdown.
struct DrainConnection: Sendable {}

/// One client connection on its event loop: feeds the channel's events to a `ConnectionStateMachine` and
/// performs the actions it returns. The rules (ordering, fairness, back-pressure, when to close) are the
/// state machine's, tested without sockets; what is here is only how each action is done with NIO.
///
/// Reads are paused by holding back the pipeline's `read()`, the way NIO's `BackPressureHandler` does,
/// rather than by turning `autoRead` off and on: the pause is then one more event for the state machine,
/// with no channel option to keep in step with it.
final class RPCConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let dispatcher: RPCDispatcher
    private let logger: Logger
    private var machine: ConnectionStateMachine
    private var context: ChannelHandlerContext?
    /// The task running the call at the head of the queue, to cancel when the connection goes away.
    private var call: Task<Void, Never>?
    private var peer: PeerCredentials?
    /// Made once per connection rather than once per line. Not optional: a closure read back out of an
    /// Optional is re-wrapped (reabstracted) on every use, which measured as two allocations per line.
    private var notify: @Sendable (String, JSON) -> Void = { _, _ in }
    /// What methods hold of this connection (subscriptions); made once the channel is known.
    private var handle: ConnectionHandle?
    /// Started once the reply of the call that registered them is written (a subscription's first event follows it).
    private var afterReply: [@Sendable () -> Void] = []

    init(dispatcher: RPCDispatcher, maximumLineBytes: Int, logger: Logger) {
        self.dispatcher = dispatcher
        self.machine = ConnectionStateMachine(maximumLineBytes: maximumLineBytes)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let channel = context.channel
        notify = { method, params in
            let bytes = RPCResponseEncoder.notificationLine(method: method, params: params)
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
        }
        handle = ConnectionHandle(channel: channel)
        if channel.isActive {
            readPeerCredentials(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        connectionEnded()
    }

    /// Subscriptions end, and what waited for a reply that will never be written starts (and finds the connection closed).
    private func connectionEnded() {
        handle?.closed()
        let pending = afterReply
        afterReply = []
        pending.forEach { $0() }
    }

    // MARK: Events in

    func channelActive(context: ChannelHandlerContext) {
        readPeerCredentials(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { machine.bytesRead($0) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        perform(machine.readComplete(), context: context)
    }

    func read(context: ChannelHandlerContext) {
        perform(machine.readRequested(), context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        perform(machine.writabilityChanged(isWritable: context.channel.isWritable), context: context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            perform(machine.inputClosed(), context: context)
        case is DrainConnection:
            perform(machine.drainForShutdown(), context: context)
        case let event as ConnectionHandle.AfterReply:
            afterReply.append(event.body)
        case let event as ConnectionHandle.HoldOpen:
            perform(machine.heldOpenChanged(event.count), context: context)
        case IdleStateHandler.IdleStateEvent.read:
            let action = machine.idleTimeout()
            switch action {
            case .wait: break
            case .closeNow: logger.debug("closing a connection that stopped reading its replies")
            default: logger.debug("closing idle connection")
            }
            perform(action, context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.channelInactive(), context: context)
        connectionEnded()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        perform(machine.errorCaught(), context: context)
    }

    private func scheduledTurn() {
        guard let context else { return }
        perform(machine.scheduledTurn(), context: context)
    }

    /// A task's call ended (on the event loop).
    private func callCompleted(_ reply: [UInt8]?) {
        call = nil
        guard let context else { return }
        perform(machine.callCompleted(reply), context: context)
    }

    // MARK: Actions out

    private func perform(_ first: ConnectionStateMachine.Action, context: ChannelHandlerContext) {
        var action = first
        while true {
            switch action {
            case .wait:
                return
            case .dispatch(let line):
                dispatch(line, context: context)
            case .write(let bytes):
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                if !afterReply.isEmpty {
                    // The machine writes only replies: this is the one the registering call was owed.
                    let started = afterReply
                    afterReply = []
                    context.flush()
                    started.forEach { $0() }
                }
            case .flush:
                context.flush()
            case .read:
                context.read()
            case .scheduleTurn:
                let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
                context.eventLoop.execute { handler.value.scheduledTurn() }
            case .closeAfterWrites:
                // Writes complete in order, so an empty write's completion means all earlier ones are done.
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
                    channel.close(promise: nil)
                }
            case .closeNow:
                context.close(promise: nil)
            case .cancelCall:
                call?.cancel()
                call = nil
            }
            action = machine.next()
        }
    }

    private func dispatch(_ line: [UInt8], context: ChannelHandlerContext) {
        let result = line.withUnsafeBytes { dispatcher.handle(line: $0, peer: peer, connection: handle, notify: notify) }
        switch result {
        case .none:
            machine.lineAnswered(nil)
        case .reply(let bytes):
            machine.lineAnswered(bytes)
        case .pending(let work):
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            call = Task {
                let bytes = await work()
                eventLoop.execute { handler.value.callCompleted(bytes) }
            }
            machine.callStarted()
        }
    }

    private func readPeerCredentials(context: ChannelHandlerContext) {
        guard peer == nil else { return }
        PeerCredentials.read(from: context.channel).assumeIsolated().whenSuccess { credentials in
            self.peer = credentials
        }
    }
}
