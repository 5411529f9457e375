import JSON

/// A well-formed request. `id == nil` marks a notification: it is executed but never answered.
public struct RPCRequest: Sendable, Equatable {
    public var id: RPCID?
    public var method: String
    /// An object (by name) or an array (by position); nil when the request had no `params`.
    public var params: JSON?

    public init(id: RPCID?, method: String, params: JSON? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    public var isNotification: Bool { id == nil }
}

/// One element of what a line carried: a request to run, or an invalid one to answer with an error.
public enum RPCEntry: Sendable, Equatable {
    case request(RPCRequest)
    /// Answered even when it had no id: the spec answers a malformed message with `id: null`.
    case invalid(id: RPCID, error: RPCError)
}

/// What one NDJSON line decodes to.
public enum RPCMessage: Sendable, Equatable {
    case single(RPCEntry)
    /// A non-empty array: answered with an array holding a reply per non-notification, or nothing at all.
    case batch([RPCEntry])
    /// A blank line: ignored, so `\r\n` endings and stray newlines from shell tools cost nothing.
    case empty
}
