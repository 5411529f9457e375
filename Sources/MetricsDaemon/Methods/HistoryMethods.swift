import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// The reads that answer questions about history: `deltas`, `series`, `topPosts`, `anomalies`, `bestTimes`,
/// `export`, one file each (params → store read → rule → reply). Each rule is written in its method's description
/// in Schemas/openrpc.json and lives, pure and tested alone, in MetricsCore (`MetricChange`, `SeriesPoint`,
/// `WeeklySums`, `DailyTotal`, `TopPostsRanking`, `AnomalyDetection`, `BestTimes`, `CSVCell`); the reads are the
/// store's. They run as tasks: a workspace's worth of seeks is milliseconds, not the microseconds an event loop lends.
enum HistoryMethods {
    static let maximumPageSize: Int64 = 1000
    static let maximumPostIds = 1000
    static let day: Int64 = 86_400_000

    static func all(store: any MetricsStorage, clock: any WallClock, access: AccessControl) -> [RPCMethod] {
        [
            .task("deltas", parameters: ["postIds", "workspaceId", "platform", "period", "limit", "cursor"]) { fields, context in
                try await DeltasMethod.call(fields, store: store, caller: access.caller("deltas", context))
            },
            .task("series", parameters: ["postIds", "workspaceId", "platform", "metric", "interval", "since", "until"]) { fields, context in
                try await SeriesMethod.call(fields, store: store, caller: access.caller("series", context))
            },
            .task("topPosts", parameters: ["workspaceId", "metric", "by", "since", "until", "platform", "limit"]) { fields, context in
                try await TopPostsMethod.call(fields, store: store, now: clock.now, caller: access.caller("topPosts", context))
            },
            .task("anomalies", parameters: ["workspaceId", "since", "metric"]) { fields, context in
                try await AnomaliesMethod.call(fields, store: store, now: clock.now, caller: access.caller("anomalies", context))
            },
            .task("bestTimes", parameters: ["workspaceId", "platform", "metric"]) { fields, context in
                try await BestTimesMethod.call(fields, store: store, caller: access.caller("bestTimes", context))
            },
            .task("export", parameters: ["workspaceId", "since", "until", "format", "of", "limit", "cursor"]) { fields, context in
                try await ExportMethod.call(fields, store: store, caller: access.caller("export", context))
            },
        ]
    }

    /// The posts a call covers, checked against the caller's workspaces.
    static func posts(_ fields: Fields, workspaceOnly: [String], caller: Caller, store: any MetricsStorage) async throws -> Posts {
        let posts = try posts(fields, workspaceOnly: workspaceOnly)
        switch posts {
        case .ids(let ids): try await caller.requireVisible(posts: ids, store: store, parameter: ItemsParameter(name: "postIds", itemsAreIds: true))
        case .workspace(let id, _): try caller.require(workspace: id)
        }
        return posts
    }

    /// `workspaceId`, checked against the caller's workspaces.
    static func workspace(_ fields: Fields, caller: Caller) throws -> String {
        let id = try WireFormat.id(fields, "workspaceId")
        try caller.require(workspace: id)
        return id
    }

    // MARK: Params the methods share

    /// `postIds`, or `workspaceId` with `platform` (and paging where the method pages).
    enum Posts {
        case ids([String])
        case workspace(String, Platform?)
    }

    static func posts(_ fields: Fields, workspaceOnly: [String]) throws(RPCError) -> Posts {
        if fields.has("postIds") {
            for other in ["workspaceId", "platform"] + workspaceOnly where fields.has(other) {
                throw .invalidParams(field: other, reason: "give either postIds, or workspaceId (with platform\(workspaceOnly.isEmpty ? "" : ", " + workspaceOnly.joined(separator: ", "))), not both")
            }
            return .ids(try fields.strings("postIds", maxCount: maximumPostIds, maxLength: WireFormat.maximumIDLength))
        }
        guard fields.has("workspaceId") else {
            throw .invalidParams(field: "postIds", reason: "required: give postIds, or workspaceId")
        }
        return .workspace(try WireFormat.id(fields, "workspaceId"), try fields.optionalEnum("platform", Platform.self))
    }

    static func metric(_ fields: Fields, default fallback: HistoryMetric?, allowRate: Bool) throws(RPCError) -> HistoryMetric {
        let accepted = allowRate ? HistoryMetric.allCases : HistoryMetric.counters
        guard let raw = try fields.optionalString("metric") else {
            guard let fallback else {
                throw .invalidParams(field: "metric", reason: "required, expected one of \(accepted.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            return fallback
        }
        guard let metric = HistoryMetric(rawValue: raw), accepted.contains(metric) else {
            throw .invalidParams(
                field: "metric", reason: "expected one of \(accepted.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(raw)\"")
        }
        return metric
    }

    static func number(_ value: Double?) -> JSON {
        value.flatMap { JSONNumber($0) }.map(JSON.number) ?? .null
    }

    static func reading(_ capturedAt: Timestamp?, _ values: MetricValues) -> JSON {
        guard let capturedAt else { return .null }
        return WireFormat.point(capturedAt: capturedAt, values: values)
    }
}
