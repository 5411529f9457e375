/// The least role each method needs. `reader`: health, discovery and every read; `writer`: registration, imports,
/// refreshes and discovery of posts as well; `admin`: every method, also any not listed here. Without a matching
/// rule (but with a policy) only `health`, `rpc.discover` and `whoami`.
enum MethodAccess {
    static let open: Set<String> = ["health", "rpc.discover", "whoami"]

    static let reads: Set<String> = [
        "listAccounts", "listPosts", "latestMetrics", "history", "runStatus", "listRuns", "freshness", "deltas", "series",
        "topPosts", "anomalies", "bestTimes", "export", "metrics", "events", "subscribe", "unsubscribe",
    ]

    static let writes: Set<String> = [
        "upsertWorkspace", "upsertAccount", "upsertPosts", "importMetrics", "refreshAll", "refreshWorkspace", "syncPosts",
        "upsertMilestones",
    ]

    /// The least role that may call `method`; nil when anyone connected may.
    static func requiredRole(_ method: String) -> AccessPolicy.Role? {
        if open.contains(method) { return nil }
        if reads.contains(method) { return .reader }
        if writes.contains(method) { return .writer }
        return .admin
    }

    static func permits(_ grant: AccessPolicy.Grant, _ method: String) -> Bool {
        guard let required = requiredRole(method) else { return true }
        guard let role = grant.role else { return false }
        return role >= required
    }
}
