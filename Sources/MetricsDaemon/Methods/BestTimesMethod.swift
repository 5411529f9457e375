import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `bestTimes`: the hours of the week whose posts did best at 7 days old (`BestTimes`).
enum BestTimesMethod {
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    static func call(_ fields: Fields, store: any MetricsStorage, caller: Caller) async throws -> JSON {
        let workspaceId = try HistoryMethods.workspace(fields, caller: caller)
        let platform = try fields.optionalEnum("platform", Platform.self)
        let metric = try HistoryMethods.metric(fields, default: .engagementRate, allowRate: true)
        let calendar = try await store.calendar(workspaceId: workspaceId)
        let readings = try await store.readings(workspaceId: workspaceId, platform: platform, at: .atAge(7 * HistoryMethods.day)).readings
        let times = BestTimes(readings.lazy.compactMap { reading in
            guard reading.capturedAt != nil, let value = metric.value(of: reading.values) else { return nil }
            return (calendar.hourOfWeek(of: reading.postedAt), value)
        })
        func cell(_ slot: BestTimes.Slot) -> JSON {
            [
                "weekday": .string(weekdays[slot.weekday]), "hour": .int(slot.hour), "posts": .int(slot.posts),
                "median": HistoryMethods.number(slot.median),
            ]
        }
        return [
            "metric": .string(metric.rawValue), "timeZone": .string(calendar.identifier),
            "best": .array(times.best().map(cell)), "grid": .array(times.grid.map(cell)),
        ]
    }
}
