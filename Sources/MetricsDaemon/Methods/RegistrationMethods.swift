import JSONRPC
import MetricsCore
import StorageContract

/// `upsertWorkspace`, `upsertAccount`, `upsertPosts`: how sibling services tell metricsd what to refresh.
/// Writes run as tasks so they never hold an event loop; each is one transaction.
enum RegistrationMethods {
    /// Bounded so one call's transaction stays short and its line fits the default request limit.
    static let maximumPostsPerCall = 10_000

    static func all(store: any MetricsStorage, health: HealthMonitor, access: AccessControl) -> [RPCMethod] {
        [
            .task("upsertWorkspace", parameters: ["id", "name", "timeZone"]) { fields, context in
                let timeZone = try fields.optionalString("timeZone", maxLength: 64) ?? "UTC"
                guard LocalCalendar(identifier: timeZone) != nil else {
                    throw RPCError.invalidParams(
                        field: "timeZone", reason: "unknown time zone \"\(timeZone)\"; expected an IANA name such as Europe/Paris or UTC")
                }
                let workspace = Workspace(id: try WireFormat.id(fields, "id"), name: try fields.string("name"), timeZone: timeZone)
                try access.caller("upsertWorkspace", context).require(workspace: workspace.id)
                let outcome = try await store.upsertWorkspace(workspace)
                return [
                    "id": .string(workspace.id), "name": .string(workspace.name), "timeZone": .string(workspace.timeZone),
                    "created": .bool(outcome == .created),
                ]
            },

            .task(
                "upsertAccount",
                parameters: ["id", "workspaceId", "platform", "externalAccountId", "accessToken", "refreshToken", "tokenExpiresAt"]
            ) { fields, context in
                let account = AccountRegistration(
                    id: try WireFormat.id(fields, "id"),
                    workspaceId: try WireFormat.id(fields, "workspaceId"),
                    platform: try fields.requiredEnum("platform", Platform.self),
                    externalAccountId: try WireFormat.id(fields, "externalAccountId"),
                    accessToken: try fields.string("accessToken", maxLength: 8192),
                    refreshToken: try fields.optionalString("refreshToken", maxLength: 8192),
                    tokenExpiresAt: try WireFormat.optionalTimestamp(fields, "tokenExpiresAt"))
                let caller = access.caller("upsertAccount", context)
                try caller.require(workspace: account.workspaceId)
                // An account id already registered in a workspace the caller may not touch is not its to move.
                if !caller.seesAll, let owner = try await store.workspaceId(ofAccount: account.id), !caller.allows(workspace: owner) {
                    throw AccessDenied(method: "upsertAccount", workspaceId: nil)
                }
                let outcome = try await store.upsertAccount(account)
                health.invalidate()
                return [
                    "id": .string(account.id), "status": .string(AccountStatus.connected.rawValue),
                    "created": .bool(outcome == .created),
                ]
            },

            .task("upsertPosts", parameters: ["posts"]) { fields, context in
                let posts = try parsePosts(fields)
                let caller = access.caller("upsertPosts", context)
                if !caller.seesAll {
                    // Accounts of other workspaces are absent to this caller; their posts are not its to change.
                    var accountOwners: [String: String?] = [:]
                    for (index, post) in posts.enumerated() {
                        let owner: String?
                        if let known = accountOwners[post.accountId] {
                            owner = known
                        } else {
                            owner = try await store.workspaceId(ofAccount: post.accountId)
                        }
                        accountOwners[post.accountId] = owner
                        guard let owner, caller.allows(workspace: owner) else {
                            throw LocatedStoreError(
                                error: .notFound(.account, id: post.accountId, input: .accountId, index: index), field: "posts[\(index)].accountId")
                        }
                    }
                    for owner in try await store.workspaceIds(ofPosts: posts.map(\.id)) {
                        if let owner, !caller.allows(workspace: owner) { throw AccessDenied(method: "upsertPosts", workspaceId: nil) }
                    }
                }
                let result = try await ItemsParameter(name: "posts").locating { try await store.upsertPosts(posts) }
                return ["created": .int(result.created), "updated": .int(result.updated)]
            },
        ]
    }

    static func parsePosts(_ fields: Fields) throws(RPCError) -> [PostRegistration] {
        var firstIndexOfID: [String: Int] = [:]
        var posts: [PostRegistration] = []
        for (index, post) in try fields.objects("posts", maxCount: maximumPostsPerCall, allowEmpty: true).enumerated() {
            try post.rejectUnknown(allowed: ["id", "accountId", "externalPostId", "postedAt", "mediaProductType"])
            let id = try WireFormat.id(post, "id")
            if let first = firstIndexOfID[id] {
                throw .invalidParams(field: post.fieldPath("id"), reason: "duplicates posts[\(first)].id \"\(id)\"")
            }
            firstIndexOfID[id] = index
            posts.append(PostRegistration(
                id: id,
                accountId: try WireFormat.id(post, "accountId"),
                externalPostId: try post.optionalString("externalPostId", maxLength: WireFormat.maximumIDLength).flatMap { $0.isEmpty ? nil : $0 },
                postedAt: try WireFormat.timestamp(post, "postedAt"),
                mediaProductType: try post.optionalEnum("mediaProductType", MediaProductType.self)))
        }
        return posts
    }
}
