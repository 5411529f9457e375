import JSONRPC
import MetricsCore
import StorageContract

/// `listAccounts`, `listPosts`, `latestMetrics`, `history`: the reads sibling services poll.
///
/// On SQLite they are answered inline on the connection's event loop, straight from WAL snapshots (an indexed
/// seek, no task hop), so no refresh or write ever queues in front of them; on PostgreSQL, which waits on the
/// network, as tasks. Each method is its params (parsed once), its fetch (on either kind of store) and its reply
/// (rendered once): `ReadRoute`.
enum ReadMethods {
    static let maximumPostIDs = 1000
    static let maximumPageSize: Int64 = 1000
    static let maximumHistoryPoints: Int64 = 10_000

    static func all(store: any MetricsStorage, clock: any WallClock, failures: FailureBackoff, access: AccessControl) -> [RPCMethod] {
        [
            ReadRoute<String?, [AccountSummary]>(
                "listAccounts", parameters: ["workspaceId"], access: access,
                parse: { fields, caller in
                    let workspaceId = try fields.optionalString("workspaceId", maxLength: WireFormat.maximumIDLength)
                    if let workspaceId { try caller.require(workspace: workspaceId) }
                    return workspaceId
                },
                fetchNow: { reads, workspaceId, _ in try reads.listAccounts(workspaceId: workspaceId) },
                fetch: { store, workspaceId, _ in try await store.listAccounts(workspaceId: workspaceId) },
                render: { accounts, caller in
                    ["accounts": .array(accounts.filter { caller.allows(workspace: $0.workspaceId) }.map(WireFormat.account))]
                }
            ).method(store: store),

            ReadRoute<PostsRequest, PostPage>(
                "listPosts", parameters: ["workspaceId", "accountId", "limit", "cursor"], access: access,
                parse: { fields, caller in try PostsRequest(fields, caller: caller) },
                fetchNow: { reads, request, caller in
                    if let accountId = request.accountId { try caller.requireVisible(account: accountId, reads: reads) }
                    return try reads.listPosts(
                        workspaceId: request.workspaceId, accountId: request.accountId, limit: request.limit, cursor: request.cursor,
                        workspaceIds: request.limitedTo)
                },
                fetch: { store, request, caller in
                    if let accountId = request.accountId { try await caller.requireVisible(account: accountId, store: store) }
                    return try await store.listPosts(
                        workspaceId: request.workspaceId, accountId: request.accountId, limit: request.limit, cursor: request.cursor,
                        workspaceIds: request.limitedTo)
                },
                render: { page, _ in
                    let now = clock.now
                    return [
                        "posts": .array(page.posts.map { WireFormat.post($0, now: now, failures: failures) }),
                        "nextCursor": .string(page.nextCursor),
                    ]
                }
            ).method(store: store),

            ReadRoute<LatestRequest, LatestPage>(
                "latestMetrics", parameters: ["postIds", "workspaceId", "platform", "limit", "cursor"], access: access,
                parse: { fields, caller in try LatestRequest(fields, caller: caller) },
                fetchNow: { reads, request, caller in
                    switch request {
                    case .posts(let postIds):
                        try caller.requireVisible(posts: postIds, reads: reads, parameter: LatestRequest.postIdsParameter)
                        return .init(metrics: try LatestRequest.postIdsParameter.locating { try reads.latestMetrics(postIds: postIds) }, nextCursor: nil)
                    case .workspace(let id, let platform, let limit, let cursor):
                        return try reads.latestMetrics(workspaceId: id, platform: platform, limit: limit, cursor: cursor)
                    }
                },
                fetch: { store, request, caller in
                    switch request {
                    case .posts(let postIds):
                        try await caller.requireVisible(posts: postIds, store: store, parameter: LatestRequest.postIdsParameter)
                        return .init(
                            metrics: try await LatestRequest.postIdsParameter.locating { try await store.latestMetrics(postIds: postIds) },
                            nextCursor: nil)
                    case .workspace(let id, let platform, let limit, let cursor):
                        return try await store.latestMetrics(workspaceId: id, platform: platform, limit: limit, cursor: cursor)
                    }
                },
                render: { page, _ in ["metrics": .array(page.metrics.map(WireFormat.latest)), "nextCursor": .string(page.nextCursor)] }
            ).method(store: store),

            ReadRoute<HistoryRequest, (postId: String, page: HistoryPage)>(
                "history", parameters: ["postId", "since", "until", "limit"], access: access,
                parse: { fields, _ in try HistoryRequest(fields) },
                fetchNow: { reads, request, caller in
                    try caller.requireVisible(post: request.postId, reads: reads)
                    return (request.postId, try reads.history(postId: request.postId, since: request.since, until: request.until, limit: request.limit))
                },
                fetch: { store, request, caller in
                    try await caller.requireVisible(post: request.postId, store: store)
                    return (request.postId, try await store.history(postId: request.postId, since: request.since, until: request.until, limit: request.limit))
                },
                render: { answer, _ in
                    [
                        "postId": .string(answer.postId),
                        "points": .array(answer.page.points.map { WireFormat.point(capturedAt: $0.capturedAt, values: $0.values) }),
                        "hasMore": .bool(answer.page.hasMore),
                    ]
                }
            ).method(store: store),
        ]
    }

