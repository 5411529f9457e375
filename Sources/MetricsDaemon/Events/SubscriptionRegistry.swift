import JSONRPC
import StorageContract
import Synchronization
import Telemetry

/// The subscriptions open on the socket, by connection: at most `perConnection` each, ended by `unsubscribe` or
/// when their connection closes, and counted for the connection so it stays open (and is not idle) while any are.
final class SubscriptionRegistry: Sendable {
    static let perConnection = 64

    struct TooMany: Error {}

    private struct Connection {
        /// nil until the `subscribe` reply is written and delivery starts: `unsubscribe` or a close before then still
        /// finds it.
        var subscriptions: [String: Task<Void, Never>?] = [:]
    }

    private struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var next: UInt64 = 0
    }

    private let state = Mutex(State())
    private let telemetry: EventTelemetry

    init(telemetry: EventTelemetry) {
        self.telemetry = telemetry
    }

    /// Opens a subscription on `connection` whose delivery starts once the `subscribe` reply is written; returns its id.
    func open(
        on connection: any RPCConnectionHandle, filter: EventFilter, fanout: EventFanout, after cursor: Int64, replaying: Bool
    ) throws(TooMany) -> String {
        let key = ObjectIdentifier(connection)
        let (id, count, first) = try state.withLock { state throws(TooMany) -> (String, Int, Bool) in
            let first = state.connections[key] == nil
            var entry = state.connections[key] ?? Connection()
            guard entry.subscriptions.count < Self.perConnection else { throw TooMany() }
            state.next += 1
            let id = "sub_\(state.next)"
            entry.subscriptions[id] = .some(nil)
            state.connections[key] = entry
            return (id, entry.subscriptions.count, first)
        }
        telemetry.subscriptionOpened()
        connection.holdOpen(count)
        if first {
            connection.onClose { [weak self] in self?.closeAll(key) }
        }
        let subscription = Subscription(id: id, filter: filter, fanout: fanout, connection: connection)
        connection.afterReply { [self] in
            let task = Task {
                let end = await subscription.run(after: cursor, replaying: replaying)
                if end == .lagged { self.telemetry.subscriptionLagged() }
                self.remove(id, on: connection, cancelling: false)
            }
            let kept = state.withLock { state -> Bool in
                guard state.connections[key]?.subscriptions[id] != nil else { return false }
                state.connections[key]?.subscriptions[id] = task
                return true
            }
            if !kept { task.cancel() }
        }
        return id
    }

    /// Ends a subscription of this connection; false when it has none by that id.
    func unsubscribe(_ id: String, on connection: any RPCConnectionHandle) -> Bool {
        remove(id, on: connection, cancelling: true)
    }

    @discardableResult
    private func remove(_ id: String, on connection: any RPCConnectionHandle, cancelling: Bool) -> Bool {
        let key = ObjectIdentifier(connection)
        let removed = state.withLock { state -> (Task<Void, Never>?, Int)? in
            guard let task = state.connections[key]?.subscriptions.removeValue(forKey: id) else { return nil }
            return (task, state.connections[key]?.subscriptions.count ?? 0)
        }
        guard let (task, left) = removed else { return false }
        if cancelling { task?.cancel() }
        telemetry.subscriptionClosed()
        connection.holdOpen(left)
        return true
    }

    private func closeAll(_ key: ObjectIdentifier) {
        let tasks = state.withLock { state in state.connections.removeValue(forKey: key)?.subscriptions.values.map { $0 } ?? [] }
        for task in tasks {
            task?.cancel()
            telemetry.subscriptionClosed()
        }
    }

    /// Subscriptions open on every connection.
    var count: Int {
        state.withLock { $0.connections.values.reduce(0) { $0 + $1.subscriptions.count } }
    }
}
