import ArgumentParser

/// When posts are refreshed and how fast: the planner and its cadence, the call budget and rates, the pauses and
/// deadlines, the clock everything waits on.
struct RefreshOptions: ParsableArguments {
    @Flag(help: "No planner: refreshes run only when refreshAll/refreshWorkspace is called (e.g. from cron).")
    var noSchedule = false

    @Option(help: "When posts are due, by age: standard (younger than 1 day hourly, 1-7 days every 6 h, then daily; weekly past day 30), fixed:SECONDS (every post in the window every SECONDS, the old sweep), or AGE=INTERVAL,... such as 1d=1h,7d=6h,30d=1d.")
    var cadence = "standard"

    @Option(help: "Share of each account's and platform's hourly call budget the planner may spend (0 < share <= 1); the rest is headroom for on-demand refreshes and other services.")
    var budgetShare: Double = 0.5

    @Option(help: "Failures in a row after which a post is flagged failing (it is still retried, at its band's interval).")
    var failingAfter: Int = 5

    @Flag(help: "Discover new posts of every connected account (syncPosts) beside the planner: hourly for an account that published in the window, every 6 hours for one that did not, each listing reaching back an hour before the last and paced like any call.")
    var syncPosts = false

    @Option(help: "Days back a post's postedAt may be and still be refreshed.")
    var windowDays: Int = 30

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

    @Option(help: ArgumentHelp(
        "How many times faster than real time the daemon's clock runs. (default: 1; 60 with --demo, an hour per real minute)",
        discussion: "Everything that reads the time or waits follows it: due times, pacing and token buckets, run deadlines, backoff, token lifetimes, snapshot times, the planner. The socket's idle timeout and shutdown grace stay in real time."))
    var clockSpeed: Double?

    @Option(help: "With --clock-speed (not --demo): the real moment (ISO 8601) at which the sped-up clock read the real time, instead of this start. Processes given the same speed and anchor (platform-sim has the same flag) share one timeline to the millisecond, however far apart they start.")
    var clockAnchor: String?
}
