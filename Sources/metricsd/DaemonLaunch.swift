import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricsCore
import MetricsDaemon
import MetricsDemo
import PostgresStore
import RefreshEngine
import StorageContract

/// Everything the flags and the environment say, parsed and checked once: `validate()` builds it to refuse bad input
/// before anything starts, `run()` builds it again and runs it. No flag is read anywhere else.
struct DaemonLaunch {
    var configuration: DaemonConfiguration
    var logLevel: Logger.Level
    var logFormat: LogFormat
    /// The demo's seeded population, when the demo runs.
    var demo: DemoCompanion.Size?
    /// The clock's speed (the demo's default when not given): the demo's clock is made from it once its database
    /// says when it first started.
    var clockSpeed: Double

    /// The one path from the command line (and `environment`, the only place the environment is read) to a
    /// configuration. Each refusal names its flag.
    init(
        socket: SocketOptions, store: StoreOptions, refresh: RefreshOptions, platforms: PlatformOptions,
        telemetry: TelemetryOptions, webhooks: WebhookOptions, demo: DemoOptions, environment: [String: String]
    ) throws {
        guard let level = Logger.Level(rawValue: telemetry.logLevel) else {
            throw ValidationError("--log-level: unknown level \(telemetry.logLevel)")
        }
        logLevel = level
        logFormat = telemetry.logFormat
        var configuration = DaemonConfiguration(
            socketPath: socket.socket ?? DefaultLocations.socketPath(environment: environment),
            databasePath: store.database ?? Self.defaultDatabase(environment: environment, demo: demo.demo))
        try Self.apply(socket, to: &configuration)
        try Self.apply(store, demo: demo.demo, environment: environment, to: &configuration)
        try Self.apply(refresh, to: &configuration)
        Self.apply(platforms, environment: environment, to: &configuration)
        if let schedule = try webhooks.retrySchedule() { configuration.webhooks.retrySchedule = schedule }
        if let metricsListen = telemetry.metricsListen {
            do {
                configuration.metricsListen = try MetricsListenAddress.parse(metricsListen)
            } catch {
                throw ValidationError(error.description)
            }
        }
        guard (1...1000).contains(demo.demoAccounts), (1...100_000).contains(demo.demoPosts) else {
            throw ValidationError("--demo-accounts must be 1...1000 and --demo-posts 1...100000")
        }
        self.demo = demo.demo ? DemoCompanion.Size(accountsPerPlatform: demo.demoAccounts, postsPerAccount: demo.demoPosts) : nil
        // The demo's accounts keep publishing: the daemon's own discovery finds their posts, as `--sync-posts` would.
        if demo.demo { configuration.discovery = true }
        if let clockSpeed = refresh.clockSpeed { try Self.validateClockSpeed(clockSpeed) }
        clockSpeed = refresh.clockSpeed ?? (demo.demo ? DemoCompanion.defaultClockSpeed : 1)
        if let anchorText = refresh.clockAnchor {
            guard let anchor = Timestamp(iso8601: anchorText) else {
                throw ValidationError("--clock-anchor must be ISO 8601, e.g. 2026-11-24T19:04:00Z")
            }
            guard refresh.clockSpeed != nil, !demo.demo else {
                throw ValidationError("--clock-anchor goes with --clock-speed and not with --demo (the demo anchors at its first start)")
            }
            configuration.clock = ScaledClock(speed: clockSpeed, anchor: .at(anchor))
        } else if clockSpeed != 1 {
            configuration.clock = ScaledClock(speed: clockSpeed)
        }
        self.configuration = configuration
    }

    private static func apply(_ options: SocketOptions, to configuration: inout DaemonConfiguration) throws {
        guard options.maxRequestBytes >= 1024 else { throw ValidationError("--max-request-bytes must be at least 1024") }
        guard options.maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard options.idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
        guard options.shutdownTimeout >= 1 else { throw ValidationError("--shutdown-timeout must be at least 1 second") }
        configuration.server.socketMode = options.groupAccess || options.socketGroup != nil ? 0o660 : 0o600
        configuration.server.socketGroup = try options.socketGroup.map(groupID)
        configuration.accessFile = options.access
        configuration.server.maximumLineBytes = options.maxRequestBytes
        configuration.server.maximumConnections = options.maxConnections
        configuration.server.idleTimeout = .seconds(options.idleTimeout)
        configuration.shutdownTimeout = .seconds(options.shutdownTimeout)
        guard options.subscriptionBuffer >= 1 else { throw ValidationError("--subscription-buffer must be at least 1") }
        configuration.subscriptionBuffer = options.subscriptionBuffer
    }

    private static func apply(
        _ options: StoreOptions, demo: Bool, environment: [String: String], to configuration: inout DaemonConfiguration
    ) throws {
        guard options.latestCacheEntries >= 0 else { throw ValidationError("--latest-cache-entries must not be negative") }
        guard options.keepRawDays >= 0, options.keepDays >= 0 else {
            throw ValidationError("--keep-raw-days and --keep-days must not be negative")
        }
        if options.keepDays > 0, options.keepRawDays > options.keepDays {
            throw ValidationError("--keep-raw-days (\(options.keepRawDays)) cannot be more than --keep-days (\(options.keepDays))")
        }
        guard options.keepEventsDays >= 1 else { throw ValidationError("--keep-events-days must be at least 1") }
        guard options.leaseTtl >= 1 else { throw ValidationError("--lease-ttl must be at least 1 second") }
        // $METRICSD_DATABASE is the default path (DefaultLocations), so a URL there is found here as well.
        if let url = postgresURL(configuration.databasePath) {
            guard !demo else { throw ValidationError("--demo keeps its own SQLite file; it does not run on a PostgreSQL --database") }
            do {
                configuration.postgres = try PostgresStore.Configuration(url: url, environment: environment)
            } catch {
                throw ValidationError("--database: \(error.description)")
            }
            configuration.refresh.leaseMilliseconds = options.leaseTtl * 1000
        }
        configuration.store.latestCacheCapacity = options.latestCacheEntries
        configuration.postgresOptions.latestCacheCapacity = options.latestCacheEntries
        // Always a policy: with every snapshot kept, the event log is still trimmed to --keep-events-days.
        configuration.retention = RetentionPolicy(
            keepRawDays: options.keepRawDays, keepDays: options.keepDays, keepEventsDays: options.keepEventsDays)
    }