    /// `listPosts`' params.
    struct PostsRequest: Sendable {
        var workspaceId: String?
        var accountId: String?
        var limit: Int
        var cursor: String?
        /// A caller limited to some workspaces lists theirs only.
        var limitedTo: Set<String>?

        init(_ fields: Fields, caller: Caller) throws {
            workspaceId = try fields.optionalString("workspaceId", maxLength: WireFormat.maximumIDLength)
            accountId = try fields.optionalString("accountId", maxLength: WireFormat.maximumIDLength)
            if let workspaceId { try caller.require(workspace: workspaceId) }
            limit = Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 100)
            cursor = try fields.optionalString("cursor")
            limitedTo = workspaceId == nil && accountId == nil ? caller.workspaces : nil
        }
    }

    /// `latestMetrics`' params: ids (one answer each, nothing to page), or a workspace a page at a time.
    enum LatestRequest: Sendable {
        case posts([String])
        case workspace(String, platform: Platform?, limit: Int, cursor: String?)

        static let postIdsParameter = ItemsParameter(name: "postIds", itemsAreIds: true)

        init(_ fields: Fields, caller: Caller) throws {
            if fields.has("postIds") {
                for other in ["workspaceId", "platform", "limit", "cursor"] where fields.has(other) {
                    throw RPCError.invalidParams(field: other, reason: "give either postIds, or workspaceId with platform, limit and cursor, not both")
                }
                self = .posts(try fields.strings("postIds", maxCount: maximumPostIDs, maxLength: WireFormat.maximumIDLength))
            } else if fields.has("workspaceId") {
                let workspaceId = try WireFormat.id(fields, "workspaceId")
                try caller.require(workspace: workspaceId)
                self = .workspace(
                    workspaceId, platform: try fields.optionalEnum("platform", Platform.self),
                    limit: Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 100), cursor: try fields.optionalString("cursor"))
            } else {
                throw RPCError.invalidParams(field: "postIds", reason: "required: give postIds, or workspaceId")
            }
        }
    }

    /// `history`'s params.
    struct HistoryRequest: Sendable {
        var postId: String
        var since: Timestamp?
        var until: Timestamp?
        var limit: Int

        init(_ fields: Fields) throws {
            postId = try WireFormat.id(fields, "postId")
            since = try WireFormat.optionalTimestamp(fields, "since")
            until = try WireFormat.optionalTimestamp(fields, "until")
            if let since, let until, until < since {
                throw RPCError.invalidParams(field: "until", reason: "must not be before since")
            }
            limit = Int(try fields.optionalInt("limit", in: 1...maximumHistoryPoints) ?? 1000)
        }
    }
}
