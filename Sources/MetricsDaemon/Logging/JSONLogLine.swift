import JSON
import JSONRPC
import Logging

/// One log entry as one line of JSON (`--log-format json`), written with the project's one JSON writer:
/// `{"time":…,"level":…,"label":…,"message":…,"source":…, then the metadata's keys}`.
///
/// Metadata keys sit at the top level, next to the fixed ones, so `jq 'select(.run == "7")'` and log shippers
/// read them without a path; a metadata key that is one of the fixed names (or `error` when the entry carries an
/// error of its own) is written as `metadata.KEY` instead of overwriting it. Keys are sorted, so a line reads the
/// same way every time.
public enum JSONLogLine {
    static let fixedKeys: Set<String> = ["time", "level", "label", "message", "source"]

    public static func render(
        time: String, level: Logger.Level, label: String, message: String, source: String, error: (any Error)? = nil,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 256)
        writer.beginObject()
        writer.field("time", time)
        writer.field("level", level.rawValue)
        writer.field("label", label)
        writer.field("message", message)
        writer.field("source", source)
        if let error { writer.field("error", "\(error)") }
        for key in metadata.keys.sorted() {
            let taken = fixedKeys.contains(key) || (key == "error" && error != nil)
            writer.key(taken ? "metadata.\(key)" : key)
            writer.value(json(metadata[key]!))
        }
        writer.endObject()
        var bytes = writer.bytes
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    static func json(_ value: Logger.MetadataValue) -> JSON {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let value): .string(value.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let entries):
            .object(JSONObject(members: entries.keys.sorted().map { .init(key: $0, value: json(entries[$0]!)) }))
        }
    }
}
