import Logging
import MetricsCore
import MetricsDaemon
import NIOPosix
import PlatformSimulator
import RefreshEngine
import ServiceLifecycle
import StorageContract
import Synchronization

/// `metricsd --demo`: the whole job against the bundled simulator, so a fresh machine shows real refreshes.
///
/// Runs the simulator in-process on a loopback port, seeds it with accounts on all three platforms and a few
/// hundred posts (some older than the 30-day window, so the scope rule shows), points the daemon's platform
/// clients at it, registers the accounts as two workspaces and lets discovery (`syncPosts`) register the posts,
/// as a studio would. The production daemon does not contain any of this: it is composed in by the executable.
///
/// Daemon and simulator share one clock, by default a `ScaledClock` at speed 60 anchored at the demo's first
/// start (`clock(speed:databasePath:)`): an hour passes in a real minute, so the freshness rules, written in
/// hours and days, show within minutes. The seeded posts leave the 30-day window after about 12 real hours at
/// that speed, so the simulator's accounts keep publishing (`SimulatorConfiguration.Publishing`) and the daemon's
/// own discovery (`--sync-posts`, on in the demo) finds the new posts within a simulated hour.
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
    /// When this demo first started: posts are dated, published and grow from then, and the scaled clock is
    /// anchored there, so a restarted demo's platforms answer what they would have answered had they never
    /// stopped.
    private let since: Timestamp
    private let clock: any WallClock
    private let logger: Logger
    private let startedStream: AsyncThrowingStream<Started, any Error>
    private let startedContinuation: AsyncThrowingStream<Started, any Error>.Continuation
    private let started = Mutex<Started?>(nil)

    /// The default `--clock-speed` of the demo: an hour per real minute. A post's first simulated day (refreshed
    /// hourly by the freshness rules) lasts 24 real minutes, a week 2.8 real hours.
    public static let defaultClockSpeed: Double = 60

    /// `store` tells when this demo first started (see `clock(speed:databasePath:)`); `clock` is the daemon's,
    /// which the simulator shares.
    public init(size: Size, store: any MetricsStorage, clock: any WallClock, logger: Logger) async throws {
        self.size = size
        self.since = try await store.workspace(id: Self.workspaceIds[0])?.createdAt ?? clock.now
        self.clock = clock
        self.logger = logger
        (startedStream, startedContinuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    static let workspaceIds = ["demo-studio-a", "demo-studio-b"]
    static let workspaceNames = ["Demo Studio A", "Demo Studio B"]

    /// The demo's clock, read from its database before the daemon opens it: a `ScaledClock` at `speed` whose
    /// scaled and real times were equal at the demo's first start, so
    /// `now = firstStart + (realNow − firstStart) × speed` in every session, and a restart continues the same
    /// timeline (with the real time it was stopped counted, sped up). The first start is when the demo's first
    /// workspace was registered; a fresh database registers it here, on the real clock, so the anchor is exact.
    /// Speed 1 is the system clock itself.
    public static func clock(speed: Double, databasePath: String) async throws -> any WallClock {
        let store = try MetricsDaemon.openSQLite(path: databasePath)
        let firstStart: Timestamp?
        do {
            firstStart = try await Self.firstStart(of: store)
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
        guard speed != 1, let firstStart else { return SystemClock() }
        return ScaledClock(speed: speed, anchor: .at(firstStart))
    }

    /// When the demo's first workspace was registered; a fresh database registers it now.
    private static func firstStart(of store: any MetricsStorage) async throws -> Timestamp? {
        if let createdAt = try await store.workspace(id: workspaceIds[0])?.createdAt { return createdAt }
        _ = try await store.upsertWorkspace(Workspace(id: workspaceIds[0], name: workspaceNames[0]))
        return try await store.workspace(id: workspaceIds[0])?.createdAt
    }

    /// Starts the simulator on an event loop of its own (on the RPC server's loops it would make demo reads
    /// wait behind simulated platform traffic, which real platforms, being remote, never cause), serves until
    /// the daemon has stopped, then stops it.
    public func run() async throws {
        do {
            try await MultiThreadedEventLoopGroup.withEventLoopGroup(numberOfThreads: 1) { loops in
                try await PlatformSimulator.withRunning(
                    configuration: simulatorConfiguration(), clock: clock, eventLoopGroup: loops
                ) { simulator in
                    let seeded = try simulator.seed(SimulatorSeed(generate: .init(
                        accountsPerPlatform: size.accountsPerPlatform, postsPerAccount: size.postsPerAccount, seed: Self.seed,
                        maxAgeDays: Self.seedSpanDays, referenceTime: since)))
                    logger.info("demo: platform simulator running", metadata: [
                        "url": "\(simulator.baseURL)", "accounts": "\(seeded.accounts.count)", "posts": "\(seeded.postCount)",
                    ])
                    let value = Started(baseURL: simulator.baseURL, seeded: seeded)
                    started.withLock { $0 = value }
                    startedContinuation.yield(value)
                    startedContinuation.finish()
                    // Until the daemon has stopped: graceful shutdown reaches the companion last.
                    try? await gracefulShutdown()
                }
            }
        } catch {
            startedContinuation.finish(throwing: error)
            throw error
        }
    }

    /// The seeded accounts keep publishing at the seed's own density (its posts span 40 days), from the first
    /// start on, so a restarted demo finds the posts published while it was stopped. Metrics grow with the
    /// shared clock: no separate growth speed.
    private func simulatorConfiguration() -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.publishing = .init(
            postsPerAccountPerDay: Double(size.postsPerAccount) / Double(Self.seedSpanDays), since: since.iso8601,
            seed: Self.seed)
        return configuration
    }

    static let seed: UInt64 = 2026
    static let seedSpanDays = 40


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
    public func daemonReady(store: any MetricsStorage, engine: RefreshEngine) async throws {
        guard let seeded = started.withLock({ $0?.seeded }) else { return }
        for (id, name) in zip(Self.workspaceIds, Self.workspaceNames) {
            _ = try await store.upsertWorkspace(Workspace(id: id, name: name))
        }
        for (index, account) in seeded.accounts.enumerated() {
            let id = "demo-\(account.platform.rawValue)-\(index)"
            _ = try await store.upsertAccount(AccountRegistration(
                id: id, workspaceId: Self.workspaceIds[index % 2], platform: account.platform,
                externalAccountId: account.id, accessToken: account.accessToken, refreshToken: account.refreshToken,
                tokenExpiresAt: account.accessTokenExpiresAt))
            // One account's discovery failing does not stop the demo: at a high --clock-speed on a loaded machine a
            // TikTok token (two simulated hours) can expire before the start gets to it. The daemon's own discovery
            // (`--sync-posts`, which the demo turns on) tries again; a run refreshes the token.
            do {
                let sync = try await engine.syncPosts(accountId: id)
                logger.info("demo: registered account", metadata: [
                    "account": "\(id)", "platform": "\(account.platform.rawValue)", "postsDiscovered": "\(sync.discovered)",
                ])
            } catch {
                try Task.checkCancellation()
                logger.warning("demo: registered account; its posts are not discovered yet", metadata: [
                    "account": "\(id)", "platform": "\(account.platform.rawValue)", "error": "\(error)",
                ])
            }
        }
    }
}
