import MetricsCore

/// What the refresh engine, the methods and the daemon's services need of a store, whichever database holds it:
/// `SQLiteStore` (the default, one daemon) or `PostgresStore` (one database shared by several daemons).
///
/// Every backend keeps the same rules: the same errors (`StoreError`: kinds, the input and the item they name;
/// `StorageUnavailable` for a database that cannot be reached, -32003 at the boundary), the same
/// pages and cursors, the same rollups kept in the same transaction as the snapshots. The store tests run the
/// same cases against both.
///
/// The requirements are `async`: a network database waits. SQLite answers its reads synchronously on the
/// caller's thread (indexed seeks in WAL mode, never behind the writer), and the daemon keeps that fast path
/// for the reads it answers inline on an event loop (`synchronousReads`).
public protocol MetricsStorage: EventStorage, WebhookStorage {
    /// Reads answered at once on the caller's thread, when this backend has them (SQLite): the daemon answers
    /// `latestMetrics`, `history` and the listings with them on the connection's event loop, no task hop in between.
    /// nil for a network database, whose reads wait.
    var synchronousReads: (any SynchronousReads)? { get }

    /// Where the data lives, for logs and `health` (a file path, or a URL without its password).
    var location: String { get }

    /// What the daemon's store-facing methods need to know of this backend's nature.
    var traits: StorageTraits { get }

    // MARK: Registration

    func upsertWorkspace(_ workspace: Workspace) async throws -> Upsert
    func upsertAccount(_ account: AccountRegistration) async throws -> Upsert
    func upsertPosts(_ posts: [PostRegistration]) async throws -> UpsertPostsResult

    // MARK: Listings and ownership

    func workspace(id: String) async throws -> WorkspaceSummary?
    func listAccounts(workspaceId: String?) async throws -> [AccountSummary]
    func accountIds(status: AccountStatus) async throws -> [String]
    func listPosts(
        workspaceId: String?, accountId: String?, limit: Int, cursor: String?, workspaceIds: Set<String>?
    ) async throws -> PostPage
    /// The workspace of each post (nil for an unknown one), in order.
    func workspaceIds(ofPosts postIds: [String]) async throws -> [String?]
    func workspaceId(ofAccount accountId: String) async throws -> String?

    // MARK: Snapshots

    func latestMetrics(postIds: [String]) async throws -> [LatestMetric]
    func latestMetrics(workspaceId: String, platform: Platform?, limit: Int, cursor: String?) async throws -> LatestPage
    func history(postId: String, since: Timestamp?, until: Timestamp?, limit: Int) async throws -> HistoryPage
    func importSnapshots(_ snapshots: [Snapshot]) async throws -> ImportResult

    // MARK: History reads

    func readings(postIds: [String], at bound: ReadingBound) async throws -> [PostReading]
    /// Each post read at its own bound (`bounds[i]` for `postIds[i]`) in one go: `deltas` reads each post's
    /// snapshot of a period before its own latest. (A default reads them one by one.)
    func readings(postIds: [String], at bounds: [ReadingBound]) async throws -> [PostReading]
    func readings(
        workspaceId: String, platform: Platform?, at bound: ReadingBound, limit: Int?, cursor: String?
    ) async throws -> (readings: [PostReading], nextCursor: String?)
    func calendar(workspaceId: String) async throws -> LocalCalendar
    func calendars(postIds: [String]) async throws -> [LocalCalendar]
    func dayPoints(postIds: [String], days: ClosedRange<Int64>) async throws -> [DayPoint]
    func dayPoints(workspaceId: String, platform: Platform?, days: ClosedRange<Int64>) async throws -> [DayPoint]
    /// Per day, a workspace's totals over its posts (of one platform, or all): `DailyTotal.combining` of the stored rows.
    func dailyTotals(workspaceId: String, platform: Platform?, days: ClosedRange<Int64>) async throws -> [DailyTotal]
    func export(
        workspaceId: String, source: ExportSource, since: Timestamp?, until: Timestamp?, limit: Int, cursor: String?
    ) async throws -> (rows: [ExportRow], nextCursor: String?)

    // MARK: Due work (the planner and the runs)

