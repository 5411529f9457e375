import JSON
import MetricsCore
import StorageContract

/// What a run covers. Two requests for the same scope share one run.
public enum RefreshScope: Sendable, Hashable {
    /// Every workspace, optionally only some platforms; with `dueOnly`, only the posts due now.
    case all(platforms: Set<Platform>?, dueOnly: Bool = false)
    case workspace(String, dueOnly: Bool = false)
    /// Several workspaces at once (what `refreshAll` covers for a caller limited to some workspaces).
    case workspaces(Set<String>, platforms: Set<Platform>?, dueOnly: Bool = false)
    /// What the planner chose in one pass: accounts and their due posts.
    case planned(PlannedWork)

    /// Stable text for matching concurrent requests (planned work is never joined: each pass is its own).
    public var key: String {
        switch self {
        case .all(nil, let dueOnly): "all" + (dueOnly ? ":due" : "")
        case .all(let platforms?, let dueOnly):
            "all:" + platforms.map(\.rawValue).sorted().joined(separator: ",") + (dueOnly ? ":due" : "")
        case .workspace(let id, let dueOnly): "workspace:" + id + (dueOnly ? ":due" : "")
        case .workspaces(let ids, let platforms, let dueOnly):
            "workspaces:" + ids.sorted().joined(separator: ",") + ":" + (platforms?.map(\.rawValue).sorted().joined(separator: ",") ?? "")
                + (dueOnly ? ":due" : "")
        case .planned(let work): "planned:\(work.pass)"
        }
    }

    var dueOnly: Bool {
        switch self {
        case .all(_, let dueOnly), .workspace(_, let dueOnly), .workspaces(_, _, let dueOnly): dueOnly
        case .planned: true
        }
    }

    var isPlanned: Bool {
        if case .planned = self { true } else { false }
    }

    /// How the run record stores the scope: `{"kind":"all","platforms":[…]}`, `{"kind":"workspace",…}`,
    /// `{"kind":"planned","accounts":N,"posts":N}`; `"dueOnly":true` when only due posts were taken.
    public var json: String {
        var record: JSONObject
        switch self {
        case .all(let platforms, _):
            record = ["kind": "all"]
            if let platforms { record.append("platforms", .array(platforms.map(\.rawValue).sorted().map(JSON.string))) }
        case .workspace(let id, _):
            record = ["kind": "workspace", "workspaceId": .string(id)]
        case .workspaces(let ids, let platforms, _):
            record = ["kind": "workspaces", "workspaceIds": .array(ids.sorted().map(JSON.string))]
            if let platforms { record.append("platforms", .array(platforms.map(\.rawValue).sorted().map(JSON.string))) }
        case .planned(let work):
            record = ["kind": "planned", "accounts": .int(work.accounts.count), "posts": .int(work.postCount)]
        }
        if case .all(_, true) = self { record.append("dueOnly", true) }
        if case .workspace(_, true) = self { record.append("dueOnly", true) }
        if case .workspaces(_, _, true) = self { record.append("dueOnly", true) }
        return JSONWriter.string(.object(record))
    }
}

/// One pass of the planner: the accounts it chose and, for each, the due posts its budget covers.
public struct PlannedWork: Sendable, Hashable {
    public struct Account: Sendable, Hashable {
        public var account: ScopedAccount
        public var posts: [DuePost]

        public init(account: ScopedAccount, posts: [DuePost]) {
            self.account = account
            self.posts = posts
        }
    }

    /// Numbers the planner's passes, so each is a run of its own.
    public var pass: Int
    public var accounts: [Account]

    public init(pass: Int, accounts: [Account]) {
        self.pass = pass
        self.accounts = accounts
    }

    public var postCount: Int { accounts.reduce(0) { $0 + $1.posts.count } }
}
