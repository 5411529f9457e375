import ArgumentParser
import JSON
import JSONRPC
import MetricsCore

/// `metricsctl deltas`: how much posts grew over the last day or week (`deltas`).
struct DeltasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deltas",
        abstract: "Show how much posts grew over the last day or week.",
        discussion: """
            Each post's newest snapshot against the newest one a day (or a week) before it.

            Example: metricsctl deltas --workspace w1 --period week --metric views
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("post"), parsing: .upToNextOption, help: ArgumentHelp("Post ids.", valueName: "id"))
    var posts: [String] = []

    @Option(help: ArgumentHelp("A workspace's posts, newest first.", valueName: "id"))
    var workspace: String?

    @Option(help: "With --workspace: only this platform's posts.")
    var platform: Platform?

    @Option(help: "day or week.")
    var period: String = "day"

    @Option(help: "The metric the table shows (the JSON has all of them).")
    var metric: String = "views"

    @Option(help: "With --workspace: posts per page (1-1000).")
    var limit: Int = 100

    mutating func validate() throws {
        guard posts.isEmpty != (workspace == nil) else { throw ValidationError("give --post <id> ..., or --workspace <id>") }
        guard ["day", "week"].contains(period) else { throw ValidationError("--period is day or week") }
        guard MetricValues.names.contains(metric) else { throw ValidationError("--metric is one of \(MetricValues.names.joined(separator: ", "))") }
    }

    func run() throws {
        var params: JSONObject = ["period": .string(period)]
        if let workspace {
            params.append("workspaceId", .string(workspace))
            params.append("limit", .int(limit))
            if let platform { params.append("platform", .string(platform.rawValue)) }
        } else {
            params.append("postIds", .array(posts.map(JSON.string)))
        }
        let result = try connection.connect().call("deltas", .object(params))
        if connection.json {
            Console.outputJSON(result)
            return
        }
        let table = TableRenderer([
            .init("post"), .init("platform"), .init("now", .right), .init("before", .right), .init("change", .right), .init("%", .right),
        ])
        let rows = try ReplyFields(result).objects("deltas").map { entry -> [String] in
            let change = entry["changes"]?[metric]
            let percent: String = if case .number(let number)? = change?["changePercent"], let value = number.double {
                String(format: "%+.1f", value)
            } else {
                HumanFormat.missing
            }
            return [
                HumanFormat.text(entry["postId"]), HumanFormat.text(entry["platform"]), HumanFormat.metric(entry["now"]?[metric]),
                HumanFormat.metric(entry["before"]?[metric]), HumanFormat.metric(change?["change"]), percent,
            ]
        }
        Console.output("\(metric), over a \(period)\n" + table.render(rows))
    }
}
