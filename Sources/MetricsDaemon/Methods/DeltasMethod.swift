import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `deltas`: each post's newest snapshot against its snapshot a period before that one (`MetricChange` per metric).
enum DeltasMethod {
    enum Period: String, CaseIterable {
        case day, week

        var milliseconds: Int64 { self == .day ? HistoryMethods.day : 7 * HistoryMethods.day }
    }

    static func call(_ fields: Fields, store: any MetricsStorage, caller: Caller) async throws -> JSON {
        let period = try fields.requiredEnum("period", Period.self)
        let now: [PostReading]
        var nextCursor: String?
        switch try await HistoryMethods.posts(fields, workspaceOnly: ["limit", "cursor"], caller: caller, store: store) {
        case .ids(let ids):
            now = try await ItemsParameter(name: "postIds", itemsAreIds: true).locating {
                try await store.readings(postIds: ids, at: .latest)
            }
        case .workspace(let id, let platform):
            let page = try await store.readings(
                workspaceId: id, platform: platform, at: .latest,
                limit: Int(try fields.optionalInt("limit", in: 1...HistoryMethods.maximumPageSize) ?? 100),
                cursor: try fields.optionalString("cursor"))
            now = page.readings
            nextCursor = page.nextCursor
        }
        // Each post's "before" at its own latest capture minus the period, all in one read.
        let asked = now.compactMap { reading in
            reading.capturedAt.map { (reading.postId, ReadingBound.atOrBefore($0.adding(milliseconds: -period.milliseconds))) }
        }
        let befores = try await store.readings(postIds: asked.map(\.0), at: asked.map(\.1))
        let beforeOf = Dictionary(zip(asked.map(\.0), befores), uniquingKeysWith: { first, _ in first })
        var entries: [JSON] = []
        for reading in now {
            let before = reading.capturedAt == nil ? nil : beforeOf[reading.postId]
            var changes = JSONObject()
            for name in MetricValues.names {
                let change = MetricChange(
                    now: reading.capturedAt == nil ? nil : reading.values[name],
                    before: before?.capturedAt == nil ? nil : before?.values[name])
                changes.append(name, ["change": .int(change.change), "changePercent": HistoryMethods.number(change.changePercent)])
            }
            entries.append([
                "postId": .string(reading.postId),
                "platform": .string(reading.platform.rawValue),
                "now": HistoryMethods.reading(reading.capturedAt, reading.values),
                "before": before.map { HistoryMethods.reading($0.capturedAt, $0.values) } ?? .null,
                "changes": .object(changes),
            ])
        }
        return ["period": .string(period.rawValue), "deltas": .array(entries), "nextCursor": .string(nextCursor)]
    }
}
