import Foundation
import JSON
import JSONRPC
import Testing

/// The history commands of metricsctl as an operator reads them, on `HistoryReadsTests`' hand-made data.
@Suite(.ownThread) struct MetricsctlHistoryTests {
    func run(_ arguments: [String], _ daemon: DaemonProcess) throws -> [String] {
        let run = try MetricsctlTests.metricsctl(arguments, daemon: daemon)
        try #require(run.status == 0, "metricsctl \(arguments) exited \(run.status): \(run.stderr)")
        return MetricsctlTests.lines(run.stdout).filter { !$0.isEmpty }
    }

    @Test func deltasTopAndTrendPrintTablesAndJSON() throws {
        let daemon = try HistoryReadsTests.daemon()
        let deltas = try run(["deltas", "--post", "p1", "p4"], daemon)
        #expect(deltas.first == "views, over a day")
        #expect(deltas.contains { $0.hasPrefix("p1") && $0.contains("200") && $0.contains("140") && $0.contains("+42.9") })
        #expect(deltas.contains { $0.hasPrefix("p4") && $0.contains("—") })
        let top = try run(["top", "--workspace", "w", "--metric", "views", "--by", "increase", "--since", "2026-11-23T12:00:00Z",
                           "--until", "2026-11-24T12:00:00Z"], daemon)
        #expect(top.dropFirst().map { $0.split(separator: " ").dropFirst().first.map(String.init) } == ["p3", "p4", "p1", "p2"])
        #expect(top[1].hasSuffix("1,000"))
        let json = try MetricsctlTests.json(["top", "--workspace", "w", "--metric", "engagementRate"], daemon: daemon)
        #expect(json["posts"] != nil)
        let trend = try run(["trend", "--workspace", "w", "--metric", "views", "--days", "800"], daemon)
        #expect(trend.first?.hasPrefix("views (America/New_York)") == true)
        #expect(trend.contains { $0.hasPrefix("2026-11-24") && $0.contains("1,980") && $0.hasSuffix("+790") })
        #expect(trend.contains { $0.hasPrefix("2026-11-23") && $0.contains("1,190") })
    }

    @Test func bestTimesDrawsTheWeekAndExportWritesEveryLine() throws {
        let daemon = try HistoryReadsTests.daemon()
        let grid = try run(["best-times", "--workspace", "w", "--metric", "views"], daemon)
        #expect(grid.first == "views by local hour published (America/New_York)")
        let friday = try #require(grid.first { $0.hasPrefix("Fri") })
        #expect(friday.contains("█"))
        #expect(grid.last == "best: friday 10:00 (150, 2 posts)")
        let csv = try run(["export", "--workspace", "w", "--format", "csv"], daemon)
        #expect(csv.first == "postId,platform,capturedAt,impressions,views,reach,likes,comments,shares,saves")
        #expect(csv.filter { !$0.isEmpty }.count == 10)
        let daily = try run(["export", "--workspace", "w", "--daily"], daemon).filter { !$0.isEmpty }
        #expect(try daily.allSatisfy { try JSONParser.parse($0)["day"] != nil })
        let anomalies = try run(["anomalies", "--workspace", "w", "--since", "2026-11-22T00:00:00Z"], daemon)
        #expect(anomalies.first == "no anomalies")
        #expect(anomalies.last?.contains("with fewer than 8 posts skipped") == true)
    }
}
