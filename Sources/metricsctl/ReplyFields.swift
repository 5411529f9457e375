import JSON
import JSONRPC

/// Typed reads out of a result object. A reply that lacks what the method's schema promises is reported
/// (exit 2, naming the path) instead of being printed as blanks that look like data.
struct ReplyFields {
    let object: JSONObject
    let path: String

    init(_ value: JSON, path: String = "result") throws(CommandFailure) {
        guard case .object(let object) = value else {
            throw .unexpectedReply("\(path) is \(value.kindName), expected an object")
        }
        self.object = object
        self.path = path
    }

    subscript(name: String) -> JSON? { object[name] }

    func string(_ name: String) throws(CommandFailure) -> String {
        guard case .string(let value)? = object[name] else { throw missing(name, "a string") }
        return value
    }

    /// nil for null or absent: the schema's optional strings (`nextCursor`, `lastError`).
    func optionalString(_ name: String) throws(CommandFailure) -> String? {
        switch object[name] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw missing(name, "a string or null")
        }
    }

    func int(_ name: String) throws(CommandFailure) -> Int64 {
        guard case .number(let number)? = object[name], let value = number.int64 else { throw missing(name, "an integer") }
        return value
    }

    func bool(_ name: String) throws(CommandFailure) -> Bool {
        guard case .bool(let value)? = object[name] else { throw missing(name, "a boolean") }
        return value
    }

    func array(_ name: String) throws(CommandFailure) -> [JSON] {
        guard case .array(let elements)? = object[name] else { throw missing(name, "an array") }
        return elements
    }

    /// Each element of an array of objects, rooted at its own path (`result.posts[3]`).
    func objects(_ name: String) throws(CommandFailure) -> [ReplyFields] {
        var result: [ReplyFields] = []
        for (index, element) in try array(name).enumerated() {
            result.append(try ReplyFields(element, path: "\(path).\(name)[\(index)]"))
        }
        return result
    }

    func nested(_ name: String) throws(CommandFailure) -> ReplyFields {
        try ReplyFields(object[name] ?? .null, path: "\(path).\(name)")
    }

    private func missing(_ name: String, _ expected: String) -> CommandFailure {
        .unexpectedReply("\(path).\(name) is \(object[name]?.kindName ?? "missing"), expected \(expected)")
    }
}
