import JSON
import MetricsCore

/// How a snapshot's metadata is stored: a JSON object written by the one JSON writer, keys sorted so the same
/// metadata is always the same text.
extension MetadataValue {
    var json: JSON {
        switch self {
        case .int(let value): .int(value)
        // Non-finite numbers have no JSON spelling; no platform sends one, and null says "not a number".
        case .double(let value): JSONNumber(value).map(JSON.number) ?? .null
        case .string(let value): .string(value)
        case .bool(let value): .bool(value)
        case .object(let members): Self.object(members)
        }
    }

    static func object(_ members: [String: MetadataValue]) -> JSON {
        .object(JSONObject(members: members.sorted { $0.key < $1.key }.map { JSONObject.Member(key: $0.key, value: $0.value.json) }))
    }
}

extension Snapshot {
    /// The metadata as its daily rollup stores it (nil when there is none), the same text for either backend.
    package var metadataJSON: String? {
        metadata.isEmpty ? nil : JSONWriter.string(MetadataValue.object(metadata))
    }
}
