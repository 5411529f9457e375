import ArgumentParser
import JSONRPC
import MetricsCore

/// `metricsctl latest`: the newest snapshot of some posts (`latestMetrics`), by id or by workspace.
struct LatestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latest",
        abstract: "Show the latest metrics of posts.",
        usage: "metricsctl latest (--post <id> ... | --workspace <id> [--platform <platform>] [--limit <n>] [--cursor <token>] [--all]) [--json] [--socket <path>]",
        discussion: "Give posts by id (--post A B or --post A --post B), or a workspace with an optional platform, page size and starting cursor; --all follows every page.")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("post"), parsing: .upToNextOption, help: ArgumentHelp("Post ids.", valueName: "id"))
    var posts: [String] = []

    @Option(help: ArgumentHelp("A workspace's most recently posted posts.", valueName: "id"))
    var workspace: String?

    @Option(help: "With --workspace: only this platform's posts.")
    var platform: Platform?

    @Option(help: ArgumentHelp("With --workspace: posts per page (the daemon's default is 100, its maximum 1000).", valueName: "n"))
    var limit: Int?

    @Option(help: ArgumentHelp("With --workspace: start after this nextCursor of an earlier page.", valueName: "token"))
    var cursor: String?

    @Flag(help: "With --workspace: follow nextCursor until every page is listed.")
    var all = false

    /// The daemon would reject these too, but as "invalid params" (exit 1); they are mistakes in the command
    /// line, so they are caught here and exit 3.
    mutating func validate() throws {
        if posts.isEmpty, workspace == nil {
            throw ValidationError("give --post <id> ..., or --workspace <id>")
        }
        if !posts.isEmpty, workspace != nil {
            throw ValidationError("give either --post or --workspace, not both")
        }
        if workspace == nil, platform != nil || limit != nil || cursor != nil || all {
            throw ValidationError("--platform, --limit, --cursor and --all go with --workspace")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let client = try connection.connect()
        let metrics: [JSON]
        var nextCursor: String?
        if posts.isEmpty, let workspace {
            var params: JSONObject = ["workspaceId": .string(workspace)]
            if let platform { params.append("platform", .string(platform.rawValue)) }
            if let limit { params.append("limit", .int(limit)) }
            (metrics, nextCursor) = try PagedCall.collect(client, "latestMetrics", params, items: "metrics", cursor: cursor, all: all)
        } else {
            metrics = try ReplyFields(try client.call("latestMetrics", ["postIds": .array(posts.map(JSON.string))])).array("metrics")
        }
        if connection.json {
            Console.outputJSON(["metrics": .array(metrics), "nextCursor": .string(nextCursor)])
        } else {
            Console.output(try Self.render(metrics))
            if let nextCursor {
                Console.error("more posts follow: pass --all to list every page, or --cursor \(nextCursor) for the next")
            }
        }
    }

    static let table = TableRenderer([.init("post"), .init("platform"), .init("captured at")] + MetricColumns.columns)

    static func render(_ metrics: [JSON]) throws(CommandFailure) -> String {
        guard !metrics.isEmpty else { return "no posts" }
        var rows: [[String]] = []
        for (index, value) in metrics.enumerated() {
            let metric = try ReplyFields(value, path: "result.metrics[\(index)]")
            // A post never fetched has capturedAt null: the row still shows, all dashes.
            rows.append([HumanFormat.text(metric["postId"]), HumanFormat.text(metric["platform"]), HumanFormat.text(metric["capturedAt"])]
                + MetricColumns.cells(metric))
        }
        return table.render(rows)
    }
}
