import JSON

/// What the transport must do with one line.
public enum RPCDispatchResult: Sendable {
    /// Nothing to send: notifications only, or a blank line.
    case none
    /// The complete reply line, ready to write.
    case reply([UInt8])
    /// Some call must wait; run this (off the event loop) and write what it returns, if anything.
    case pending(@Sendable () async -> [UInt8]?)
}

/// Routes decoded requests to methods and renders the replies: the whole of JSON-RPC's semantics with no
/// I/O, so the server only moves bytes and tests can drive it directly.
public struct RPCDispatcher: Sendable {
    /// A method with the probe its calls are recorded in.
    private struct Route: Sendable {
        let method: RPCMethod
        let probe: any RPCCallProbe
    }

    private let methods: [String: Route]
    private let unknownMethodProbe: any RPCCallProbe
    private let invalidRequestProbe: any RPCCallProbe
    private let mapError: @Sendable (any Error, String) -> RPCError

    /// `mapError` turns a handler's domain error into an `RPCError`; it receives the method name so the
    /// owner can log unexpected failures with context. `RPCError`s thrown by handlers pass through.
    /// `observer`, when given, is told of every answer (metrics).
    public init(
        methods: [RPCMethod], observer: (any RPCCallObserver)? = nil,
        mapError: @escaping @Sendable (any Error, String) -> RPCError
    ) {
        var table: [String: Route] = [:]
        for method in methods {
            precondition(table[method.name] == nil, "method \(method.name) registered twice")
            table[method.name] = Route(method: method, probe: observer?.probe(forMethod: method.name) ?? IgnoringProbe())
        }
        self.methods = table
        self.unknownMethodProbe = observer?.unknownMethodProbe ?? IgnoringProbe()
        self.invalidRequestProbe = observer?.invalidRequestProbe ?? IgnoringProbe()
        self.mapError = mapError
    }

    public var methodNames: [String] { methods.keys.sorted() }

    /// `peer` is who sent the line, passed to every call it contains.
    public func handle(
        line: UnsafeRawBufferPointer, peer: PeerCredentials? = nil, connection: (any RPCConnectionHandle)? = nil,
        notify: @escaping @Sendable (String, JSON) -> Void
    ) -> RPCDispatchResult {
        switch RPCMessageDecoder.decode(line: line) {
        case .empty:
            return .none
        case .single(let entry):
            switch run(entry, peer: peer, connection: connection, notify: notify) {
            case .silent:
                return .none
            case .done(let id, let outcome):
                return .reply(RPCResponseEncoder.line(id: id, outcome: outcome))
            case .later(let id, let work):
                return .pending {
                    let outcome = await work()
                    return id.map { RPCResponseEncoder.line(id: $0, outcome: outcome) }
                }
            }
        case .batch(let entries):
            let outcomes = entries.map { run($0, peer: peer, connection: connection, notify: notify) }
            if outcomes.contains(where: { if case .later = $0 { true } else { false } }) {
                return .pending { await Self.renderBatch(outcomes) }
            }
            return Self.renderBatchNow(outcomes).map(RPCDispatchResult.reply) ?? .none
        }
    }

    public func handle(
        line: [UInt8], peer: PeerCredentials? = nil, notify: @escaping @Sendable (String, JSON) -> Void = { _, _ in }
    ) -> RPCDispatchResult {
        line.withUnsafeBytes { handle(line: $0, peer: peer, notify: notify) }
    }

    // MARK: Running one entry

    private enum Outcome: Sendable {
        case silent
        case done(RPCID, Result<JSON, RPCError>)
        /// `id` nil for a notification: run it, send nothing.
        case later(RPCID?, @Sendable () async -> Result<JSON, RPCError>)
    }

    private func run(
        _ entry: RPCEntry, peer: PeerCredentials?, connection: (any RPCConnectionHandle)?, notify: @escaping @Sendable (String, JSON) -> Void
    ) -> Outcome {
        let request: RPCRequest
        switch entry {
        case .invalid(let id, let error):
            invalidRequestProbe.answered(errorCode: error.code, duration: .zero)
            return .done(id, .failure(error))
        case .request(let valid):
            request = valid
        }
        let reply: (Result<JSON, RPCError>) -> Outcome = { outcome in
            request.id.map { .done($0, outcome) } ?? .silent
        }
        guard let route = methods[request.method] else {
            unknownMethodProbe.answered(errorCode: RPCError.methodNotFoundCode, duration: .zero)
            return reply(.failure(.methodNotFound(request.method)))
        }
        let (method, probe) = (route.method, route.probe)
        let started = ContinuousClock.now
        let fields: Fields
        do {
            fields = try method.fields(from: request.params)
        } catch {
            probe.answered(errorCode: error.code, duration: ContinuousClock.now - started)
            return reply(.failure(error))
        }
        let context = CallContext(requestID: request.id, peer: peer, connection: connection, notify: notify)
        let mapError = self.mapError
        switch method.execution {
        case .inline(let body):
            let outcome: Result<JSON, RPCError>
            do {
                outcome = .success(try body(fields, context))
            } catch {
                outcome = .failure(Self.rpcError(error, method: method.name, mapError))
            }
            probe.answered(errorCode: outcome.errorCode, duration: ContinuousClock.now - started)
            return reply(outcome)
        case .task(let body):
            return .later(request.id) {
                let outcome: Result<JSON, RPCError>
                do {
                    outcome = .success(try await body(fields, context))
                } catch where Task.isCancelled {
                    // The server cancels a call whose connection went away: nobody will read this reply, and
                    // whatever the method threw on its way out is no failure to map (and log) as the daemon's.
                    outcome = .failure(.internalError)
                } catch {
                    outcome = .failure(Self.rpcError(error, method: method.name, mapError))
                }
                probe.answered(errorCode: outcome.errorCode, duration: ContinuousClock.now - started)
                return outcome
            }
        }
    }

    private static func rpcError(_ error: any Error, method: String, _ mapError: (any Error, String) -> RPCError) -> RPCError {
        (error as? RPCError) ?? mapError(error, method)
    }

    // MARK: Batches

    private static func renderBatchNow(_ outcomes: [Outcome]) -> [UInt8]? {
        var writer = JSONWriter()
        var count = 0
        writer.writeRaw("[")
        for case .done(let id, let result) in outcomes {
            if count > 0 { writer.writeRaw(",") }
            RPCResponseEncoder.write(id: id, outcome: result, into: &writer)
            count += 1
        }
        writer.writeRaw("]\n")
        // The spec: a batch of notifications only gets no reply at all, not an empty array.
        return count == 0 ? nil : writer.bytes
    }

    /// Runs the batch's waiting calls concurrently and answers in request order.
    private static func renderBatch(_ outcomes: [Outcome]) async -> [UInt8]? {
        var resolved = outcomes
        await withTaskGroup(of: (Int, Outcome).self) { group in
            for (index, outcome) in outcomes.enumerated() {
                guard case .later(let id, let work) = outcome else { continue }
                group.addTask {
                    let result = await work()
                    return (index, id.map { .done($0, result) } ?? .silent)
                }
            }
            for await (index, outcome) in group {
                resolved[index] = outcome
            }
        }
        return renderBatchNow(resolved)
    }
}

extension Result<JSON, RPCError> {
    fileprivate var errorCode: Int? {
        if case .failure(let error) = self { error.code } else { nil }
    }
}
