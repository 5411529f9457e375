/// Platform-specific extras kept beside a snapshot's counters (reactions by type, clicks, watch time…),
/// stored as a JSON object. A closed enum rather than `Any` so it stays `Sendable` and round-trips exactly.
public enum MetadataValue: Sendable, Hashable, Codable {
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    case object([String: MetadataValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .object(try container.decode([String: MetadataValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

public typealias SnapshotMetadata = [String: MetadataValue]
