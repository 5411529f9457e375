import JSONRPC
import MetricsCore
import MetricsStore

/// `listAccounts`, `listPosts`, `latestMetrics`, `history`: answered inline on the connection's event loop,
/// straight from WAL snapshots, so no refresh or write ever queues in front of them.
enum ReadMethods {
    static let maximumPostIDs = 1000
    static let maximumPageSize: Int64 = 1000
    static let maximumHistoryPoints: Int64 = 10_000

    static func all(store: MetricsStore, clock: any WallClock, failures: FailureBackoff) -> [RPCMethod] {
        [
            .inline("listAccounts", parameters: ["workspaceId"]) { fields, _ in
                let workspaceId = try fields.optionalString("workspaceId", maxLength: WireFormat.maximumIDLength)
                return ["accounts": .array(try store.listAccounts(workspaceId: workspaceId).map(WireFormat.account))]
            },

            .inline("listPosts", parameters: ["workspaceId", "accountId", "limit", "cursor"]) { fields, _ in
                let page = try store.listPosts(
                    workspaceId: try fields.optionalString("workspaceId", maxLength: WireFormat.maximumIDLength),
                    accountId: try fields.optionalString("accountId", maxLength: WireFormat.maximumIDLength),
                    limit: Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 100),
                    cursor: try fields.optionalString("cursor"))
                let now = clock.now
                return [
                    "posts": .array(page.posts.map { WireFormat.post($0, now: now, failures: failures) }),
                    "nextCursor": .string(page.nextCursor),
                ]
            },

            .inline("latestMetrics", parameters: ["postIds", "workspaceId", "platform", "limit", "cursor"]) { fields, _ in
                let page: MetricsStore.LatestPage
                if fields.has("postIds") {
                    for other in ["workspaceId", "platform", "limit", "cursor"] where fields.has(other) {
                        throw RPCError.invalidParams(field: other, reason: "give either postIds, or workspaceId with platform, limit and cursor, not both")
                    }
                    // One answer per id asked: nothing to page.
                    let postIds = try fields.strings("postIds", maxCount: maximumPostIDs, maxLength: WireFormat.maximumIDLength)
                    page = .init(
                        metrics: try ItemsParameter(name: "postIds", itemsAreIds: true).locating { try store.latestMetrics(postIds: postIds) },
                        nextCursor: nil)
                } else if fields.has("workspaceId") {
                    page = try store.latestMetrics(
                        workspaceId: try WireFormat.id(fields, "workspaceId"),
                        platform: try fields.optionalEnum("platform", Platform.self),
                        limit: Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 100),
                        cursor: try fields.optionalString("cursor"))
                } else {
                    throw RPCError.invalidParams(field: "postIds", reason: "required: give postIds, or workspaceId")
                }
                return ["metrics": .array(page.metrics.map(WireFormat.latest)), "nextCursor": .string(page.nextCursor)]
            },

            .inline("history", parameters: ["postId", "since", "until", "limit"]) { fields, _ in
                let postId = try WireFormat.id(fields, "postId")
                let since = try WireFormat.optionalTimestamp(fields, "since")
                let until = try WireFormat.optionalTimestamp(fields, "until")
                if let since, let until, until < since {
                    throw RPCError.invalidParams(field: "until", reason: "must not be before since")
                }
                let limit = Int(try fields.optionalInt("limit", in: 1...maximumHistoryPoints) ?? 1000)
                let page = try store.history(postId: postId, since: since, until: until, limit: limit)
                return [
                    "postId": .string(postId),
                    "points": .array(page.points.map { WireFormat.point(capturedAt: $0.capturedAt, values: $0.values) }),
                    "hasMore": .bool(page.hasMore),
                ]
            },
        ]
    }
}
