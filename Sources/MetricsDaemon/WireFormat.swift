import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// How domain values look on the wire, in one place, so every method renders a post or a metric the same
/// way the schema describes it.
enum WireFormat {
    static func timestamp(_ value: Timestamp?) -> JSON {
        value.map { .string($0.iso8601) } ?? .null
    }

    /// Spelled out rather than looped over `MetricValues.names`: this renders every metric every read returns.
    static func metrics(_ values: MetricValues, into object: inout JSONObject) {
        object.append("impressions", .int(values.impressions))
        object.append("views", .int(values.views))
        object.append("reach", .int(values.reach))
        object.append("likes", .int(values.likes))
        object.append("comments", .int(values.comments))
        object.append("shares", .int(values.shares))
        object.append("saves", .int(values.saves))
    }

    static func latest(_ metric: LatestMetric) -> JSON {
        var object: JSONObject = [
            "postId": .string(metric.postId),
            "platform": .string(metric.platform.rawValue),
            "capturedAt": timestamp(metric.capturedAt),
        ]
        metrics(metric.values, into: &object)
        object.append("engagementRate", EngagementRate.of(metric.values).flatMap(JSONNumber.init).map(JSON.number) ?? .null)
        return .object(object)
    }

    static func point(capturedAt: Timestamp, values: MetricValues) -> JSON {
        var object: JSONObject = ["capturedAt": .string(capturedAt.iso8601)]
        metrics(values, into: &object)
        return .object(object)
    }

    static func account(_ account: AccountSummary) -> JSON {
        [
            "id": .string(account.id),
            "workspaceId": .string(account.workspaceId),
            "platform": .string(account.platform.rawValue),
            "externalAccountId": .string(account.externalAccountId),
            "status": .string(account.status.rawValue),
            "tokenExpiresAt": timestamp(account.tokenExpiresAt),
            "hasRefreshToken": .bool(account.hasRefreshToken),
            "lastError": .string(account.lastError),
            "postCount": .int(account.postCount),
            "createdAt": timestamp(account.createdAt),
            "updatedAt": timestamp(account.updatedAt),
        ]
    }

    /// A post as `listPosts` shows it; `refreshState` is where it stands at `now` (see `RefreshState`).
    static func post(_ post: PostSummary, now: Timestamp, failures: FailureBackoff) -> JSON {
        [
            "id": .string(post.id),
            "workspaceId": .string(post.workspaceId),
            "accountId": .string(post.accountId),
            "platform": .string(post.platform.rawValue),
            "externalPostId": .string(post.externalPostId),
            "mediaProductType": .string(post.mediaProductType?.rawValue),
            "postedAt": timestamp(post.postedAt),
            "lastRefreshedAt": timestamp(post.lastRefreshedAt),
            "lastError": .string(post.lastError),
            "refreshState": .string(post.refreshState(now: now, failures: failures).rawValue),
            "nextDueAt": timestamp(post.nextDueAt),
            "consecutiveFailures": .int(post.consecutiveFailures),
        ]
    }

    static func run(_ run: RefreshRunInfo) throws(UnreadableRecord) -> JSON {
        [
            "runId": .int(run.id),
            "trigger": .string(run.trigger.rawValue),
            "scope": try embedded(run.scope, "scope", of: run),
            "status": .string(run.status.rawValue),
            "startedAt": timestamp(run.startedAt),
            "finishedAt": timestamp(run.finishedAt),
            "summary": try run.summary.map { text throws(UnreadableRecord) in try embedded(text, "summary", of: run) } ?? .null,
        ]
    }

    /// A stored record metricsd cannot render: only a damaged or hand-edited database holds one, so it is an
    /// internal error (logged with this description), never passed on as something else.
    struct UnreadableRecord: Error, CustomStringConvertible {
        var description: String
    }

    /// JSON text the engine wrote into a run record, passed through as a value.
    private static func embedded(_ text: String, _ column: String, of run: RefreshRunInfo) throws(UnreadableRecord) -> JSON {
        do {
            return try JSONParser.parse(text)
        } catch {
            throw UnreadableRecord(description: "run \(run.id): the stored \(column) is not JSON (\(error))")
        }
    }

    // MARK: Reading params

    static let timestampExample = "an ISO 8601 timestamp such as 2026-11-24T19:04:00.123Z"

    static func optionalTimestamp(_ fields: Fields, _ name: String) throws(RPCError) -> Timestamp? {
        let value = try fields.optional(name, expected: timestampExample) { value in
            if case .string(let text) = value { Timestamp(iso8601: text) } else { nil }
        }
        if let value, !writableMoments.contains(value) {
            throw .invalidParams(field: fields.fieldPath(name), reason: "outside the years 0000 to 9999 in UTC")
        }
        return value
    }

    /// What a reply can write back with the four-digit year every Timestamp has: 0000-01-01T00:00:00+01:00
    /// would come back as year -1. The schema's TimestampInput pattern keeps clients to years 0001-9998, inside
    /// this whatever the offset.
    static let writableMoments = Timestamp(iso8601: "0000-01-01T00:00:00.000Z")!...Timestamp(iso8601: "9999-12-31T23:59:59.999Z")!

    static func timestamp(_ fields: Fields, _ name: String) throws(RPCError) -> Timestamp {
        guard let value = try optionalTimestamp(fields, name) else {
            throw .invalidParams(field: fields.fieldPath(name), reason: "required, expected \(timestampExample)")
        }
        return value
    }

    /// Ids are the caller's own strings; bounded so a typo'd blob does not become a key. In characters (code
    /// points), as the schema's `maxLength` counts: at most 1024 UTF-8 bytes.
    static let maximumIDLength = 256

    static func id(_ fields: Fields, _ name: String) throws(RPCError) -> String {
        try fields.string(name, maxLength: maximumIDLength)
    }

    /// A counter: a non-negative integer, or null for "not reported".
    static func metricValue(_ fields: Fields, _ name: String) throws(RPCError) -> Int64? {
        try fields.optionalInt(name, in: 0...Int64.max)
    }

    static func metadata(_ json: JSON) -> MetadataValue? {
        switch json {
        case .null, .array: nil
        case .bool(let flag): .bool(flag)
        case .string(let text): .string(text)
        // A number no Double holds (1e400) has no JSON spelling once read: dropped, as null members are.
        case .number(let number): number.int64.map(MetadataValue.int) ?? number.double.flatMap { $0.isFinite ? .double($0) : nil }
        case .object(let object):
            .object(Dictionary(object.compactMap { member in metadata(member.value).map { (member.key, $0) } }, uniquingKeysWith: { $1 }))
        }
    }
}
