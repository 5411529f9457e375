import Foundation
import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricsCore
import MetricsDaemon
import MetricsDemo
import MetricsStore
import NIOCore
import PostgresStore
import RefreshEngine

/// `metricsd`: parses flags, then hands over to `MetricsDaemon.run`. Nothing else lives here.
@main
struct MetricsdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metricsd",
        abstract: "Keeps social-media post metrics fresh; serves them over JSON-RPC on a Unix socket.",
        version: DefaultLocations.version)

    @Option(help: "Unix socket to listen on. (default: $METRICSD_SOCKET, /run/metricsd/metricsd.sock as root, else $XDG_RUNTIME_DIR/metricsd/metricsd.sock)")
    var socket: String?

    @Option(help: ArgumentHelp(
        "SQLite database file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB or postgresql://...) shared by several daemons. (default: $METRICSD_DATABASE, /var/lib/metricsd/metrics.sqlite as root, else ~/.local/share/metricsd/metrics.sqlite; demo.sqlite in the same folder with --demo)",
        discussion: "A PostgreSQL password comes from the URL, $PGPASSWORD or ~/.pgpass ($PGPASSFILE), and is never logged. Daemons on one PostgreSQL database divide the accounts between them by leases (--lease-ttl).",
        valueName: "path-or-url"))
    var database: String?

    @Option(help: "With a PostgreSQL database: seconds an account's lease lasts unless renewed; a daemon that dies loses its accounts to the others after this long.")
    var leaseTtl: Int64 = 60

    @Flag(help: "Create the socket mode 0660 instead of 0600, so the daemon's group may connect.")
    var groupAccess = false

    @Option(help: ArgumentHelp("Socket group (a name or a gid): the socket is made mode 0660 and given to this group, whose members may connect.", valueName: "group"))
    var socketGroup: String?

    @Option(help: ArgumentHelp("Access policy file (JSON): who may call what, by uid, user, gid or group; reloaded on SIGHUP. Without one, whoever can open the socket may call everything.", valueName: "file"))
    var access: String?

    @Option(help: "Longest request line accepted, in bytes; longer lines get a -32600 reply and the connection closes.")
    var maxRequestBytes: Int = 1 << 20

    @Option(help: "Most concurrent connections; more are answered with -32000 and closed.")
    var maxConnections: Int = 256

    @Option(help: "Seconds a connection may stay silent, with no call running, before it is closed.")
    var idleTimeout: Int64 = 300

    @Option(help: "Seconds shutdown (SIGTERM, SIGINT) may take; a daemon not done by then logs what it was waiting for and exits with status 3.")
    var shutdownTimeout: Int64 = 30

    @Option(help: "Posts whose newest snapshot latestMetrics keeps in memory (about 500 bytes each); 0 turns the cache off.")
    var latestCacheEntries: Int = 10_000

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "text (one line per entry, for people) or json (one JSON object per line: time, level, label, message, source and the entry's metadata).")
    var logFormat: LogFormat = .text

    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics over HTTP at GET /metrics on PORT (loopback, 127.0.0.1) or HOST:PORT.",
        discussion: "Off by default; the metrics method answers the same text over the socket. Port 0 takes a free port, logged as \"metrics listening\". Give an address such as 0.0.0.0:9464 to serve other hosts.",
        valueName: "host:port"))
    var metricsListen: String?

    @Flag(help: "Demo: start the bundled platform simulator, register seeded accounts and posts, refresh each post when it is due, on a clock running --clock-speed times faster.")
    var demo = false

    @Option(help: "With --demo: accounts seeded per platform.")
    var demoAccounts: Int = 2

    @Option(help: "With --demo: posts seeded per account (about 3 in 4 fall inside the 30-day window).")
    var demoPosts: Int = 60

    @Flag(help: "No planner: refreshes run only when refreshAll/refreshWorkspace is called (e.g. from cron).")
    var noSchedule = false

    @Option(help: "When posts are due, by age: standard (younger than 1 day hourly, 1-7 days every 6 h, then daily; weekly past day 30), fixed:SECONDS (every post in the window every SECONDS, the old sweep), or AGE=INTERVAL,... such as 1d=1h,7d=6h,30d=1d.")
    var cadence = "standard"

    @Option(help: "Share of each account's and platform's hourly call budget the planner may spend (0 < share <= 1); the rest is headroom for on-demand refreshes and other services.")
    var budgetShare: Double = 0.5

    @Option(help: "Failures in a row after which a post is flagged failing (it is still retried, at its band's interval).")
    var failingAfter: Int = 5

    @Option(help: ArgumentHelp(
        "How many times faster than real time the daemon's clock runs. (default: 1; 60 with --demo, an hour per real minute)",
        discussion: "Everything that reads the time or waits follows it: due times, pacing and token buckets, run deadlines, backoff, token lifetimes, snapshot times, the planner. The socket's idle timeout and shutdown grace stay in real time."))
    var clockSpeed: Double?

    @Option(help: "With --clock-speed (not --demo): the real moment (ISO 8601) at which the sped-up clock read the real time, instead of this start. Processes given the same speed and anchor (platform-sim has the same flag) share one timeline to the millisecond, however far apart they start.")
    var clockAnchor: String?

    @Flag(help: "Discover new posts of every connected account (syncPosts), at most once an hour, before the planner's passes.")
    var syncPosts = false

    @Option(help: "Local days of raw snapshots kept whole (today counts as one); older days keep only their last snapshot. 0 keeps every snapshot.")
    var keepRawDays: Int = 14

    @Option(help: "Local days of history kept at all (snapshots, daily rollups, totals); 0 keeps it forever.")
    var keepDays: Int = 0

    @Option(help: "Days back a post's postedAt may be and still be refreshed.")
    var windowDays: Int = 30

    @Option(help: "Instagram Graph API base URL.")
    var instagramURL = "https://graph.instagram.com"

    @Option(help: "Facebook Graph API base URL.")
    var facebookURL = "https://graph.facebook.com"

    @Option(help: "TikTok API base URL. The app's client key and secret come from $METRICSD_TIKTOK_CLIENT_KEY and $METRICSD_TIKTOK_CLIENT_SECRET.")
    var tiktokURL = "https://open.tiktokapis.com"

    @Option(help: "Graph API version path segment.")
    var graphAPIVersion = "v25.0"

    @Option(parsing: .singleValue, help: "Per-platform call rate, PLATFORM=PER_SECOND[:BURST], repeatable. (default: instagram=50:50 facebook=50:50 tiktok=8:8)")
    var rate: [String] = []

    @Option(parsing: .singleValue, help: "Per-account call rate, PLATFORM=PER_SECOND[:BURST], repeatable. (default: instagram=5:10 facebook=5:10 tiktok=8:8)")
    var accountRate: [String] = []

    @Option(help: "Usage-header percentage at which an app or account pauses.")
    var usageThreshold: Int = 90

    @Option(help: "Seconds an app or account pauses when throttled without a regain time.")
    var pauseSeconds: Int64 = 3600

    @Option(help: "Seconds a run may keep waiting out rate limits before deferring the rest to the next run.")
    var runDeadline: Int64 = 3600

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

    func validate() throws {
        for text in rate { _ = try Self.parseRate(text, flag: "--rate") }
        for text in accountRate { _ = try Self.parseRate(text, flag: "--account-rate") }
        guard (1...100).contains(usageThreshold) else { throw ValidationError("--usage-threshold must be between 1 and 100") }
        guard (1...1000).contains(demoAccounts), (1...100_000).contains(demoPosts) else {
            throw ValidationError("--demo-accounts must be 1...1000 and --demo-posts 1...100000")
        }
        guard windowDays >= 1 else { throw ValidationError("--window-days must be at least 1") }
        do {
            _ = try Cadence.parse(cadence, windowDays: windowDays)
        } catch {
            throw ValidationError(error.description)
        }
        guard keepRawDays >= 0, keepDays >= 0 else { throw ValidationError("--keep-raw-days and --keep-days must not be negative") }
        if keepDays > 0, keepRawDays > keepDays {
            throw ValidationError("--keep-raw-days (\(keepRawDays)) cannot be more than --keep-days (\(keepDays))")
        }
        guard budgetShare > 0, budgetShare <= 1 else { throw ValidationError("--budget-share must be more than 0 and at most 1") }
        guard failingAfter >= 1 else { throw ValidationError("--failing-after must be at least 1") }
        guard maxRequestBytes >= 1024 else { throw ValidationError("--max-request-bytes must be at least 1024") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard latestCacheEntries >= 0 else { throw ValidationError("--latest-cache-entries must not be negative") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
        guard shutdownTimeout >= 1 else { throw ValidationError("--shutdown-timeout must be at least 1 second") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
        if let metricsListen {
            do {
                _ = try MetricsListenAddress.parse(metricsListen)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if let clockSpeed { try Self.validateClockSpeed(clockSpeed) }
        guard leaseTtl >= 1 else { throw ValidationError("--lease-ttl must be at least 1 second") }
        if let url = Self.postgresURL(database ?? ProcessInfo.processInfo.environment["METRICSD_DATABASE"]) {
            guard !demo else { throw ValidationError("--demo keeps its own SQLite file; it does not run on a PostgreSQL --database") }
            do {
                _ = try PostgresStore.Configuration(url: url)
            } catch {
                throw ValidationError("--database: \(error.description)")
            }
        }
        if let socketGroup { _ = try Self.groupID(socketGroup) }
        if let clockAnchor {
            guard Timestamp(iso8601: clockAnchor) != nil else {
                throw ValidationError("--clock-anchor must be ISO 8601, e.g. 2026-11-24T19:04:00Z")
            }
            guard clockSpeed != nil, !demo else {
                throw ValidationError("--clock-anchor goes with --clock-speed and not with --demo (the demo anchors at its first start)")
            }
        }
    }

    /// Above a million, a real millisecond would be more than a quarter of a simulated hour and a real day
    /// thousands of simulated years: no use, and past what the clock's milliseconds hold exactly.
    static func validateClockSpeed(_ speed: Double) throws {
        guard speed > 0, speed <= 1_000_000, speed.isFinite else {
            throw ValidationError("--clock-speed must be a number greater than 0 and at most 1000000 (1 is real time, 60 an hour per minute), not \(speed)")
        }
    }

    func run() async throws {
        let environment = ProcessEnvironment.current
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                return JSONLogHandler(label: label, level: level)
            }
        }
        let logger = Logger(label: "metricsd")

        var configuration = DaemonConfiguration(
            socketPath: socket ?? DefaultLocations.socketPath(environment: environment),
            databasePath: database ?? Self.defaultDatabase(environment: environment, demo: demo))
        do {
            // Socket activation: systemd bound the socket and passes it; --socket then only names it, and is
            // replaced by the path systemd bound when it has one.
            if let descriptor = try SocketActivation.descriptor(environment: environment, processID: getpid()) {
                configuration.server.inheritedDescriptor = descriptor
                if let path = try SocketActivation.adopt(descriptor) {
                    configuration.server.socketPath = path
                }
            }
        } catch {
            logger.critical("cannot start: \(error.description)")
            throw ExitCode(1)
        }
        configuration.notifier = SystemdNotifier(environment: environment, logger: logger)
        if configuration.notifier != nil {
            configuration.watchdog = WatchdogSchedule.parse(environment: environment, processID: getpid())
        }
        if let metricsListen {
            do {
                configuration.metricsListen = try MetricsListenAddress.parse(metricsListen)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if let url = Self.postgresURL(configuration.databasePath) {
            do {
                configuration.postgres = try PostgresStore.Configuration(url: url, environment: environment)
            } catch {
                throw ValidationError("--database: \(error.description)")
            }
            configuration.refresh.leaseMilliseconds = leaseTtl * 1000
        }
        configuration.server.socketMode = groupAccess || socketGroup != nil ? 0o660 : 0o600
        configuration.server.socketGroup = try socketGroup.map(Self.groupID)
        configuration.accessFile = access
        configuration.server.maximumLineBytes = maxRequestBytes
        configuration.server.maximumConnections = maxConnections
        configuration.server.idleTimeout = .seconds(idleTimeout)
        configuration.shutdownTimeout = .seconds(shutdownTimeout)
        configuration.store.latestCacheCapacity = latestCacheEntries
        configuration.endpoints.instagram = instagramURL
        configuration.endpoints.facebook = facebookURL
        configuration.endpoints.tiktok = tiktokURL
        configuration.endpoints.graphAPIVersion = graphAPIVersion
        configuration.endpoints.tiktokClientKey = environment["METRICSD_TIKTOK_CLIENT_KEY"]
        configuration.endpoints.tiktokClientSecret = environment["METRICSD_TIKTOK_CLIENT_SECRET"]
        configuration.retention = keepRawDays == 0 && keepDays == 0
            ? nil : MetricsStore.RetentionPolicy(keepRawDays: keepRawDays, keepDays: keepDays)
        configuration.planner = !noSchedule
        configuration.discoveryIntervalMilliseconds = syncPosts ? 3_600_000 : nil
        let speed = clockSpeed ?? (demo ? DemoCompanion.defaultClockSpeed : 1)
        if let anchor = clockAnchor.flatMap({ Timestamp(iso8601: $0) }) {
            configuration.clock = ScaledClock(speed: speed, anchor: .at(anchor))
        } else if speed != 1 {
            configuration.clock = ScaledClock(speed: speed)
        }
        configuration.refresh.window = RefreshWindow(days: windowDays)
        configuration.refresh.schedule = RefreshSchedule(
            cadence: try Cadence.parse(cadence, windowDays: windowDays), failures: FailureBackoff(failingAfter: failingAfter))
        configuration.refresh.budget = CallBudget(share: budgetShare)
        configuration.refresh.usageThresholdPercent = usageThreshold
        configuration.refresh.defaultPauseMilliseconds = pauseSeconds * 1000
        configuration.refresh.runDeadlineMilliseconds = runDeadline * 1000
        for text in rate {
            let (platform, value) = try Self.parseRate(text, flag: "--rate")
            configuration.refresh.platformRates[platform] = value
        }
        for text in accountRate {
            let (platform, value) = try Self.parseRate(text, flag: "--account-rate")
            configuration.refresh.accountRates[platform] = value
        }
        do {
            if demo {
                let size = DemoCompanion.Size(accountsPerPlatform: demoAccounts, postsPerAccount: demoPosts)
                try await MetricsDaemon.run(
                    configuration, logger: logger,
                    clock: { databasePath in try await DemoCompanion.clock(speed: speed, databasePath: databasePath) },
                    companion: { store, clock in try await DemoCompanion(size: size, store: store, clock: clock, logger: logger) })
            } else {
                try await MetricsDaemon.run(configuration, logger: logger)
            }
        } catch let error as MetricsDaemon.StartupError {
            logger.critical("cannot start: \(error.description)")
            throw ExitCode(1)
        }
    }
}

