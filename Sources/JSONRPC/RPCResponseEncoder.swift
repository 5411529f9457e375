import JSON

/// Writes response objects and notifications as NDJSON lines (terminated by `\n`).
public enum RPCResponseEncoder {
    public static func success(id: RPCID, result: JSON, into writer: inout JSONWriter) {
        writer.writeRaw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.write(id.json)
        writer.writeRaw(",\"result\":")
        writer.write(result)
        writer.writeRaw("}")
    }

    public static func failure(id: RPCID, error: RPCError, into writer: inout JSONWriter) {
        writer.writeRaw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.write(id.json)
        writer.writeRaw(",\"error\":")
        writer.write(error.json)
        writer.writeRaw("}")
    }

    public static func line(id: RPCID, outcome: Result<JSON, RPCError>) -> [UInt8] {
        var writer = JSONWriter()
        write(id: id, outcome: outcome, into: &writer)
        writer.writeRaw("\n")
        return writer.bytes
    }

    public static func write(id: RPCID, outcome: Result<JSON, RPCError>, into writer: inout JSONWriter) {
        switch outcome {
        case .success(let result): success(id: id, result: result, into: &writer)
        case .failure(let error): failure(id: id, error: error, into: &writer)
        }
    }

    /// A server-to-client notification, e.g. refresh progress before the final reply.
    public static func notificationLine(method: String, params: JSON) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeRaw("{\"jsonrpc\":\"2.0\",\"method\":")
        writer.write(string: method)
        writer.writeRaw(",\"params\":")
        writer.write(params)
        writer.writeRaw("}\n")
        return writer.bytes
    }
}
