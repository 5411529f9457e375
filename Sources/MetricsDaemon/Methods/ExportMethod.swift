import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `export`: a page of a workspace's snapshots or daily rollups as NDJSON or CSV lines (`CSVCell`).
enum ExportMethod {
    enum Format: String, CaseIterable {
        case ndjson, csv
    }

    static func call(_ fields: Fields, store: any MetricsStorage, caller: Caller) async throws -> JSON {
        let workspaceId = try HistoryMethods.workspace(fields, caller: caller)
        let format = try fields.requiredEnum("format", Format.self)
        let source = try fields.optionalEnum("of", ExportSource.self) ?? .snapshots
        let since = try WireFormat.optionalTimestamp(fields, "since")
        let until = try WireFormat.optionalTimestamp(fields, "until")
        if let since, let until, until < since { throw RPCError.invalidParams(field: "until", reason: "must not be before since") }
        let cursor = try fields.optionalString("cursor")
        let page = try await store.export(
            workspaceId: workspaceId, source: source, since: since, until: until,
            limit: Int(try fields.optionalInt("limit", in: 1...10_000) ?? 5000), cursor: cursor)
        var lines: [JSON] = []
        if format == .csv, cursor == nil {
            lines.append(.string(CSVCell.line(["postId", "platform"] + (source == .daily ? ["day"] : []) + ["capturedAt"] + MetricValues.names)))
        }
        for row in page.rows {
            switch format {
            case .ndjson:
                var object: JSONObject = ["postId": .string(row.postId), "platform": .string(row.platform.rawValue)]
                if let day = row.day { object.append("day", .string(LocalCalendar.iso8601(day: day))) }
                object.append("capturedAt", .string(row.capturedAt.iso8601))
                WireFormat.metrics(row.values, into: &object)
                lines.append(.string(JSONWriter.string(.object(object))))
            case .csv:
                var cells = [row.postId, row.platform.rawValue]
                if let day = row.day { cells.append(LocalCalendar.iso8601(day: day)) }
                cells.append(row.capturedAt.iso8601)
                cells += MetricValues.names.map { row.values[$0].map(String.init) ?? "" }
                lines.append(.string(CSVCell.line(cells)))
            }
        }
        return [
            "format": .string(format.rawValue), "of": .string(source.rawValue), "lines": .array(lines),
            "nextCursor": .string(page.nextCursor),
        ]
    }
}
