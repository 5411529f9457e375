import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import MetricsCore
import PlatformClients
import PlatformSimulator
@testable import RefreshEngine
@testable import SQLiteStore
import Synchronization
import Testing

/// An in-process platform simulator on loopback, a temporary SQLite store, and platform clients pointed at the
/// simulator: what every engine test starts from. Accounts and posts are added to both sides with one call each.
///
/// The simulator and the engine share `clock`: a `SystemClock` for tests about real pacing, a `ManualClock` for
/// tests that need to see exactly when a paused account calls again.
struct EngineFixture {
    let clock: any WallClock
    let simulator: PlatformSimulator
    let store: SQLiteStore
    let clients: PlatformClientSet

    /// A configuration that never slows a test down: generous buckets, short pauses and backoff, no jitter.
    static func fastConfiguration() -> RefreshConfiguration {
        var configuration = RefreshConfiguration()
        for platform in Platform.allCases {
            configuration.platformRates[platform] = .init(perSecond: 1000, burst: 1000)
            configuration.accountRates[platform] = .init(perSecond: 1000, burst: 1000)
        }
        configuration.defaultPauseMilliseconds = 200
        configuration.runDeadlineMilliseconds = 20_000
        configuration.backoff = Backoff(initialMilliseconds: 10, maximumMilliseconds: 40, maximumRetries: 2)
        configuration.progressIntervalMilliseconds = 0
        return configuration
    }

    func makeEngine(_ configure: (inout RefreshConfiguration) -> Void = { _ in }) async throws -> RefreshEngine {
        var configuration = Self.fastConfiguration()
        configure(&configuration)
        return try await RefreshEngine(
            store: store, clients: clients, configuration: configuration, clock: clock, logger: quietLogger, random: { 0 })
    }

    var now: Timestamp { clock.now }

    func daysAgo(_ days: Double) -> Timestamp { clock.now.adding(seconds: -days * 86_400) }

    // MARK: Registration on both sides

    struct AccountRef: Sendable {
        var id: String
        var platform: Platform
        var external: String
        var workspaceId: String
    }

    /// Seeds the platform account and registers it in the store (creating the workspace if needed).
    /// - Parameters:
    ///   - storedExpiry: what the store believes about the access token's expiry (drives TikTok's early refresh).
    ///   - platformExpiry: when the platform really expires the access token.
    ///   - storedRefreshToken: the refresh token the store holds, when it differs from the platform's.
    ///   - platformIssuedAt: when the platform issued the access token (Instagram extends only day-old tokens).
    @discardableResult
    func account(
        _ id: String, platform: Platform, workspace: String = "w1", external: String? = nil, token: String? = nil,
        refreshToken: String? = nil, storedRefreshToken: String? = nil, storedExpiry: Timestamp? = nil,
        platformExpiry: Timestamp? = nil, platformIssuedAt: Timestamp? = nil
    ) async throws -> AccountRef {
        let external = external ?? "ext-\(id)"
        let token = token ?? "token-\(id)"
        try simulator.seed(SimulatorSeed(accounts: [
            .init(platform: platform, id: external, accessToken: token, accessTokenIssuedAt: platformIssuedAt,
                  accessTokenExpiresAt: platformExpiry, refreshToken: refreshToken),
        ]))
        _ = try await store.upsertWorkspace(Workspace(id: workspace, name: "Workspace \(workspace)"))
        _ = try await store.upsertAccount(AccountRegistration(
            id: id, workspaceId: workspace, platform: platform, externalAccountId: external, accessToken: token,
            refreshToken: storedRefreshToken ?? refreshToken, tokenExpiresAt: storedExpiry))
        return AccountRef(id: id, platform: platform, external: external, workspaceId: workspace)
    }

    static let instagramMetrics: [String: Int64] = [
        "views": 1000, "reach": 800, "likes": 50, "comments": 5, "shares": 3, "saved": 7, "follows": 2, "profile_visits": 9,
    ]
    static let facebookMetrics: [String: Int64] = [
        "views": 500, "reach": 300, "reactions.like": 10, "reactions.love": 2, "comments": 3, "shares": 4, "clicks": 9,
    ]
    static let tiktokMetrics: [String: Int64] = ["views": 1000, "likes": 40, "comments": 2, "shares": 1]

    /// Seeds a post on the platform (unless `onPlatform` is false) and registers it as `<account>:<external>`.
    /// - Parameter externalInStore: false registers it without an external id (a TikTok publish id, say).
    @discardableResult
    func post(
        _ external: String, on account: AccountRef, daysAgo days: Double = 1, type: MediaProductType? = nil,
        metrics: [String: Int64]? = nil, tooNew: Bool = false, notEnoughViewers: Bool = false, onPlatform: Bool = true,
        register: Bool = true, externalInStore: Bool = true
    ) async throws -> String {
        let createdAt = daysAgo(days)
        let productType = account.platform == .instagram ? (type ?? .feed) : nil
        if onPlatform {
            let defaults = switch account.platform {
            case .instagram: Self.instagramMetrics
            case .facebook: Self.facebookMetrics
            case .tiktok: Self.tiktokMetrics
            }
            try simulator.seed(SimulatorSeed(posts: [
                .init(id: external, account: account.external, mediaProductType: productType, createdAt: createdAt,
                      tooNew: tooNew, notEnoughViewers: notEnoughViewers, metrics: metrics ?? defaults),
            ]))
        }
        let postId = "\(account.id):\(external)"
        if register {
            _ = try await store.upsertPosts([PostRegistration(
                id: postId, accountId: account.id, externalPostId: externalInStore ? external : nil, postedAt: createdAt,
                mediaProductType: productType)])
        }
        return postId
    }

