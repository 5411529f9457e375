import JSON

/// What a handler can do besides returning: talk back on the caller's connection before the reply.
public struct CallContext: Sendable {
    public let requestID: RPCID?
    /// The connection's peer, when the transport knows it (a Unix socket does); nil in tests that call the
    /// dispatcher directly.
    public let peer: PeerCredentials?
    /// The connection itself, when the transport has one (the socket server); nil when a test calls the dispatcher.
    public let connection: (any RPCConnectionHandle)?
    private let sink: @Sendable (String, JSON) -> Void

    public init(
        requestID: RPCID?, peer: PeerCredentials? = nil, connection: (any RPCConnectionHandle)? = nil,
        notify: @escaping @Sendable (String, JSON) -> Void
    ) {
        self.requestID = requestID
        self.peer = peer
        self.connection = connection
        self.sink = notify
    }

    /// Sends a JSON-RPC notification to the caller (e.g. refresh progress). A notification call has no one
    /// waiting for it, so nothing is sent for it.
    public func notify(method: String, params: JSON) {
        guard requestID != nil else { return }
        sink(method, params)
    }
}

/// A method the server answers: its name, its parameter names in positional order, and its handler.
public struct RPCMethod: Sendable {
    public enum Execution: Sendable {
        /// Runs on the connection's event loop, with no thread hop: for fast non-blocking work such as an
        /// indexed read of a WAL database, where the hop would cost more than the work.
        case inline(@Sendable (Fields, CallContext) throws -> JSON)
        /// Runs as a task, for work that waits (writes, refreshes) and must never hold an event loop.
        case task(@Sendable (Fields, CallContext) async throws -> JSON)
    }

    public let name: String
    /// Names in the order positional params map onto them (OpenRPC's `paramStructure: "either"`).
    public let parameters: [String]
    public let execution: Execution

    public init(_ name: String, parameters: [String], execution: Execution) {
        self.name = name
        self.parameters = parameters
        self.execution = execution
    }

    public static func inline(_ name: String, parameters: [String] = [], _ body: @escaping @Sendable (Fields, CallContext) throws -> JSON) -> RPCMethod {
        RPCMethod(name, parameters: parameters, execution: .inline(body))
    }

    public static func task(_ name: String, parameters: [String] = [], _ body: @escaping @Sendable (Fields, CallContext) async throws -> JSON) -> RPCMethod {
        RPCMethod(name, parameters: parameters, execution: .task(body))
    }

    /// Params by name or by position, as one `Fields` view. Unknown names and surplus positions are errors
    /// that name the offending member.
    func fields(from params: JSON?) throws(RPCError) -> Fields {
        switch params {
        case nil:
            return Fields(object: JSONObject())
        case .object(let object)?:
            let fields = Fields(object: object)
            try fields.rejectUnknown(allowed: parameters)
            return fields
        case .array(let values)?:
            guard values.count <= parameters.count else {
                throw .invalidParams(
                    field: "params[\(parameters.count)]",
                    reason: "\(name) takes at most \(parameters.count) positional params (\(parameters.joined(separator: ", "))), got \(values.count)"
                )
            }
            var object = JSONObject()
            for (name, value) in zip(parameters, values) {
                object.append(name, value)
            }
            return Fields(object: object)
        case let other?:
            throw .invalidParams(field: "params", reason: "expected an object or an array, got \(other.kindName)")
        }
    }
}
