import ArgumentParser
import JSON
import JSONRPC
import MetricsCore

/// `metricsctl anomalies`: posts whose latest daily increase stands far out from their peers' (`anomalies`).
struct AnomaliesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies",
        abstract: "List posts whose latest daily increase is far outside their peers'.",
        discussion: """
            Peers: the workspace's posts of the same platform and age in days; flagged at a robust z-score of 3.5.

            Example: metricsctl anomalies --workspace w1 --metric views
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("The workspace.", valueName: "id"))
    var workspace: String

    @Option(help: "A counter: views, likes, …")
    var metric: String = "views"

    @Option(help: ArgumentHelp("Only increases on local days from this time on (ISO 8601; default two days ago).", valueName: "time"))
    var since: String?

    func run() throws {
        var params: JSONObject = ["workspaceId": .string(workspace), "metric": .string(metric)]
        if let since { params.append("since", .string(since)) }
        let result = try connection.connect().call("anomalies", .object(params))
        if connection.json {
            Console.outputJSON(result)
            return
        }
        let report = try ReplyFields(result)
        let table = TableRenderer([
            .init("post"), .init("platform"), .init("age (days)", .right), .init("day"), .init("expected", .right),
            .init("actual", .right), .init("score", .right),
        ])
        let rows = try report.objects("anomalies").map { entry in
            [
                HumanFormat.text(entry["postId"]), HumanFormat.text(entry["platform"]), HumanFormat.text(entry["ageDays"]),
                HumanFormat.text(entry["day"]), TopCommand.value(entry["expected"]), TopCommand.value(entry["actual"]),
                TopCommand.value(entry["score"]),
            ]
        }
        let skipped = "\(try report.int("groupsScored")) peer groups scored; \(try report.int("groupsSkipped")) with fewer than 8 posts skipped (\(try report.int("postsSkipped")) posts)"
        Console.output((rows.isEmpty ? "no anomalies" : table.render(rows)) + "\n" + skipped)
    }
}
