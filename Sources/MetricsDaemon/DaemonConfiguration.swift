import MetricsCore
import MetricsStore
import NIOCore
import RefreshEngine
import RPCServer

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
    public var databasePath: String
    public var store = MetricsStore.Options()
    public var endpoints = Endpoints()
    public var refresh = RefreshConfiguration()
    /// nil: no built-in schedule (deployments that trigger `refreshAll` from cron).
    public var scheduleIntervalSeconds: Int64? = 6 * 3600
    /// The first scheduled run comes this soon after start.
    public var scheduleFirstRunDelaySeconds: Int64 = 60
    /// Also discover new posts (syncPosts) for every connected account before each scheduled run.
    public var syncPostsOnSchedule = false
    /// The one time source of the store, the engine, the platform clients and the schedule: due times, pacing,
    /// run deadlines, backoff, token lifetimes, snapshot times. A `ScaledClock` makes a demo's hours pass in
    /// minutes. The socket server's idle timeout and shutdown grace stay in real time: they protect the process,
    /// not the model.
    public var clock: any WallClock = SystemClock()

    public init(socketPath: String, databasePath: String) {
        self.server = RPCServerConfiguration(socketPath: socketPath)
        self.databasePath = databasePath
    }
}
