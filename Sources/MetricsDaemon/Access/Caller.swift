import JSON
import JSONRPC
import StorageContract

/// One call's caller as the methods see it: what it may touch, and the checks that keep a caller limited to some
/// workspaces inside them. Explicit workspace params outside them are -32007; posts, accounts and runs of other
/// workspaces are -32001 not found, as if absent (a limited caller cannot learn they exist); listings are filtered.
struct Caller {
    let grant: AccessPolicy.Grant
    let access: AccessControl
    let context: CallContext
    let method: String

    var seesAll: Bool { grant.seesAll }
    var workspaces: Set<String>? { grant.workspaces }

    func allows(workspace: String) -> Bool { grant.allows(workspace: workspace) }

    /// -32007 unless the caller's workspaces include `workspaceId`.
    func require(workspace workspaceId: String) throws(AccessDenied) {
        try access.require(grant, workspace: workspaceId, method, context)
    }

    /// -32001 for the first post of another workspace (or an unknown one), at its place in `parameter`.
    func requireVisible(posts postIds: [String], store: any MetricsStorage, parameter: ItemsParameter) async throws {
        guard !seesAll else { return }
        try requireVisible(posts: postIds, owners: try await store.workspaceIds(ofPosts: postIds), parameter: parameter)
    }

    /// -32001 when the post is of another workspace (or unknown).
    func requireVisible(post postId: String, store: any MetricsStorage) async throws {
        guard !seesAll else { return }
        try requireVisible(post: postId, owner: try await store.workspaceIds(ofPosts: [postId]).first ?? nil)
    }

    /// -32001 when the account is of another workspace (or unknown).
    func requireVisible(account accountId: String, store: any MetricsStorage) async throws {
        guard !seesAll else { return }
        try requireVisible(account: accountId, owner: try await store.workspaceId(ofAccount: accountId))
    }

    // The same checks on SQLite's synchronous reads, for the methods answered inline.

    func requireVisible(posts postIds: [String], reads: any SynchronousReads, parameter: ItemsParameter) throws {
        guard !seesAll else { return }
        try requireVisible(posts: postIds, owners: try reads.workspaceIds(ofPosts: postIds), parameter: parameter)
    }

    func requireVisible(post postId: String, reads: any SynchronousReads) throws {
        guard !seesAll else { return }
        try requireVisible(post: postId, owner: try reads.workspaceIds(ofPosts: [postId]).first ?? nil)
    }

    func requireVisible(account accountId: String, reads: any SynchronousReads) throws {
        guard !seesAll else { return }
        try requireVisible(account: accountId, owner: try reads.workspaceId(ofAccount: accountId))
    }

    /// The decisions, on the owners the store gave (nil: unknown).
    private func requireVisible(posts postIds: [String], owners: [String?], parameter: ItemsParameter) throws {
        for (index, owner) in owners.enumerated() where owner.map({ !allows(workspace: $0) }) ?? true {
            try parameter.locating { throw StoreError.notFound(.post, id: postIds[index], input: .postId, index: index) }
        }
    }

    private func requireVisible(post postId: String, owner: String?) throws {
        guard let owner, allows(workspace: owner) else { throw StoreError.notFound(.post, id: postId, input: .postId) }
    }

    private func requireVisible(account accountId: String, owner: String?) throws {
        guard let owner, allows(workspace: owner) else { throw StoreError.notFound(.account, id: accountId, input: .accountId) }
    }

    /// Whether a run is the caller's to see: one over its workspaces only. Runs over every workspace (the planner's,
    /// an unlimited `refreshAll`) tell about all of them, so a limited caller does not see those.
    func canSee(runScope: JSON) -> Bool {
        guard !seesAll else { return true }
        switch runScope["kind"] {
        case "workspace":
            if case .string(let id)? = runScope["workspaceId"] { return allows(workspace: id) }
            return false
        case "workspaces":
            guard case .array(let ids)? = runScope["workspaceIds"] else { return false }
            return ids.allSatisfy { if case .string(let id) = $0 { allows(workspace: id) } else { false } }
        default:
            return false
        }
    }
}

extension AccessControl {
    /// The caller of this call (its grant is checked against the method by the dispatcher already).
    func caller(_ method: String, _ context: CallContext) -> Caller {
        Caller(grant: grant(context), access: self, context: context, method: method)
    }
}