    // MARK: Reading back

    func latest(_ postId: String) throws -> LatestMetric {
        try store.latestMetrics(postIds: [postId])[0]
    }

    func accountSummary(_ id: String) throws -> AccountSummary? {
        try store.listAccounts(workspaceId: nil).first { $0.id == id }
    }

    /// The refresh_errors kinds of a run, by post id.
    func failureKinds(runId: Int64) throws -> [String: String] {
        try store.read { db in
            var kinds: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT post_id, kind FROM refresh_errors WHERE run_id = ?", arguments: [runId]) {
                kinds[row[0] ?? "-"] = row[1]
            }
            return kinds
        }
    }

    /// The metadata JSON of a post's newest snapshot, decoded.
    func latestMetadata(_ postId: String) throws -> [String: MetadataValue] {
        let text = try store.read { db in
            try String.fetchOne(
                db, sql: "SELECT r.metadata FROM daily_rollups r JOIN posts p ON p.key = r.post_key WHERE p.id = ? ORDER BY r.day DESC LIMIT 1",
                arguments: [postId])
        }
        guard let text else { return [:] }
        return try JSONDecoder().decode([String: MetadataValue].self, from: Data(text.utf8))
    }

    func snapshotCount(_ postId: String) throws -> Int {
        try store.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM snapshots s JOIN posts p ON p.key = s.post_key WHERE p.id = ?", arguments: [postId]) ?? 0
        }
    }
}

/// Failures the tests provoke on purpose would otherwise fill the output with warnings.
let quietLogger: Logger = {
    var logger = Logger(label: "metricsd.tests")
    logger.logLevel = .critical
    return logger
}()

/// Closes `store` on a thread of its own. `close()` blocks until every reader is back, and a reader's work runs on
/// dispatch queues that share the cooperative pool's threads (two on the build machine): closed from the pool, two
/// fixtures closing at once with a read still queued held both threads and waited on each other for good (seen
/// twice in a full run, the whole test process stuck).
func closeOffThePool(_ store: SQLiteStore) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        Thread.detachNewThread {
            try? store.close()
            done.resume()
        }
    }
}

/// Starts a simulator and a store, runs `body`, and tears both down whatever happens.
func withEngineFixture(
    clock: any WallClock = SystemClock(),
    simulator configure: (inout SimulatorConfiguration) -> Void = { _ in },
    _ body: (EngineFixture) async throws -> Void
) async throws {
    var configuration = SimulatorConfiguration()
    configure(&configuration)
    let simulator = try await PlatformSimulator.start(configuration: configuration, clock: clock, host: "127.0.0.1", port: 0)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString)")
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore.open(path: directory.appendingPathComponent("metrics.sqlite").path, clock: clock)
        let http = HTTPClient.shared
        // Generous timeouts: a call that times out on a loaded machine is a transient failure, which the engine
        // answers with a pause on the test's manual clock, and a test that does not move the clock then waits.
        let clients = PlatformClientSet(
            instagram: InstagramClient(
                httpClient: http, baseURL: simulator.baseURL, timeout: .seconds(30), clock: clock, logger: quietLogger),
            facebook: FacebookClient(httpClient: http, baseURL: simulator.baseURL, timeout: .seconds(30), logger: quietLogger),
            tiktok: TikTokClient(
                httpClient: http, baseURL: simulator.baseURL,
                credentials: TikTokAppCredentials(clientKey: "sim-key", clientSecret: "sim-secret"), timeout: .seconds(30),
                clock: clock, logger: quietLogger))
        let fixture = EngineFixture(clock: clock, simulator: simulator, store: store, clients: clients)
        do {
            try await body(fixture)
        } catch {
            await closeOffThePool(store)
            throw error
        }
        await closeOffThePool(store)
    } catch {
        try? await simulator.shutdown()
        try? FileManager.default.removeItem(at: directory)
        throw error
    }
    try await simulator.shutdown()
    try? FileManager.default.removeItem(at: directory)
}

extension RefreshReport {
    func detail(_ accountId: String) -> Detail? {
        details.first { $0.accountId == accountId }
    }
}

/// Runs a refresh on virtual time: whenever every account with work left is parked on `clock`, moves the clock
/// to the earliest wake-up, and returns the run's report.
///
/// Exact, with no real-time heuristics: the clock moves only when nothing can still act at the current instant
/// (each account with work left is asleep on it), so each call goes out at the instant the engine chose, however
/// slow the machine.
func reportOnVirtualTime(_ handle: RefreshEngine.Handle, engine: RefreshEngine, clock: ManualClock) async throws -> RefreshReport {
    let driver = Task {
        while !Task.isCancelled {
            let sleepers = clock.sleeperCount
            if sleepers > 0, sleepers == engine.accountsInProgress, let next = clock.earliestDeadline {
                clock.advance(to: next)
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
    defer { driver.cancel() }
    return try await handle.report()
}
