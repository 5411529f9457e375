import Logging
import MetricsCore
import MetricsDaemon
import MetricsStore
import NIOPosix
import PlatformSimulator
import RefreshEngine
import ServiceLifecycle
import Synchronization

/// `metricsd --demo`: the whole job against the bundled simulator, so a fresh machine shows real refreshes.
///
/// Runs the simulator in-process on a loopback port, seeds it with accounts on all three platforms and a few
/// hundred posts (some older than the 30-day window, so the scope rule shows), points the daemon's platform
/// clients at it, registers the accounts as two workspaces and lets discovery (`syncPosts`) register the posts,
/// as a studio would. The production daemon does not contain any of this: it is composed in by the executable.
public final class DemoCompanion: DaemonCompanion {
    /// How much the demo seeds: by default two accounts per platform with 60 posts each (about 290 inside the
    /// 30-day window).
    public struct Size: Sendable {
        public var accountsPerPlatform = 2
        public var postsPerAccount = 60

        public init(accountsPerPlatform: Int = 2, postsPerAccount: Int = 60) {
            self.accountsPerPlatform = accountsPerPlatform
            self.postsPerAccount = postsPerAccount
        }
    }

    private struct Started: Sendable {
        var baseURL: String
        var seeded: SeedSummary
    }

    private let size: Size
    /// When this demo first started: posts are dated and metrics grow from then, so a restarted demo's platforms
    /// answer what they would have answered had they never stopped.
    private let since: Timestamp
    private let logger: Logger
    private let startedStream: AsyncThrowingStream<Started, any Error>
    private let startedContinuation: AsyncThrowingStream<Started, any Error>.Continuation
    private let started = Mutex<Started?>(nil)

    /// `store` tells when this demo first started: when it registered its first workspace, or now for a fresh
    /// database.
    public init(size: Size, store: MetricsStore, logger: Logger) async throws {
        self.size = size
        self.since = try await store.workspace(id: Self.workspaceIds[0])?.createdAt ?? SystemClock().now
        self.logger = logger
        (startedStream, startedContinuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    static let workspaceIds = ["demo-studio-a", "demo-studio-b"]

    /// Starts the simulator on an event loop of its own (on the RPC server's loops it would make demo reads
    /// wait behind simulated platform traffic, which real platforms, being remote, never cause), serves until
    /// the daemon has stopped, then stops it.
    public func run() async throws {
        do {
            try await MultiThreadedEventLoopGroup.withEventLoopGroup(numberOfThreads: 1) { loops in
                try await PlatformSimulator.withRunning(configuration: simulatorConfiguration(), eventLoopGroup: loops) { simulator in
                    let seeded = try simulator.seed(SimulatorSeed(generate: .init(
                        accountsPerPlatform: size.accountsPerPlatform, postsPerAccount: size.postsPerAccount, seed: 2026,
                        maxAgeDays: 40, referenceTime: since)))
                    logger.info("demo: platform simulator running", metadata: [
                        "url": "\(simulator.baseURL)", "accounts": "\(seeded.accounts.count)", "posts": "\(seeded.postCount)",
                    ])
                    let value = Started(baseURL: simulator.baseURL, seeded: seeded)
                    started.withLock { $0 = value }
                    startedContinuation.yield(value)
                    startedContinuation.finish()
                    try? await gracefulShutdown()
                }
            }
        } catch {
            startedContinuation.finish(throwing: error)
            throw error
        }
    }

    /// A simulated day of metric growth per minute: the demo refreshes every minute, and at real speed its
    /// history would be flat lines.
    private func simulatorConfiguration() -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.insights.growthSpeed = 1440
        configuration.insights.growthSince = since.iso8601
        return configuration
    }

    public func endpoints(replacing configured: DaemonConfiguration.Endpoints) async throws -> DaemonConfiguration.Endpoints {
        var iterator = startedStream.makeAsyncIterator()
        guard let started = try await iterator.next() else { throw CancellationError() }
        var endpoints = configured
        endpoints.instagram = started.baseURL
        endpoints.facebook = started.baseURL
        endpoints.tiktok = started.baseURL
        // The simulator accepts any app credentials; without some, TikTok tokens could not be refreshed once
        // they expire two hours into a demo.
        endpoints.tiktokClientKey = endpoints.tiktokClientKey ?? "demo-client-key"
        endpoints.tiktokClientSecret = endpoints.tiktokClientSecret ?? "demo-client-secret"
        return endpoints
    }

    /// Registers the seeded accounts (idempotent: a restarted demo reuses its database) and discovers their posts.
    public func daemonReady(store: MetricsStore, engine: RefreshEngine) async throws {
        guard let seeded = started.withLock({ $0?.seeded }) else { return }
        _ = try await store.upsertWorkspace(Workspace(id: Self.workspaceIds[0], name: "Demo Studio A"))
        _ = try await store.upsertWorkspace(Workspace(id: Self.workspaceIds[1], name: "Demo Studio B"))
        for (index, account) in seeded.accounts.enumerated() {
            let id = "demo-\(account.platform.rawValue)-\(index)"
            _ = try await store.upsertAccount(AccountRegistration(
                id: id, workspaceId: Self.workspaceIds[index % 2], platform: account.platform,
                externalAccountId: account.id, accessToken: account.accessToken, refreshToken: account.refreshToken,
                tokenExpiresAt: account.accessTokenExpiresAt))
            let sync = try await engine.syncPosts(accountId: id)
            logger.info("demo: registered account", metadata: [
                "account": "\(id)", "platform": "\(account.platform.rawValue)", "postsDiscovered": "\(sync.discovered)",
            ])
        }
    }
}
