/// Every instrument metricsd exports, named in this one place: what `GET /metrics` and the `metrics` method show,
/// and what the README's list is checked against. Layers record through `Telemetry`, never by a name of their own.
///
/// Names follow Prometheus' conventions (`promtool check metrics` passes): base units in the name (`_seconds`,
/// `_bytes`), counters end in `_total`, label values are bounded sets (a method name the daemon does not have is
/// `unknown`, never the caller's text).
public enum Instruments {
    // MARK: The socket

    public static let rpcRequests = Instrument(
        "metricsd_rpc_requests_total", .counter, labels: ["method", "code"],
        help: "JSON-RPC requests answered, notifications included, by method and outcome (code: ok, or the JSON-RPC error code); method unknown: no such method, invalid: not a request.")
    public static let rpcDuration = Instrument(
        "metricsd_rpc_request_duration_seconds",
        // From a cached latestMetrics (tens of microseconds) to a refreshAll that waits for its run (minutes).
        .histogram(buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5, 10, 60, 600]),
        labels: ["method"], help: "Time from a request's dispatch to its answer, by method.")
    public static let rpcConnections = Instrument(
        "metricsd_rpc_connections", .gauge, help: "Connections open on the JSON-RPC socket.")
    public static let rpcConnectionsRefused = Instrument(
        "metricsd_rpc_connections_refused_total", .counter,
        help: "Connections refused with -32000 because --max-connections were open.")
    /// Incremented by the access policy when it refuses a call (`RPCMethodInstruments.permissionDenied()`).
    public static let rpcPermissionDenials = Instrument(
        "metricsd_rpc_permission_denials_total", .counter, labels: ["method"],
        help: "Calls the access policy refused, by method.")

    // MARK: The platforms

    public static let platformCalls = Instrument(
        "metricsd_platform_calls_total", .counter, labels: ["platform", "outcome"],
        help: "Platform API calls by platform and outcome: ok, rate_limited, transient, token, unsupported_metric, other.")
    public static let tokenRefreshes = Instrument(
        "metricsd_token_refreshes_total", .counter, labels: ["platform", "outcome"],
        help: "Token refreshes (TikTok refresh grant, Instagram long-lived extension) by platform and outcome: ok or failed.")

    // MARK: The refresh

    public static let pauses = Instrument(
        "metricsd_refresh_pauses_total", .counter, labels: ["platform", "scope"],
        help: "Pauses started or lengthened by a usage header at --usage-threshold or a rate-limit error, by platform and scope (app or account).")
    public static let runs = Instrument(
        "metricsd_refresh_runs_total", .counter, labels: ["trigger", "status"],
        help: "Refresh runs finished, by trigger (schedule or rpc) and status (completed, interrupted, failed).")
    public static let runDuration = Instrument(
        "metricsd_refresh_run_duration_seconds",
        .histogram(buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200]),
        labels: ["trigger"], help: "Real time from a refresh run's start to its end, by trigger.")

    public static let deadlineDeferrals = Instrument(
        "metricsd_refresh_deadline_deferrals_total", .counter,
        help: "Accounts whose remaining posts a run deferred to the next run because its --run-deadline came first (the platform's rate booked past it).")

    // MARK: The store

    public static let snapshotsWritten = Instrument(
        "metricsd_snapshots_written_total", .counter, labels: ["source"],
        help: "Snapshots committed to the database, by source: refresh or import.")
    public static let latestCacheHits = Instrument(
        "metricsd_latest_cache_hits_total", .counter,
        help: "latestMetrics posts answered from the in-memory cache of newest snapshots.")
    public static let latestCacheMisses = Instrument(
        "metricsd_latest_cache_misses_total", .counter,
        help: "latestMetrics posts read from SQLite because the cache did not hold them.")

    // MARK: Webhooks

    public static let webhookDeliveries = Instrument(
        "metricsd_webhook_deliveries_total", .counter, labels: ["outcome"],
        help: "Webhook delivery records by outcome: delivered (2xx), failed (to be retried), disabled (410 Gone or the last retry failed), gap (events retention deleted before delivery).")
    public static let webhookDeliveryDuration = Instrument(
        "metricsd_webhook_delivery_duration_seconds",
        // A receiver on the same host (a millisecond) to one that times out (10 s).
        .histogram(buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
        help: "Real time from a webhook POST's start to its answer or failure.")

    // MARK: State, read when scraped

    public static let databaseUp = Instrument(
        "metricsd_database_up", .gauge, help: "1 when the database answered the scrape's read, 0 when it could not be reached (-32003).")
    public static let tokensExpiring = Instrument(
        "metricsd_accounts_tokens_expiring", .gauge,
        help: "Connected accounts whose credentials stop working within 7 days (the refresh token's expiry when the account has one, else the access token's): their owners must reconnect them.")
    public static let databaseSize = Instrument(
        "metricsd_database_size_bytes", .gauge, help: "Size of the SQLite database with its WAL, as health reports it.")
    public static let accounts = Instrument(
        "metricsd_accounts", .gauge, labels: ["status"],
        help: "Registered accounts by status: connected, expired, needs_reconnect, disconnected.")
    public static let freshnessPosts = Instrument(
        "metricsd_freshness_posts", .gauge, labels: ["band"],
        help: "Posts in the refresh window with an external id, by age band (youngest: true for the youngest band of --cadence, whatever its name).")
    public static let freshnessDue = Instrument(
        "metricsd_freshness_due_posts", .gauge, labels: ["band"],
        help: "Posts due for a refresh now, by age band (overdue ones included).")
    public static let freshnessOverdue = Instrument(
        "metricsd_freshness_overdue_posts", .gauge, labels: ["band"],
        help: "Posts due for longer than a tenth of their band's interval (at least a minute), by age band.")
    public static let freshnessFailing = Instrument(
        "metricsd_freshness_failing_posts", .gauge, labels: ["band"],
        help: "Posts that failed --failing-after times in a row, by age band.")
    public static let freshnessPaused = Instrument(
        "metricsd_freshness_paused_posts", .gauge, labels: ["band"],
        help: "Posts of accounts that are not connected, by age band.")
    public static let freshnessNeverRefreshed = Instrument(
        "metricsd_freshness_never_refreshed_posts", .gauge, labels: ["band"],
        help: "Posts never refreshed successfully, by age band.")
    public static let freshnessStaleness = Instrument(
        "metricsd_freshness_staleness_seconds", .gauge, labels: ["band", "percentile"],
        help: "Time since the last successful refresh of the posts refreshed at least once, by age band, at the 50th, 95th and 99th percentile.")

    // MARK: Events

    public static let eventsWritten = Instrument(
        "metricsd_events_total", .counter, labels: ["type"],
        help: "Events committed to the log, by type (snapshot, milestone, account, post, run, anomaly, import), as this daemon's fan-out read them.")
    public static let subscriptionsOpen = Instrument(
        "metricsd_subscriptions", .gauge, help: "Event subscriptions open on the socket.")
    public static let subscriptionsLagged = Instrument(
        "metricsd_subscriptions_lagged_total", .counter,
        help: "Subscriptions ended with a lagged notification: the reader fell further behind than --subscription-buffer events.")

    public static let all: [Instrument] = [
        rpcRequests, rpcDuration, rpcConnections, rpcConnectionsRefused, rpcPermissionDenials,
        platformCalls, tokenRefreshes,
        pauses, runs, runDuration, deadlineDeferrals,
        snapshotsWritten, latestCacheHits, latestCacheMisses,
        webhookDeliveries, webhookDeliveryDuration,
        databaseUp, tokensExpiring, databaseSize, accounts, freshnessPosts, freshnessDue, freshnessOverdue, freshnessFailing, freshnessPaused,
        freshnessNeverRefreshed, freshnessStaleness,
        eventsWritten, subscriptionsOpen, subscriptionsLagged,
    ]

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The instrument exported under `name`, for an exporter that needs its help text or buckets.
    public static func named(_ name: String) -> Instrument? {
        byName[name]
    }
}
