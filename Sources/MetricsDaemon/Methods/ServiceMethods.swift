import JSONRPC

/// `health` and `rpc.discover`: what monitors and client generators ask.
enum ServiceMethods {
    static func all(health: HealthMonitor, openRPC: JSON) -> [RPCMethod] {
        [
            .inline("health") { _, _ in health.report() },
            .inline("rpc.discover") { _, _ in openRPC },
        ]
    }
}
