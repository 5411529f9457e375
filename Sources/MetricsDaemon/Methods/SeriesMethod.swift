import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `series`: a metric per local day or week, of posts one by one (each post's day points) or of a workspace (its
/// daily totals by day; `WeeklySums` of its posts' day points by week).
enum SeriesMethod {
    static let maximumDays: Int64 = 800

    static func call(_ fields: Fields, store: any MetricsStorage, caller: Caller) async throws -> JSON {
        let metric = try HistoryMethods.metric(fields, default: nil, allowRate: false)
        let interval = try fields.requiredEnum("interval", SeriesInterval.self)
        let since = try WireFormat.timestamp(fields, "since")
        let until = try WireFormat.timestamp(fields, "until")
        guard since <= until else { throw RPCError.invalidParams(field: "until", reason: "must not be before since") }
        guard until.milliseconds(since: since) <= maximumDays * HistoryMethods.day else {
            throw RPCError.invalidParams(field: "until", reason: "at most \(maximumDays) days after since")
        }
        switch try await HistoryMethods.posts(fields, workspaceOnly: [], caller: caller, store: store) {
        case .ids(let ids):
            let calendars = try await ItemsParameter(name: "postIds", itemsAreIds: true).locating { try await store.calendars(postIds: ids) }
            var series: [JSON] = []
            for (id, calendar) in zip(ids, calendars) {
                let days = interval.days(calendar: calendar, since: since, until: until)
                var last: [Int64: (day: Int64, value: Int64?)] = [:]
                for point in try await store.dayPoints(postIds: [id], days: days) {
                    let bucket = interval.bucket(point.day)
                    if let kept = last[bucket], kept.day > point.day { continue }
                    last[bucket] = (point.day, point.values[metric.rawValue])
                }
                series.append([
                    "postId": .string(id), "timeZone": .string(calendar.identifier),
                    "points": render(SeriesPoint.points(days, interval: interval) { last[$0]?.value ?? nil }, calendar: calendar),
                ])
            }
            return ["metric": .string(metric.rawValue), "interval": .string(interval.rawValue), "series": .array(series)]
        case .workspace(let id, let platform):
            let calendar = try await store.calendar(workspaceId: id)
            let days = interval.days(calendar: calendar, since: since, until: until)
            var sums: [Int64: Int64] = [:]
            switch interval {
            case .day:
                for total in try await store.dailyTotals(workspaceId: id, platform: platform, days: days) {
                    sums[total.day] = total.values[metric.rawValue]
                }
            case .week:
                var weekly = WeeklySums()
                for point in try await store.dayPoints(workspaceId: id, platform: platform, days: days) {
                    weekly.add(postId: point.postId, day: point.day, value: point.values[metric.rawValue])
                }
                sums = weekly.sums
            }
            return [
                "metric": .string(metric.rawValue), "interval": .string(interval.rawValue), "workspaceId": .string(id),
                "platform": .string(platform?.rawValue), "timeZone": .string(calendar.identifier),
                "points": render(SeriesPoint.points(days, interval: interval) { sums[$0] }, calendar: calendar),
            ]
        }
    }

    static func render(_ points: [SeriesPoint], calendar: LocalCalendar) -> JSON {
        .array(points.map { point in
            [
                "bucket": .string(LocalCalendar.iso8601(day: point.bucket)),
                "start": .string(calendar.start(ofDay: point.bucket).iso8601),
                "value": .int(point.value),
                "increase": .int(point.increase),
            ]
        })
    }
}
