import ArgumentParser
import Foundation
import JSON
import JSONRPC
import MetricsCore

/// `metricsctl trend`: a workspace's daily (or weekly) totals of a metric as a chart in the terminal (`series`).
struct TrendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trend",
        abstract: "Chart a workspace's daily totals of a metric.",
        discussion: """
            One bar per local day (or week): the sum over the workspace's posts of their last value that day, and \
            the increase over the day before.

            Example: metricsctl trend --workspace w1 --metric likes --days 14
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("The workspace.", valueName: "id"))
    var workspace: String

    @Option(help: "A counter: views, likes, comments, …")
    var metric: String = "views"

    @Option(help: "Days back from now.")
    var days: Int = 30

    @Flag(help: "Weekly buckets (Monday to Sunday) instead of days.")
    var weekly = false

    @Option(help: "Only this platform's posts.")
    var platform: Platform?

    mutating func validate() throws {
        guard (1...800).contains(days) else { throw ValidationError("--days is 1 to 800") }
        guard MetricValues.names.contains(metric) else { throw ValidationError("--metric is one of \(MetricValues.names.joined(separator: ", "))") }
    }

    func run() throws {
        let now = SystemClock().now
        var params: JSONObject = [
            "workspaceId": .string(workspace), "metric": .string(metric), "interval": .string(weekly ? "week" : "day"),
            "since": .string(now.adding(days: -(days - 1)).iso8601), "until": .string(now.iso8601),
        ]
        if let platform { params.append("platform", .string(platform.rawValue)) }
        let result = try connection.connect().call("series", .object(params))
        if connection.json {
            Console.outputJSON(result)
            return
        }
        let points = try ReplyFields(result).objects("points")
        let values: [Int64?] = points.map { if case .number(let n)? = $0["value"] { n.int64 } else { nil } }
        Console.output(Self.render(points: points, values: values, metric: metric, timeZone: try ReplyFields(result).string("timeZone")))
    }

    /// A sparkline, then one horizontal bar per bucket scaled to the largest value, with the value and increase.
    static func render(points: [ReplyFields], values: [Int64?], metric: String, timeZone: String) -> String {
        let width = 40
        let peak = max(1, values.compactMap { $0 }.max() ?? 1)
        var lines = ["\(metric) (\(timeZone))  " + Sparkline.render(values)]
        for (point, value) in zip(points, values) {
            let bar = value.map { String(repeating: "█", count: Int((Double($0) / Double(peak) * Double(width)).rounded())) } ?? ""
            let increase: String = if case .number(let n)? = point["increase"], let delta = n.int64 {
                delta >= 0 ? "+" + HumanFormat.grouped(delta) : HumanFormat.grouped(delta)
            } else {
                ""
            }
            let label = HumanFormat.text(point["bucket"])
            let amount = value.map(HumanFormat.grouped) ?? HumanFormat.missing
            lines.append("\(label)  \(bar.padding(toLength: width, withPad: " ", startingAt: 0))  \(amount)  \(increase)")
        }
        return lines.map { line in String(line.reversed().drop { $0 == " " }.reversed()) }.joined(separator: "\n")
    }
}
