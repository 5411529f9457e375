import JSONRPC
import MetricsCore
import MetricsStore

/// `listAccounts`, `listPosts`, `latestMetrics`, `history`: answered inline on the connection's event loop,
/// straight from WAL snapshots, so no refresh or write ever queues in front of them.
enum ReadMethods {
    static let maximumPostIDs = 1000
    static let maximumPageSize: Int64 = 1000
    static let maximumHistoryPoints: Int64 = 10_000

    static func all(store: MetricsStore, clock: any WallClock, failures: FailureBackoff, access: AccessControl) -> [RPCMethod] {
        [
            .inline("listAccounts", parameters: ["workspaceId"]) { fields, context in
                let caller = access.caller("listAccounts", context)
                let workspaceId = try fields.optionalString("workspaceId", maxLength: WireFormat.maximumIDLength)
                if let workspaceId { try caller.require(workspace: workspaceId) }
                let accounts = try store.listAccounts(workspaceId: workspaceId).filter { caller.allows(workspace: $0.workspaceId) }
                return ["accounts": .array(accounts.map(WireFormat.account))]
            },

            .inline("listPosts", parameters: ["workspaceId", "accountId", "limit", "cursor"]) { fields, context in
                let caller = access.caller("listPosts", context)
                let workspaceId = try fields.optionalString("workspaceId", maxLength: WireFormat.maximumIDLength)
                let accountId = try fields.optionalString("accountId", maxLength: WireFormat.maximumIDLength)
                if let workspaceId { try caller.require(workspace: workspaceId) }
                if let accountId { try caller.requireVisible(account: accountId, store: store) }
                let page = try store.listPosts(
                    workspaceId: workspaceId, accountId: accountId,
                    limit: Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 100),
                    cursor: try fields.optionalString("cursor"),
                    // A caller limited to some workspaces lists theirs only.
                    workspaceIds: workspaceId == nil && accountId == nil ? caller.workspaces : nil)
                let now = clock.now
                return [
                    "posts": .array(page.posts.map { WireFormat.post($0, now: now, failures: failures) }),
                    "nextCursor": .string(page.nextCursor),
                ]
            },

            .inline("latestMetrics", parameters: ["postIds", "workspaceId", "platform", "limit", "cursor"]) { fields, context in
                let caller = access.caller("latestMetrics", context)
                let page: MetricsStore.LatestPage
                if fields.has("postIds") {
                    for other in ["workspaceId", "platform", "limit", "cursor"] where fields.has(other) {
                        throw RPCError.invalidParams(field: other, reason: "give either postIds, or workspaceId with platform, limit and cursor, not both")
                    }
                    // One answer per id asked: nothing to page.
                    let postIds = try fields.strings("postIds", maxCount: maximumPostIDs, maxLength: WireFormat.maximumIDLength)
                    try caller.requireVisible(posts: postIds, store: store, parameter: ItemsParameter(name: "postIds", itemsAreIds: true))
                    page = .init(
                        metrics: try ItemsParameter(name: "postIds", itemsAreIds: true).locating { try store.latestMetrics(postIds: postIds) },
                        nextCursor: nil)
                } else if fields.has("workspaceId") {
                    let workspaceId = try WireFormat.id(fields, "workspaceId")
                    try caller.require(workspace: workspaceId)
                    page = try store.latestMetrics(
                        workspaceId: workspaceId,
                        platform: try fields.optionalEnum("platform", Platform.self),
                        limit: Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 100),
                        cursor: try fields.optionalString("cursor"))
                } else {
                    throw RPCError.invalidParams(field: "postIds", reason: "required: give postIds, or workspaceId")
                }
                return ["metrics": .array(page.metrics.map(WireFormat.latest)), "nextCursor": .string(page.nextCursor)]
            },

            .inline("history", parameters: ["postId", "since", "until", "limit"]) { fields, context in
                let postId = try WireFormat.id(fields, "postId")
                try access.caller("history", context).requireVisible(post: postId, store: store)
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
