import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `anomalies`: posts whose latest day's increase is unusual for their peers (`AnomalyDetection`).
enum AnomaliesMethod {
    static func call(_ fields: Fields, store: any MetricsStorage, now: Timestamp, caller: Caller) async throws -> JSON {
        let workspaceId = try HistoryMethods.workspace(fields, caller: caller)
        let metric = try HistoryMethods.metric(fields, default: .views, allowRate: false)
        let since = try WireFormat.optionalTimestamp(fields, "since") ?? now.adding(milliseconds: -2 * HistoryMethods.day)
        let calendar = try await store.calendar(workspaceId: workspaceId)
        let firstDay = calendar.day(of: since)
        // A `since` after today finds no day, not a reversed range.
        let points = try await store.dayPoints(
            workspaceId: workspaceId, platform: nil, days: (firstDay - 1)...max(firstDay - 1, calendar.day(of: now)))
        let finding = AnomalyDetection.find(
            in: AnomalyDetection.increases(points.lazy.map { $0.anomalyPoint(metric.rawValue) }, firstDay: firstDay))
        return [
            "metric": .string(metric.rawValue), "since": .string(since.iso8601), "timeZone": .string(calendar.identifier),
            "anomalies": .array(finding.anomalies.map { anomaly in
                [
                    "postId": .string(anomaly.increase.postId), "platform": .string(anomaly.increase.group.platform.rawValue),
                    "ageDays": .int(anomaly.increase.group.ageDays), "day": .string(LocalCalendar.iso8601(day: anomaly.increase.day)),
                    "expected": HistoryMethods.number(anomaly.expected), "actual": HistoryMethods.number(anomaly.increase.value),
                    "score": HistoryMethods.number(anomaly.score),
                ]
            }),
            "groupsScored": .int(finding.groupsScored), "groupsSkipped": .int(finding.groupsSkipped),
            "postsSkipped": .int(finding.postsSkipped),
        ]
    }
}
