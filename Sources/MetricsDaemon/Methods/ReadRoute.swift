import JSON
import JSONRPC
import StorageContract

/// A read method in three steps: its params parsed and checked against the caller, the fetch, the reply rendered.
///
/// Only the fetch differs by store. On SQLite (`MetricsStorage.synchronousReads`) it runs inline on the
/// connection's event loop: a WAL read never waits for the writer, and skipping the task hop and the hop back to
/// the loop is what keeps `latestMetrics` in microseconds (`scripts/bench/rpc`). On a network database it runs as a
/// task, so a wait on PostgreSQL never holds an event loop. Both fetches are written side by side, as short as
/// the store calls they make; parsing and rendering are written once.
struct ReadRoute<Request: Sendable, Answer: Sendable> {
    let name: String
    let parameters: [String]
    let access: AccessControl
    let parse: @Sendable (Fields, Caller) throws -> Request
    let fetchNow: @Sendable (any SynchronousReads, Request, Caller) throws -> Answer
    let fetch: @Sendable (any MetricsStorage, Request, Caller) async throws -> Answer
    let render: @Sendable (Answer, Caller) throws -> JSON

    init(
        _ name: String, parameters: [String], access: AccessControl,
        parse: @escaping @Sendable (Fields, Caller) throws -> Request,
        fetchNow: @escaping @Sendable (any SynchronousReads, Request, Caller) throws -> Answer,
        fetch: @escaping @Sendable (any MetricsStorage, Request, Caller) async throws -> Answer,
        render: @escaping @Sendable (Answer, Caller) throws -> JSON
    ) {
        self.name = name
        self.parameters = parameters
        self.access = access
        self.parse = parse
        self.fetchNow = fetchNow
        self.fetch = fetch
        self.render = render
    }

    func method(store: any MetricsStorage) -> RPCMethod {
        let (name, access, parse, render) = (name, access, parse, render)
        if let reads = store.synchronousReads {
            let fetchNow = fetchNow
            return .inline(name, parameters: parameters) { fields, context in
                let caller = access.caller(name, context)
                return try render(try fetchNow(reads, try parse(fields, caller), caller), caller)
            }
        }
        let fetch = fetch
        return .task(name, parameters: parameters) { fields, context in
            let caller = access.caller(name, context)
            return try render(try await fetch(store, try parse(fields, caller), caller), caller)
        }
    }
}
