import MetricsCore
import NIOCore
import PostgresStore
import RefreshEngine
import RPCServer
import SQLiteStore
import StorageContract

/// Everything `metricsd` is told on its command line, with the defaults documented in the README.
public struct DaemonConfiguration: Sendable {
    /// Where the platforms are. Production defaults; tests and the demo point them at the simulator.
    public struct Endpoints: Sendable {
        public var instagram = "https://graph.instagram.com"
        public var facebook = "https://graph.facebook.com"
        public var tiktok = "https://open.tiktokapis.com"
        public var graphAPIVersion = "v25.0"
        /// The TikTok app's credentials, needed for the refresh grant (from the environment, never a flag).
        public var tiktokClientKey: String?
        public var tiktokClientSecret: String?

        public init() {}
    }

    public var server: RPCServerConfiguration
    /// The SQLite database file, unless `postgres` is set.
    public var databasePath: String
    public var store = SQLiteOptions()
    /// A PostgreSQL database shared with other daemons (`--database postgres://…`), instead of the SQLite file:
    /// the daemons divide the accounts between them by leases (`RefreshConfiguration.leaseMilliseconds`).
    public var postgres: PostgresStore.Configuration?
    public var postgresOptions = PostgresStore.Options()
    public var endpoints = Endpoints()
    public var refresh = RefreshConfiguration()
    /// Webhook deliveries: retries and timeouts.
    public var webhooks = WebhookConfiguration()
    /// `--access FILE`: who may call what (see `AccessPolicy`); nil: whoever can open the socket may call everything.
    public var accessFile: String?
    /// How long raw snapshots and history are kept (`--keep-raw-days`, `--keep-days`); nil: no retention at all.
    public var retention: RetentionPolicy? = RetentionPolicy()
    /// Recent events the fan-out holds for subscribers (`--subscription-buffer`).
    public var subscriptionBuffer = 10_000
    /// Refresh each post when it is due (`refresh.schedule`); off: refreshes run only when asked (cron).
    public var planner = true
    /// Also discover new posts (syncPosts) of every connected account, beside the planner, when
    /// `refresh.discovery` says each is due (`--sync-posts`).
    public var discovery = false
    /// The one time source of the store, the engine, the platform clients and the planner: due times, pacing,
    /// run deadlines, backoff, token lifetimes, snapshot times. A `ScaledClock` makes a demo's hours pass in
    /// minutes. The socket server's idle timeout and shutdown grace stay in real time: they protect the process,
    /// not the model.
    public var clock: any WallClock = SystemClock()
    /// Where `GET /metrics` is served (`--metrics-listen`); nil: nowhere (the `metrics` method still answers).
    public var metricsListen: MetricsListenAddress?
    /// systemd's notification socket (`$NOTIFY_SOCKET` of a `Type=notify` unit): READY=1 once the socket listens,
    /// STOPPING=1 on shutdown; nil outside systemd.
    public var notifier: SystemdNotifier?
    /// When to ping the watchdog (`WatchdogSec=`); only with `notifier`.
    public var watchdog: WatchdogSchedule?
    /// How long shutdown may take once it begins (`--shutdown-timeout`): a daemon still not done then logs what it was
    /// waiting for and exits with `ShutdownWatch.exitCode`, rather than hang unseen. Longer than the socket's drain.
    public var shutdownTimeout: Duration = .seconds(30)

    public init(socketPath: String, databasePath: String) {
        self.server = RPCServerConfiguration(socketPath: socketPath)
        self.databasePath = databasePath
    }
}

extension DaemonConfiguration.Endpoints: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never the client secret: swift-service-lifecycle logs each service as it starts and stops, configuration
    /// included, and a daemon's log must hold no credential at any level.
    public var description: String {
        let secret = tiktokClientSecret == nil ? "nil" : "[redacted]"
        return "Endpoints(instagram: \(instagram), facebook: \(facebook), tiktok: \(tiktok), graphAPIVersion: \(graphAPIVersion), "
            + "tiktokClientKey: \(tiktokClientKey ?? "nil"), tiktokClientSecret: \(secret))"
    }

    public var debugDescription: String { description }
}
