import JSON
import JSONRPC

/// The OpenRPC description of every method, served by `rpc.discover`.
///
/// Schemas/openrpc.json is the only copy. `Sources/MetricsDaemon/openrpc.json` is a symlink to it, declared in
/// Package.swift as an `.embedInCode` resource, so SwiftPM compiles the file's bytes into the binary at every
/// build that sees it changed: the daemon needs no resource file wherever it is installed, and what it serves
/// cannot drift from what the repository holds.
enum OpenRPCDocument {
    static func load() throws -> JSON {
        try JSONParser.parse(PackageResources.openrpc_json)
    }
}
