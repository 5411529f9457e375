import JSONRPC
import NIOCore
import Synchronization

/// What a method holds of its caller's connection (`RPCConnectionHandle`): a subscription sends on it after its
/// reply, as fast as the client reads, and ends when it closes.
///
/// It reaches the connection's handler only through pipeline events (`AfterReply`, `HoldOpen`), which NIO delivers on
/// the connection's event loop in the order they were fired: one fired by a call while it runs arrives before that
/// call's completion, so `afterReply` always sees the reply it waits for. It holds no reference to the handler, so
/// nothing outlives the channel.
final class ConnectionHandle: RPCConnectionHandle {
    struct AfterReply: Sendable {
        let body: @Sendable () -> Void
    }

    struct HoldOpen: Sendable {
        let count: Int
    }

    private struct State {
        var isClosed = false
        var onClose: [@Sendable () -> Void] = []
    }

    private let channel: any Channel
    private let state = Mutex(State())

    init(channel: any Channel) {
        self.channel = channel
    }

    func afterReply(_ body: @escaping @Sendable () -> Void) {
        if state.withLock({ $0.isClosed }) { return body() }
        channel.pipeline.fireUserInboundEventTriggered(AfterReply(body: body))
    }

    func send(_ lines: [UInt8]) async -> Bool {
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(bytes: lines)).get()
            return true
        } catch {
            return false
        }
    }

    func onClose(_ body: @escaping @Sendable () -> Void) {
        let closed = state.withLock { state -> Bool in
            if !state.isClosed { state.onClose.append(body) }
            return state.isClosed
        }
        if closed { body() }
    }

    func holdOpen(_ count: Int) {
        channel.pipeline.fireUserInboundEventTriggered(HoldOpen(count: count))
    }

    /// The connection closed: runs what waited for it, once.
    func closed() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.isClosed else { return [] }
            state.isClosed = true
            defer { state.onClose = [] }
            return state.onClose
        }
        callbacks.forEach { $0() }
    }
}
