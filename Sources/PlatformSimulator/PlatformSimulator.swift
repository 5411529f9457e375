import MetricsCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A running platform simulator: Instagram and Facebook Graph API and TikTok v2 look-alikes on one HTTP port.
///
/// Start one per test (port 0 picks a free port), point the clients' base URLs at `baseURL`, seed it, and read
/// its stats. Give it a `ManualClock` to control token lifetimes, budgets and metric growth; HTTP users can then
/// move that clock with `POST /_sim/clock`.
///
/// ```swift
/// let clock = ManualClock()
/// let sim = try await PlatformSimulator.start(configuration: .init(), clock: clock)
/// try sim.seed(SimulatorSeed(generate: .init(accountsPerPlatform: 100, postsPerAccount: 100)))
/// // … clients call sim.baseURL …
/// try await sim.shutdown()
/// ```
public final class PlatformSimulator: Sendable {
    public let host: String
    public let port: Int
    public let clock: any WallClock
    private let core: SimulatorCore
    private let serverChannel: any Channel
    private let connections: ConnectionRegistry

    /// `http://127.0.0.1:PORT`, with no trailing slash; every platform's base URL in tests.
    public var baseURL: String { "http://\(host):\(port)" }

    private init(
        host: String, port: Int, clock: any WallClock, core: SimulatorCore, serverChannel: any Channel,
        connections: ConnectionRegistry
    ) {
        self.host = host
        self.port = port
        self.clock = clock
        self.core = core
        self.serverChannel = serverChannel
        self.connections = connections
    }

    public static func start(
        configuration: SimulatorConfiguration = SimulatorConfiguration(),
        clock: any WallClock = SystemClock(),
        host: String = "127.0.0.1",
        port: Int = 0,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> PlatformSimulator {
        let core = SimulatorCore(configuration: configuration, clock: clock)
        let registry = ConnectionRegistry()
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                registry.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SimulatorHTTPHandler(core: core))
                }
            }
            .bind(host: host, port: port)
            .get()
        guard let boundPort = channel.localAddress?.port else {
            try? await channel.close()
            throw SimulatorStartError(description: "the server socket has no port")
        }
        return PlatformSimulator(
            host: host, port: boundPort, clock: clock, core: core, serverChannel: channel,
            connections: registry)
    }

    /// Runs `body` with a started simulator and shuts it down when `body` ends, however it ends.
    public static func withRunning<T>(
        configuration: SimulatorConfiguration = SimulatorConfiguration(),
        clock: any WallClock = SystemClock(),
        host: String = "127.0.0.1",
        port: Int = 0,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (PlatformSimulator) async throws -> T
    ) async throws -> T {
        let simulator = try await start(configuration: configuration, clock: clock, host: host, port: port, eventLoopGroup: eventLoopGroup)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(simulator))
        } catch {
            result = .failure(error)
        }
        try? await simulator.shutdown()
        return try result.get()
    }

    /// Stops accepting, closes open connections, and returns when the listening socket is closed.
    public func shutdown() async throws {
        try? await serverChannel.close()
        let open = connections.channels.withLock { channels in
            let all = Array(channels.values)
            channels.removeAll()
            return all
        }
        for channel in open {
            try? await channel.close()
        }
    }

    /// Returns when the server stops (for the executable, which runs until killed).
    public func waitUntilClosed() async throws {
        try await serverChannel.closeFuture.get()
    }

    // MARK: In-process control (the same things `/_sim/...` offers over HTTP)

    @discardableResult
    public func seed(_ seed: SimulatorSeed) throws(SimulatorSeedError) -> SeedSummary {
        let now = clock.now
        return try core.world.withLock { world throws(SimulatorSeedError) in try world.seed(seed, now: now) }
    }

    public func stats() -> SimulatorStats {
        core.world.withLock { $0.stats }
    }

    public func resetStats() {
        core.world.withLock { $0.stats = SimulatorStats() }
    }

    /// Queues a fault for the next matching platform request(s).
    public func inject(_ fault: ScriptedFault) {
        core.world.withLock { $0.scriptedFaults.append(fault) }
    }

    public func clearFaults() {
        core.world.withLock { $0.scriptedFaults.removeAll() }
    }

    public var configuration: SimulatorConfiguration {
        core.world.withLock { $0.configuration }
    }

    /// Changes the configuration of the running simulator (budgets and fault sequence restart).
    public func reconfigure(_ update: (inout SimulatorConfiguration) -> Void) {
        core.world.withLock { world in
            var configuration = world.configuration
            update(&configuration)
            world.reconfigure(configuration)
        }
    }

    /// The tokens an account holds now (after any refreshes), and when they expire.
    public func tokens(of accountID: String) -> SimulatedTokens? {
        core.world.withLock { world in
            guard let account = world.accounts[accountID] else { return nil }
            return SimulatedTokens(
                accessToken: account.accessToken,
                accessTokenExpiresAt: world.accessTokens[account.accessToken]?.expiresAt,
                refreshToken: account.refreshToken,
                refreshTokenExpiresAt: account.refreshToken.flatMap { world.refreshTokens[$0]?.expiresAt })
        }
    }

    /// Every access and refresh token seeded or issued so far, spent ones included.
    public func issuedTokens() -> [String] {
        core.world.withLock { $0.issuedTokens }
    }

    /// Whether a token would be accepted right now (the old TikTok refresh token is not, once rotated).
    public func isRefreshTokenValid(_ token: String) -> Bool {
        let now = clock.now
        return core.world.withLock { world in world.refreshTokens[token].map { now < $0.expiresAt } ?? false }
    }
}

/// An account's current tokens, as `PlatformSimulator.tokens(of:)` reports them.
public struct SimulatedTokens: Sendable, Hashable {
    public var accessToken: String
    public var accessTokenExpiresAt: Timestamp?
    public var refreshToken: String?
    public var refreshTokenExpiresAt: Timestamp?
}

public struct SimulatorStartError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Open connections, so `shutdown()` can close keep-alive connections a client left idle.
private final class ConnectionRegistry: Sendable {
    let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLock { $0.removeValue(forKey: key) }
        }
    }
}
