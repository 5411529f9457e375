import Logging
import MetricsCore
import ServiceLifecycle
import StorageContract

/// Announces anomalies once a day per workspace: when a workspace's local day closes, the `anomalies` rule (views,
/// `AnomalyDetection`) is run over that day, and each post it flags becomes an `anomaly` event. The store records
/// each (workspace, day) evaluated, so a restart or a second daemon never announces a day twice; a daemon that was
/// down at midnight evaluates the day it missed when it starts.
///
/// It looks every `checkMilliseconds` on the daemon's clock (a workspace's midnight is announced within that), and
/// remembers the days it settled, so a look costs one calendar read per workspace.
struct DailyAnomalyService: Service, CustomStringConvertible {
    let store: any MetricsStorage
    let clock: any WallClock
    let logger: Logger

    static let checkMilliseconds: Int64 = 60_000

    var description: String { "DailyAnomalyService" }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var settled: Set<String> = []
            while !Task.isCancelled {
                do {
                    try await look(settled: &settled)
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("anomaly evaluation failed; retrying", metadata: ["error": "\(failureSentence(error))"])
                }
                try await clock.sleep(until: clock.now.adding(milliseconds: Self.checkMilliseconds))
            }
        }
    }

    private func look(settled: inout Set<String>) async throws {
        let now = clock.now
        let workspaces = Set(try await store.accountsInScope(workspaceIds: nil, platforms: nil).map(\.workspaceId))
        for workspaceId in workspaces.sorted() {
            let calendar = try await store.calendar(workspaceId: workspaceId)
            let closed = calendar.day(of: now) - 1
            let key = "\(workspaceId)\u{0}\(closed)"
            guard !settled.contains(key) else { continue }
            let points = try await store.dayPoints(workspaceId: workspaceId, platform: nil, days: (closed - 1)...closed)
            let flagged = Self.flagged(points, day: closed)
            if try await store.recordAnomalies(workspaceId: workspaceId, day: closed, flagged: flagged, at: now), !flagged.isEmpty {
                logger.info("anomalies announced", metadata: ["workspace": "\(workspaceId)", "posts": "\(flagged.count)"])
            }
            settled.insert(key)
        }
    }

    /// The posts the rule flags on `day` by their views, as events say them.
    static func flagged(_ points: [DayPoint], day: Int64) -> [AnomalyEventFacts] {
        let finding = AnomalyDetection.find(
            in: AnomalyDetection.increases(points.lazy.map { $0.anomalyPoint("views") }, firstDay: day))
        return finding.anomalies.filter { $0.increase.day == day }.map { anomaly in
            AnomalyEventFacts(
                postId: anomaly.increase.postId, platform: anomaly.increase.group.platform, value: Int64(anomaly.increase.value),
                median: anomaly.expected, score: anomaly.score)
        }
    }
}
