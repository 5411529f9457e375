import ArgumentParser
import JSON
import JSONRPC
import MetricsCore

/// `metricsctl top`: a workspace's posts ranked by a metric or by its growth (`topPosts`).
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Rank a workspace's posts by a metric, or by how much it grew.",
        discussion: """
            --by increase ranks by the growth between --since and --until (default: the last 7 days).

            Example: metricsctl top --workspace w1 --metric views --by increase --limit 10
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("The workspace.", valueName: "id"))
    var workspace: String

    @Option(help: "A counter (views, likes, …) or engagementRate.")
    var metric: String = "views"

    @Option(help: "value or increase.")
    var by: String = "value"

    @Option(help: ArgumentHelp("With --by increase: the start (ISO 8601).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("The end (ISO 8601; default now).", valueName: "time"))
    var until: String?

    @Option(help: "Only this platform's posts.")
    var platform: Platform?

    @Option(help: "How many posts (1-1000).")
    var limit: Int = 10

    mutating func validate() throws {
        guard ["value", "increase"].contains(by) else { throw ValidationError("--by is value or increase") }
    }

    func run() throws {
        var params: JSONObject = [
            "workspaceId": .string(workspace), "metric": .string(metric), "by": .string(by), "limit": .int(limit),
        ]
        if let since { params.append("since", .string(since)) }
        if let until { params.append("until", .string(until)) }
        if let platform { params.append("platform", .string(platform.rawValue)) }
        let result = try connection.connect().call("topPosts", .object(params))
        if connection.json {
            Console.outputJSON(result)
            return
        }
        let table = TableRenderer([.init("#", .right), .init("post"), .init("platform"), .init("posted"), .init(by, .right)])
        let rows = try ReplyFields(result).objects("posts").map { post in
            [
                HumanFormat.text(post["rank"]), HumanFormat.text(post["postId"]), HumanFormat.text(post["platform"]),
                HumanFormat.text(post["postedAt"]), Self.value(post["value"]),
            ]
        }
        Console.output(rows.isEmpty ? "no posts with a \(metric) value" : table.render(rows))
    }

    /// Counters with grouped digits; a rate with four decimals.
    static func value(_ json: JSON?) -> String {
        guard case .number(let number)? = json else { return HumanFormat.missing }
        if let whole = number.int64 { return HumanFormat.grouped(whole) }
        return number.double.map { String(format: "%.4f", $0) } ?? number.literal
    }
}
