import JSON

/// A request id as the client sent it. Numbers keep their literal text, so the reply echoes the same bytes.
public enum RPCID: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(JSONNumber)
    case null

    /// The id member of a request object; nil when the value is not a valid id kind (object, array, bool).
    init?(json: JSON) {
        switch json {
        case .string(let string): self = .string(string)
        case .number(let number): self = .number(number)
        case .null: self = .null
        default: return nil
        }
    }

    public var json: JSON {
        switch self {
        case .string(let string): .string(string)
        case .number(let number): .number(number)
        case .null: .null
        }
    }

    public var description: String { JSONWriter.string(json) }
}
