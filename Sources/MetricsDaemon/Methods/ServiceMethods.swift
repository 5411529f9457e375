import JSON
import JSONRPC
import StorageContract

/// `health`, `rpc.discover` and `whoami`: what monitors, client generators and a caller wondering what it may do ask.
/// Open to anyone who can connect, whatever the access policy says.
enum ServiceMethods {
    static func all(health: HealthMonitor, store: any MetricsStorage, openRPC: JSON, access: AccessControl) -> [RPCMethod] {
        [
            // Inline on SQLite, like the other reads (see `ReadRoute`).
            store.synchronousReads.map { reads in .inline("health") { _, _ in health.report(reads: reads) } }
                ?? .task("health") { _, _ in await health.report() },
            .inline("rpc.discover") { _, _ in openRPC },
            .inline("whoami") { _, context in
                let grant = access.grant(context)
                let peer = context.peer
                return [
                    "uid": peer.map { .int($0.uid) } ?? .null,
                    "gid": peer.map { .int($0.gid) } ?? .null,
                    "pid": .int(peer?.pid),
                    "user": .string(peer.flatMap { AccessControl.userName($0.uid) }),
                    "role": .string(grant.role?.rawValue),
                    "workspaces": grant.workspaces.map { .array($0.sorted().map(JSON.string)) } ?? .null,
                ]
            },
        ]
    }
}
