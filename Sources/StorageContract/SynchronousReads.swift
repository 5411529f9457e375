import MetricsCore

/// The reads a backend can answer at once on the caller's thread, without waiting: what the daemon serves inline on
/// a connection's event loop (`MetricsStorage.synchronousReads`), with no task hop there and back.
///
/// Only a backend whose reads never wait may offer them: SQLite in WAL mode (an indexed seek; a reader never waits
/// for the writer, and the daemon keeps more reader connections than event loops). Skipping the hop is what keeps
/// `latestMetrics` in microseconds (`scripts/bench/rpc`). Each has the meaning of the `MetricsStorage` read of the
/// same name.
public protocol SynchronousReads: Sendable {
    func workspaceIds(ofPosts postIds: [String]) throws -> [String?]
    func workspaceId(ofAccount accountId: String) throws -> String?
    func listAccounts(workspaceId: String?) throws -> [AccountSummary]
    func listPosts(workspaceId: String?, accountId: String?, limit: Int, cursor: String?, workspaceIds: Set<String>?) throws -> PostPage
    func latestMetrics(postIds: [String]) throws -> [LatestMetric]
    func latestMetrics(workspaceId: String, platform: Platform?, limit: Int, cursor: String?) throws -> LatestPage
    func history(postId: String, since: Timestamp?, until: Timestamp?, limit: Int) throws -> HistoryPage
    func listRuns(limit: Int, before: Int64?) throws -> [RefreshRunInfo]
    func run(id: Int64) throws -> RefreshRunInfo?
    func healthFacts() throws -> HealthFacts
}