    func accountsInScope(workspaceIds: Set<String>?, platforms: Set<Platform>?) async throws -> [ScopedAccount]
    func postsInScope(accountId: String, postedSince: Timestamp, dueAt: Timestamp?) async throws -> [DuePost]
    func countPostsInScope(
        workspaceIds: Set<String>?, platforms: Set<Platform>?, postedSince: Timestamp, dueAt: Timestamp?
    ) async throws -> Int
    func accountsWithDuePosts(at now: Timestamp) async throws -> [DueAccount]
    func duePosts(accountId: String, at now: Timestamp, bandBounds: [Int64], limit: Int) async throws -> [DuePost]
    func soonestDuePosts(accountId: String, after now: Timestamp, limit: Int) async throws -> [DuePost]
    func nextDueTime(after now: Timestamp) async throws -> Timestamp?
    func clearDueTimes(postIds: [String]) async throws
    func tallyFreshness(into tally: inout FreshnessTally, workspaceId: String?, postedSince: Timestamp) async throws
    func knownExternalPostIds(accountId: String) async throws -> Set<String>

    // MARK: What a refresh records

    @discardableResult
    func recordAttempts(runId: Int64, _ attempts: [RefreshAttempt]) async throws -> Int
    func recordAccountFailure(
        runId: Int64, accountId: String, platform: Platform, kind: RefreshFailureKind, message: String, at: Timestamp
    ) async throws
    func credentials(accountId: String) async throws -> AccountCredentials?
    /// Stores a rotated token pair if the account's refresh token is still `replacing` (the one the grant spent):
    /// false, and nothing written, when another refresh stored a newer pair first.
    func rotateTokens(
        accountId: String, replacing previousRefreshToken: String?, accessToken: String, accessTokenExpiresAt: Timestamp?,
        refreshToken: String?, refreshTokenExpiresAt: Timestamp?
    ) async throws -> Bool
    func setAccountStatus(accountId: String, status: AccountStatus, lastError: String?) async throws
    func retiredMetrics() async throws -> [Platform: [String: Set<String>]]
    func rememberRetiredMetrics(platform: Platform, mediaType: String, metrics: [String]) async throws

    // MARK: Runs

    @discardableResult
    func markRunningRunsInterrupted() async throws -> Int
    func startRun(trigger: RefreshTrigger, scope: String, at startedAt: Timestamp) async throws -> Int64
    func finishRun(id: Int64, status: RefreshRunStatus, summary: String?, at finishedAt: Timestamp) async throws
    func failureCount(runId: Int64) async throws -> Int
    func listRuns(limit: Int, before: Int64?) async throws -> [RefreshRunInfo]
    func run(id: Int64) async throws -> RefreshRunInfo?

    // MARK: Health and retention

    func healthFacts() async throws -> HealthFacts
    @discardableResult
    func retentionPass(_ policy: RetentionPolicy) async throws -> RetentionPass
    func lastRetentionPass() async throws -> RetentionPass?

    /// Closes every connection; the store must not be used afterwards.
    func close() async throws
}

/// How a backend differs where the daemon must know.
public struct StorageTraits: Sendable, Hashable {
    /// Several daemons share this database: runs, leases and budgets are coordinated through it.
    public var isShared: Bool

    public init(isShared: Bool) {
        self.isShared = isShared
    }
}

extension MetricsStorage {
    public func readings(postIds: [String], at bounds: [ReadingBound]) async throws -> [PostReading] {
        precondition(postIds.count == bounds.count, "a bound for each post")
        var readings: [PostReading] = []
        readings.reserveCapacity(postIds.count)
        for (postId, bound) in zip(postIds, bounds) {
            readings += try await self.readings(postIds: [postId], at: bound)
        }
        return readings
    }

    /// Every post's reading of a workspace, in one piece.
    public func readings(
        workspaceId: String, platform: Platform?, at bound: ReadingBound
    ) async throws -> (readings: [PostReading], nextCursor: String?) {
        try await readings(workspaceId: workspaceId, platform: platform, at: bound, limit: nil, cursor: nil)
    }

    /// The connected accounts a run over `workspaceId` (all when nil) and `platforms` (all when nil) covers, in a
    /// stable order. An unknown workspace is an error.
    public func accountsInScope(workspaceId: String?, platforms: Set<Platform>?) async throws -> [ScopedAccount] {
        if let workspaceId, try await workspace(id: workspaceId) == nil {
            throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
        }
        return try await accountsInScope(workspaceIds: workspaceId.map { [$0] }, platforms: platforms)
    }

    public func countPostsInScope(
        workspaceId: String?, platforms: Set<Platform>?, postedSince: Timestamp, dueAt: Timestamp?
    ) async throws -> Int {
        try await countPostsInScope(workspaceIds: workspaceId.map { [$0] }, platforms: platforms, postedSince: postedSince, dueAt: dueAt)
    }
}
