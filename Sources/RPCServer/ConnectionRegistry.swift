import NIOCore
import Synchronization
import Telemetry

/// The open connections, shared by the accept path (admission against the cap) and shutdown (drain all), and
/// counted for `metricsd_rpc_connections`.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    let telemetry: RPCTelemetry

    init(telemetry: RPCTelemetry) {
        self.telemetry = telemetry
    }

    /// Registers `channel` unless `limit` connections are already open; it leaves when it closes.
    func admit(_ channel: any Channel, limit: Int) -> Bool {
        let id = ObjectIdentifier(channel)
        let admitted = channels.withLock { table -> Bool in
            guard table.count < limit else { return false }
            table[id] = channel
            return true
        }
        if admitted {
            telemetry.openConnections.increment()
            channel.closeFuture.whenComplete { _ in
                _ = self.channels.withLock { $0.removeValue(forKey: id) }
                self.telemetry.openConnections.decrement()
            }
        }
        return admitted
    }

    var all: [any Channel] {
        channels.withLock { Array($0.values) }
    }
}