    private static func apply(_ options: RefreshOptions, to configuration: inout DaemonConfiguration) throws {
        guard (1...100).contains(options.usageThreshold) else { throw ValidationError("--usage-threshold must be between 1 and 100") }
        guard options.windowDays >= 1 else { throw ValidationError("--window-days must be at least 1") }
        guard options.budgetShare > 0, options.budgetShare <= 1 else {
            throw ValidationError("--budget-share must be more than 0 and at most 1")
        }
        guard options.failingAfter >= 1 else { throw ValidationError("--failing-after must be at least 1") }
        let cadence: Cadence
        do {
            cadence = try Cadence.parse(options.cadence, windowDays: options.windowDays)
        } catch {
            throw ValidationError(error.description)
        }
        configuration.planner = !options.noSchedule
        configuration.discovery = options.syncPosts
        configuration.refresh.window = RefreshWindow(days: options.windowDays)
        configuration.refresh.schedule = RefreshSchedule(cadence: cadence, failures: FailureBackoff(failingAfter: options.failingAfter))
        configuration.refresh.budget = CallBudget(share: options.budgetShare)
        configuration.refresh.usageThresholdPercent = options.usageThreshold
        configuration.refresh.defaultPauseMilliseconds = options.pauseSeconds * 1000
        configuration.refresh.runDeadlineMilliseconds = options.runDeadline * 1000
        for text in options.rate {
            let (platform, value) = try parseRate(text, flag: "--rate")
            configuration.refresh.platformRates[platform] = value
        }
        for text in options.accountRate {
            let (platform, value) = try parseRate(text, flag: "--account-rate")
            configuration.refresh.accountRates[platform] = value
        }
    }

    private static func apply(_ options: PlatformOptions, environment: [String: String], to configuration: inout DaemonConfiguration) {
        configuration.endpoints.instagram = options.instagramURL
        configuration.endpoints.facebook = options.facebookURL
        configuration.endpoints.tiktok = options.tiktokURL
        configuration.endpoints.graphAPIVersion = options.graphAPIVersion
        configuration.endpoints.tiktokClientKey = environment["METRICSD_TIKTOK_CLIENT_KEY"]
        configuration.endpoints.tiktokClientSecret = environment["METRICSD_TIKTOK_CLIENT_SECRET"]
    }

    /// The text when it is a PostgreSQL URL rather than a SQLite file's path.
    static func postgresURL(_ text: String?) -> String? {
        guard let text, text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else { return nil }
        return text
    }

    /// The demo keeps its simulated accounts out of the real database: `demo.sqlite` beside it.
    static func defaultDatabase(environment: [String: String], demo: Bool) -> String {
        let path = DefaultLocations.databasePath(environment: environment)
        guard demo, let slash = path.lastIndex(of: "/") else { return path }
        return String(path[...slash]) + "demo.sqlite"
    }

    /// A group given by name or number.
    static func groupID(_ text: String) throws -> UInt32 {
        if let number = UInt32(text) { return number }
        guard let group = getgrnam(text) else { throw ValidationError("--socket-group: no group \"\(text)\"") }
        return UInt32(group.pointee.gr_gid)
    }

    /// `instagram=50:100` → (instagram, 50/s, burst 100).
    static func parseRate(_ text: String, flag: String) throws -> (Platform, RefreshConfiguration.Rate) {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let platform = Platform(rawValue: String(parts[0])) else {
            throw ValidationError("\(flag) \(text): expected PLATFORM=PER_SECOND[:BURST] with PLATFORM instagram, facebook or tiktok")
        }
        let numbers = parts[1].split(separator: ":")
        guard let perSecond = numbers.first.flatMap({ Double($0) }), perSecond > 0,
              numbers.count <= 2, numbers.count == 1 || Int(numbers[1]).map({ $0 >= 1 }) == true
        else {
            throw ValidationError("\(flag) \(text): the rate must be a positive number and the burst a whole number >= 1")
        }
        let burst = numbers.count == 2 ? Int(numbers[1]) ?? 1 : max(1, Int(perSecond.rounded(.up)))
        return (platform, RefreshConfiguration.Rate(perSecond: perSecond, burst: burst))
    }

    /// Above a million, a real millisecond would be more than a quarter of a simulated hour and a real day
    /// thousands of simulated years: no use, and past what the clock's milliseconds hold exactly.
    static func validateClockSpeed(_ speed: Double) throws {
        guard speed > 0, speed <= 1_000_000, speed.isFinite else {
            throw ValidationError("--clock-speed must be a number greater than 0 and at most 1000000 (1 is real time, 60 an hour per minute), not \(speed)")
        }
    }
}
