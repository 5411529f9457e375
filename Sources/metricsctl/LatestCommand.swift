import ArgumentParser
import JSONRPC
import MetricsCore

/// `metricsctl latest`: the newest snapshot of some posts (`latestMetrics`), by id or by workspace.
struct LatestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latest",
        abstract: "Show the latest metrics of posts.",
        usage: "metricsctl latest (--post <id> ... | --workspace <id> [--platform <platform>] [--limit <n>]) [--json] [--socket <path>]",
        discussion: "Give posts by id (--post A B or --post A --post B), or a workspace with an optional platform and limit.")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("post"), parsing: .upToNextOption, help: ArgumentHelp("Post ids.", valueName: "id"))
    var posts: [String] = []

    @Option(help: ArgumentHelp("A workspace's most recently posted posts.", valueName: "id"))
    var workspace: String?

    @Option(help: "With --workspace: only this platform's posts.")
    var platform: Platform?

    @Option(help: ArgumentHelp("With --workspace: at most this many posts (the daemon's default is 100).", valueName: "n"))
    var limit: Int?

    /// The daemon would reject these too, but as "invalid params" (exit 1); they are mistakes in the command
    /// line, so they are caught here and exit 3.
    mutating func validate() throws {
        if posts.isEmpty, workspace == nil {
            throw ValidationError("give --post <id> ..., or --workspace <id>")
        }
        if !posts.isEmpty, workspace != nil {
            throw ValidationError("give either --post or --workspace, not both")
        }
        if workspace == nil, platform != nil || limit != nil {
            throw ValidationError("--platform and --limit go with --workspace")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    var params: JSON {
        var params = JSONObject()
        if !posts.isEmpty {
            params.append("postIds", .array(posts.map(JSON.string)))
        }
        if let workspace { params.append("workspaceId", .string(workspace)) }
        if let platform { params.append("platform", .string(platform.rawValue)) }
        if let limit { params.append("limit", .int(limit)) }
        return .object(params)
    }

    func run() throws {
        let result = try connection.connect().call("latestMetrics", params)
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try Self.render(result))
        }
    }

    static let table = TableRenderer([.init("post"), .init("platform"), .init("captured at")] + MetricColumns.columns)

    static func render(_ result: JSON) throws(CommandFailure) -> String {
        let metrics = try ReplyFields(result).objects("metrics")
        guard !metrics.isEmpty else { return "no posts" }
        return table.render(metrics.map { metric in
            // A post never fetched has capturedAt null: the row still shows, all dashes.
            [HumanFormat.text(metric["postId"]), HumanFormat.text(metric["platform"]), HumanFormat.text(metric["capturedAt"])]
                + MetricColumns.cells(metric)
        })
    }
}
