import JSON
import MetricsCore

/// How each backend stores an event's type and renders its data: one spelling for both, so a subscriber cannot tell
/// which database a daemon runs on.
extension EventType {
    /// The stored code (an integer column is a byte; the name would be a string per row).
    public var code: Int {
        switch self {
        case .snapshot: 1
        case .milestone: 2
        case .account: 3
        case .post: 4
        case .run: 5
        case .anomaly: 6
        case .import: 7
        }
    }

    public init?(code: Int) {
        guard let type = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = type
    }
}

/// The `data` of each kind of event.
public enum EventData {
    /// A snapshot event, rendered from the snapshot it refers to and the post's snapshot before it: its counters,
    /// and per counter the change since that previous snapshot (null when either lacks the counter, or there is none).
    public static func snapshot(
        postId: String, accountId: String, platform: String, capturedAt: Timestamp, values: MetricValues?, previous: MetricValues?
    ) -> JSON {
        var metrics = JSONObject()
        var changes = JSONObject()
        for name in MetricValues.names {
            let value = values?[name]
            metrics.append(name, .int(value))
            let change = value.flatMap { value in previous?[name].map { value.saturatingSubtracting($0) } }
            changes.append(name, .int(change))
        }
        return [
            "postId": .string(postId), "accountId": .string(accountId), "platform": .string(platform),
            "capturedAt": .string(capturedAt.iso8601), "metrics": .object(metrics), "changes": .object(changes),
        ]
    }

    public static func milestone(
        postId: String, accountId: String, platform: String, metric: String, threshold: Int64, value: Int64, capturedAt: Timestamp
    ) -> JSON {
        [
            "postId": .string(postId), "accountId": .string(accountId), "platform": .string(platform), "metric": .string(metric),
            "threshold": .int(threshold), "value": .int(value), "capturedAt": .string(capturedAt.iso8601),
        ]
    }

    public static func account(
        accountId: String, platform: String, status: AccountStatus, previousStatus: AccountStatus?, reason: String?
    ) -> JSON {
        [
            "accountId": .string(accountId), "platform": .string(platform), "status": .string(status.rawValue),
            "previousStatus": .string(previousStatus?.rawValue), "reason": .string(reason),
            "needsReconnect": .bool(status == .expired || status == .needsReconnect),
        ]
    }

    /// `refreshState` is `failing` or `ok` (it recovered).
    public static func post(
        postId: String, accountId: String, platform: String, failing: Bool, consecutiveFailures: Int, lastError: String?
    ) -> JSON {
        [
            "postId": .string(postId), "accountId": .string(accountId), "platform": .string(platform),
            "refreshState": .string(failing ? "failing" : "ok"), "consecutiveFailures": .int(consecutiveFailures),
            "lastError": .string(lastError),
        ]
    }

    /// `summary` is the run's stored summary (JSON text written by the engine), embedded as JSON when it parses.
    public static func run(
        runId: Int64, trigger: String, status: String, startedAt: Timestamp?, finishedAt: Timestamp, summary: String?
    ) -> JSON {
        let embedded = summary.flatMap { try? JSONParser.parse($0) } ?? .null
        return [
            "runId": .int(runId), "trigger": .string(trigger), "status": .string(status),
            "startedAt": .string(startedAt?.iso8601), "finishedAt": .string(finishedAt.iso8601), "summary": embedded,
        ]
    }

    public static func anomaly(_ facts: AnomalyEventFacts, day: Int64) -> JSON {
        [
            "postId": .string(facts.postId), "accountId": .string(facts.accountId), "platform": .string(facts.platform.rawValue),
            "metric": "views", "day": .string(LocalCalendar.iso8601(day: day)), "value": .int(facts.value),
            "median": JSONNumber(facts.median).map(JSON.number) ?? .null, "score": JSONNumber(facts.score).map(JSON.number) ?? .null,
        ]
    }

    public static func `import`(snapshots: Int, imported: Int, skipped: Int, posts: Int) -> JSON {
        ["snapshots": .int(snapshots), "imported": .int(imported), "skipped": .int(skipped), "posts": .int(posts)]
    }
}
