import JSON

/// Turns one line into requests, applying every rule of the JSON-RPC 2.0 spec about message shape.
public enum RPCMessageDecoder {
    public static func decode(line: UnsafeRawBufferPointer, maximumDepth: Int = JSONParser.defaultMaximumDepth) -> RPCMessage {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) {
            return .empty
        }
        let json: JSON
        do {
            json = try JSONParser.parse(line, maximumDepth: maximumDepth)
        } catch {
            return .single(.invalid(id: .null, error: .parseError(error.description)))
        }
        switch json {
        case .array(let elements):
            guard !elements.isEmpty else {
                return .single(.invalid(id: .null, error: .invalidRequest("empty batch")))
            }
            return .batch(elements.map(entry))
        default:
            return .single(entry(json))
        }
    }

    public static func decode(line: [UInt8]) -> RPCMessage {
        line.withUnsafeBytes { decode(line: $0) }
    }

    public static func decode(line: String) -> RPCMessage {
        decode(line: Array(line.utf8))
    }

    /// Validates one request object. When the object is broken but its id is readable, the error reply
    /// carries that id: more useful to a client than the `null` the spec allows.
    static func entry(_ json: JSON) -> RPCEntry {
        guard case .object(let object) = json else {
            return .invalid(id: .null, error: .invalidRequest("expected a request object, got \(json.kindName)"))
        }
        var id: RPCID?
        if let rawID = object["id"] {
            guard let valid = RPCID(json: rawID) else {
                return .invalid(id: .null, error: .invalidRequest("id must be a string, a number or null, got \(rawID.kindName)"))
            }
            id = valid
        }
        let replyID = id ?? .null
        guard object["jsonrpc"] == .string("2.0") else {
            return .invalid(id: replyID, error: .invalidRequest("jsonrpc must be \"2.0\""))
        }
        guard case .string(let method)? = object["method"] else {
            return .invalid(id: replyID, error: .invalidRequest("method must be a string"))
        }
        let params = object["params"]
        switch params {
        case nil, .array?, .object?: break
        case let other?:
            return .invalid(id: replyID, error: .invalidRequest("params must be an object or an array, got \(other.kindName)"))
        }
        for member in object where !["jsonrpc", "id", "method", "params"].contains(member.key) {
            return .invalid(id: replyID, error: .invalidRequest("unknown member \"\(member.key)\""))
        }
        return .request(RPCRequest(id: id, method: method, params: params))
    }
}
