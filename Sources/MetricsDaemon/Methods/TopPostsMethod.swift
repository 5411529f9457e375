import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `topPosts`: a workspace's posts ranked by a metric's value at a moment, or by its increase over a period
/// (`TopPostsRanking`).
enum TopPostsMethod {
    enum Ranking: String, CaseIterable {
        case value, increase
    }

    static func call(_ fields: Fields, store: any MetricsStorage, now: Timestamp, caller: Caller) async throws -> JSON {
        let workspaceId = try HistoryMethods.workspace(fields, caller: caller)
        let metric = try HistoryMethods.metric(fields, default: nil, allowRate: true)
        let by = try fields.requiredEnum("by", Ranking.self)
        let platform = try fields.optionalEnum("platform", Platform.self)
        let limit = Int(try fields.optionalInt("limit", in: 1...HistoryMethods.maximumPageSize) ?? 10)
        let until = try WireFormat.optionalTimestamp(fields, "until")
        let since = try WireFormat.optionalTimestamp(fields, "since")
        if let since, let until, until < since { throw RPCError.invalidParams(field: "until", reason: "must not be before since") }

        func readings(at bound: ReadingBound) async throws -> [TopPostsRanking.Reading] {
            try await store.readings(workspaceId: workspaceId, platform: platform, at: bound).readings.map { reading in
                TopPostsRanking.Reading(
                    postId: reading.postId, platform: reading.platform, postedAt: reading.postedAt,
                    value: reading.capturedAt == nil ? nil : metric.value(of: reading.values))
            }
        }
        let ranked: [TopPostsRanking.Entry]
        let end = by == .increase ? until ?? now : until
        let start = (since ?? (until ?? now).adding(milliseconds: -7 * HistoryMethods.day))
        switch by {
        case .value:
            ranked = TopPostsRanking.byValue(try await readings(at: until.map(ReadingBound.atOrBefore) ?? .latest), limit: limit)
        case .increase:
            let starts = Dictionary(try await readings(at: .atOrBefore(start)).map { ($0.postId, $0) }, uniquingKeysWith: { first, _ in first })
            ranked = TopPostsRanking.byIncrease(ends: try await readings(at: .atOrBefore(until ?? now)), starts: starts, limit: limit)
        }
        let posts: [JSON] = ranked.enumerated().map { index, entry in
            [
                "rank": .int(index + 1), "postId": .string(entry.postId), "platform": .string(entry.platform.rawValue),
                "postedAt": .string(entry.postedAt.iso8601), "value": HistoryMethods.number(entry.value),
                "from": HistoryMethods.number(entry.from), "to": HistoryMethods.number(entry.to),
            ]
        }
        return [
            "metric": .string(metric.rawValue), "by": .string(by.rawValue),
            "since": by == .increase ? .string(start.iso8601) : .null,
            "until": WireFormat.timestamp(end), "posts": .array(posts),
        ]
    }
}
