import JSONRPC

/// The OpenRPC description of every method, served by `rpc.discover`.
///
/// Schemas/openrpc.json is the source; `scripts/embed-openrpc` compiles its text into the binary, so the
/// daemon needs no resource files wherever it is installed, and a test fails if the two ever differ.
enum OpenRPCDocument {
    static func load() throws -> JSON {
        try JSONParser.parse(text)
    }
}
