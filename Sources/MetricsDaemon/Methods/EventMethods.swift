import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `events`, `subscribe`, `unsubscribe` (readers) and `upsertMilestones` (writers): the event log read in pages,
/// followed live on the caller's connection, and the thresholds that make milestones.
enum EventMethods {
    static let maximumPageSize: Int64 = 1_000

    static func all(store: any MetricsStorage, fanout: EventFanout, subscriptions: SubscriptionRegistry, access: AccessControl) -> [RPCMethod] {
        [
            .task("events", parameters: ["fromSeq", "types", "workspaceId", "limit"]) { fields, context in
                let caller = access.caller("events", context)
                let filter = try Self.filter(fields, caller: caller, postIds: false)
                let fromSeq = try fields.optionalInt("fromSeq", in: 1...Int64.max) ?? 1
                let limit = Int(try fields.optionalInt("limit", in: 1...maximumPageSize) ?? 100)
                let page = try await store.events(fromSeq: fromSeq, filter: filter, limit: limit)
                return ["events": .array(page.events.map(\.json)), "nextSeq": .int(page.nextSeq)]
            },
            .task("subscribe", parameters: ["types", "workspaceId", "postIds", "fromSeq"]) { fields, context in
                let caller = access.caller("subscribe", context)
                guard let connection = context.connection, context.requestID != nil else {
                    throw RPCError.invalidRequest("subscribe needs a request with an id on a connection: its events follow the reply")
                }
                let filter = try Self.filter(fields, caller: caller, postIds: true)
                let fromSeq = try fields.optionalInt("fromSeq", in: 1...Int64.max)
                let seq = store.eventsCommitted.last
                if let fromSeq {
                    // Refused now, with the oldest kept seq, rather than as a gap later.
                    try await store.eventLogBounds().requireKept(fromSeq)
                }
                let id: String
                do {
                    id = try subscriptions.open(
                        on: connection, filter: filter, fanout: fanout, after: fromSeq.map { $0 - 1 } ?? seq, replaying: fromSeq != nil)
                } catch {
                    throw RPCError.invalidParams(
                        field: "subscribe", reason: "at most \(SubscriptionRegistry.perConnection) subscriptions per connection; unsubscribe one first")
                }
                return ["subscription": .string(id), "seq": .int(seq)]
            },
            .task("unsubscribe", parameters: ["subscription"]) { fields, context in
                _ = access.caller("unsubscribe", context)
                let id = try fields.string("subscription", maxLength: 64)
                guard let connection = context.connection, subscriptions.unsubscribe(id, on: connection) else {
                    throw UnknownSubscription(id: id)
                }
                return ["unsubscribed": true]
            },
            .task("upsertMilestones", parameters: ["workspaceId", "metric", "thresholds"]) { fields, context in
                let caller = access.caller("upsertMilestones", context)
                let workspaceId = try fields.string("workspaceId")
                try caller.require(workspace: workspaceId)
                let metric = try fields.string("metric", maxLength: 32)
                guard MetricValues.names.contains(metric) else {
                    throw RPCError.invalidParams(
                        field: "metric", reason: "one of \(MetricValues.names.joined(separator: ", ")), got \"\(metric)\"")
                }
                let given = try fields.array("thresholds", maxCount: MilestoneRules.maximumThresholds, allowEmpty: true).map {
                    path, value throws(RPCError) -> Int64 in
                    guard case .number(let number) = value, let threshold = number.int64 else {
                        throw RPCError.invalidParams(field: path, reason: "expected a positive integer, got \(JSONWriter.string(value))")
                    }
                    return threshold
                }
                let thresholds: [Int64]
                switch MilestoneRules.rule(from: given) {
                case .success(let rule): thresholds = rule
                case .failure(let bad): throw RPCError.invalidParams(field: "thresholds[\(bad.index)]", reason: "must be a positive integer")
                }
                let result = try await store.upsertMilestones(workspaceId: workspaceId, metric: metric, thresholds: thresholds)
                return [
                    "workspaceId": .string(workspaceId), "result": .string(result.rawValue),
                    "rules": .object(JSONObject(members: try await store.milestoneRules(workspaceId: workspaceId)
                        .sorted { $0.key < $1.key }
                        .map { JSONObject.Member(key: $0.key, value: .array($0.value.map { .int($0) })) })),
                ]
            },
        ]
    }

    /// The filter a caller asked for, inside what it may see: a caller limited to some workspaces gets only theirs
    /// (and never events of no workspace); naming a workspace outside them is -32007.
    private static func filter(_ fields: Fields, caller: Caller, postIds allowPostIds: Bool) throws -> EventFilter {
        var filter = EventFilter()
        if let types = try fields.optionalArray("types", maxCount: EventType.allCases.count) {
            filter.types = Set(try types.map { path, value throws(RPCError) -> EventType in
                guard case .string(let name) = value, let type = EventType(rawValue: name) else {
                    throw RPCError.invalidParams(
                        field: path, reason: "one of \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return type
            })
        }
        if let workspaceId = try fields.optionalString("workspaceId") {
            try caller.require(workspace: workspaceId)
            filter.workspaceIds = [workspaceId]
        } else {
            filter.workspaceIds = caller.workspaces
        }
        if allowPostIds, fields.has("postIds") {
            filter.postIds = Set(try fields.strings("postIds", maxCount: 1_000))
        }
        return filter
    }
}

/// `unsubscribe` of a subscription this connection does not hold (never had, or it ended): -32001 naming it.
struct UnknownSubscription: Error {
    let id: String
}
