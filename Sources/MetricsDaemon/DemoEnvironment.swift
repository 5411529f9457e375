import Logging
import MetricsCore
import MetricsStore
import NIOCore
import PlatformSimulator
import RefreshEngine

/// `metricsd --demo`: the whole job against the bundled simulator, so a fresh machine shows real refreshes.
///
/// Starts the simulator in-process on a loopback port, seeds it with accounts on all three platforms and a
/// few hundred posts (some older than the 30-day window, so the scope rule shows), registers them as two
/// workspaces, and lets discovery (`syncPosts`) register the posts, as a studio would.
enum DemoEnvironment {
    /// How much the demo seeds: by default two accounts per platform with 60 posts each (about 290 inside
    /// the 30-day window); benchmarks ask for more.
    struct Size: Sendable {
        var accountsPerPlatform = 2
        var postsPerAccount = 60
    }

    /// Starts and seeds the simulator; the caller points the platform clients at `baseURL`.
    /// The simulator gets its own event loop (`loops`): on the RPC server's loops it would make demo reads
    /// wait behind simulated platform traffic, which real platforms, being remote, never cause.
    /// `since`: when this demo first started (see `firstStart`); posts are dated and metrics grow from then, so a
    /// restarted demo's platforms answer what they would have answered had they never stopped.
    static func startSimulator(
        size: Size, since: Timestamp, loops: any EventLoopGroup, logger: Logger
    ) async throws -> (PlatformSimulator, SeedSummary) {
        // A simulated day of metric growth per minute: the demo refreshes every minute, and at real speed its
        // history would be flat lines.
        var configuration = SimulatorConfiguration()
        configuration.insights.growthSpeed = 1440
        configuration.insights.growthSince = since.iso8601
        let simulator = try await PlatformSimulator.start(
            configuration: configuration, clock: SystemClock(), host: "127.0.0.1", port: 0, eventLoopGroup: loops)
        let summary = try simulator.seed(SimulatorSeed(generate: .init(
            accountsPerPlatform: size.accountsPerPlatform, postsPerAccount: size.postsPerAccount, seed: 2026, maxAgeDays: 40,
            referenceTime: since)))
        logger.info("demo: platform simulator running", metadata: [
            "url": "\(simulator.baseURL)", "accounts": "\(summary.accounts.count)", "posts": "\(summary.postCount)",
        ])
        return (simulator, summary)
    }

    /// When the demo whose database this is first started: when it registered its first workspace, or now for a
    /// fresh database.
    static func firstStart(store: MetricsStore) throws -> Timestamp {
        let registered = try store.read { db in
            try Int64.fetchOne(db, sql: "SELECT created_at FROM workspaces WHERE id = 'demo-studio-a'")
        }
        return registered.map(Timestamp.init(milliseconds:)) ?? SystemClock().now
    }

    /// Registers the seeded accounts (idempotent: a restarted demo reuses its database) and discovers posts.
    static func register(_ summary: SeedSummary, store: MetricsStore, engine: RefreshEngine, logger: Logger) async throws {
        _ = try await store.upsertWorkspace(Workspace(id: "demo-studio-a", name: "Demo Studio A"))
        _ = try await store.upsertWorkspace(Workspace(id: "demo-studio-b", name: "Demo Studio B"))
        for (index, account) in summary.accounts.enumerated() {
            let id = "demo-\(account.platform.rawValue)-\(index)"
            _ = try await store.upsertAccount(AccountRegistration(
                id: id, workspaceId: index % 2 == 0 ? "demo-studio-a" : "demo-studio-b", platform: account.platform,
                externalAccountId: account.id, accessToken: account.accessToken, refreshToken: account.refreshToken,
                tokenExpiresAt: account.accessTokenExpiresAt))
            let sync = try await engine.syncPosts(accountId: id)
            logger.info("demo: registered account", metadata: [
                "account": "\(id)", "platform": "\(account.platform.rawValue)", "postsDiscovered": "\(sync.discovered)",
            ])
        }
    }
}
