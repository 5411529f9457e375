import ArgumentParser
import JSON
import JSONRPC
import MetricsCore

/// `metricsctl latest`: the newest snapshot of some posts (`latestMetrics`), by id or by workspace.
struct LatestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latest",
        abstract: "Show the latest metrics of posts.",
        usage: "metricsctl latest (--post <id> ... | --workspace <id> [--platform <platform>] [--limit <n>] [--cursor <token>] [--all]) [--json] [--socket <path>]",
        discussion: """
            Give posts by id (--post A B or --post A --post B), or a workspace with an optional platform, page size \
            and starting cursor; --all follows every page.

            Example: metricsctl latest --workspace w1 --platform tiktok --limit 20
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("post"), parsing: .upToNextOption, help: ArgumentHelp("Post ids.", valueName: "id"))
    var posts: [String] = []

    @Option(help: ArgumentHelp("A workspace's most recently posted posts.", valueName: "id"))
    var workspace: String?

    @Option(help: "With --workspace: only this platform's posts.")
    var platform: Platform?

    /// With --workspace only.
    @OptionGroup var paging: PagingOptions

    /// The daemon would reject these too, but as "invalid params" (exit 1); they are mistakes in the command
    /// line, so they are caught here and exit 3.
    mutating func validate() throws {
        if posts.isEmpty, workspace == nil {
            throw ValidationError("give --post <id> ..., or --workspace <id>")
        }
        if !posts.isEmpty, workspace != nil {
            throw ValidationError("give either --post or --workspace, not both")
        }
        if workspace == nil, platform != nil || paging.isGiven {
            throw ValidationError("--platform, --limit, --cursor and --all go with --workspace")
        }
    }

    func run() throws {
        let client = try connection.connect()
        let metrics: [JSON]
        var nextCursor: String?
        if posts.isEmpty, let workspace {
            var params: JSONObject = ["workspaceId": .string(workspace)]
            if let platform { params.append("platform", .string(platform.rawValue)) }
            (metrics, nextCursor) = try paging.collect(client, "latestMetrics", params, items: "metrics")
        } else {
            metrics = try ReplyFields(try client.call("latestMetrics", ["postIds": .array(posts.map(JSON.string))])).array("metrics")
        }
        if connection.json {
            Console.outputJSON(["metrics": .array(metrics), "nextCursor": .string(nextCursor)])
        } else {
            Console.output(try Self.render(metrics))
            PagingOptions.noteMore(nextCursor)
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
