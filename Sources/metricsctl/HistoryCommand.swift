import ArgumentParser
import JSON
import JSONRPC
import MetricsCore

/// `metricsctl history`: one post's snapshots over time (`history`), with a sparkline of its views.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a post's metrics over time, oldest first, with a sparkline of views.",
        discussion: "Example: metricsctl history p1 --since 2026-11-01T00:00:00Z")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("The post's id.", valueName: "post-id"))
    var postId: String

    @Option(help: ArgumentHelp("Only points captured at or after this ISO 8601 time.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only points captured at or before this ISO 8601 time.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("At most this many points (the daemon's default is 1000).", valueName: "n"))
    var limit: Int?

    mutating func validate() throws {
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Timestamp(iso8601: value) == nil {
                throw ValidationError("\(name): \"\(value)\" is not an ISO 8601 time such as 2026-11-24T19:04:00.123Z")
            }
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        var params: JSONObject = ["postId": .string(postId)]
        if let since { params.append("since", .string(since)) }
        if let until { params.append("until", .string(until)) }
        if let limit { params.append("limit", .int(limit)) }
        let result = try connection.connect().call("history", .object(params))
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try Self.render(result))
        }
    }

    static let table = TableRenderer([.init("captured at")] + MetricColumns.columns)

    static func render(_ result: JSON) throws(CommandFailure) -> String {
        let reply = try ReplyFields(result)
        let postId = try reply.string("postId")
        let points = try reply.objects("points")
        let hasMore = try reply.bool("hasMore")
        guard let first = points.first, let last = points.last else {
            return "post \(postId): no points"
        }
        let views: [Int64?] = points.map { point in
            if case .number(let number)? = point["views"] { number.int64 } else { nil }
        }
        var lines = [
            "post \(postId): \(points.count) point\(points.count == 1 ? "" : "s"), "
                + "\(HumanFormat.text(first["capturedAt"])) → \(HumanFormat.text(last["capturedAt"]))",
        ]
        let present = views.compactMap { $0 }
        if let low = present.min(), let high = present.max() {
            lines.append("views \(Sparkline.render(views))  (min \(HumanFormat.grouped(low)), max \(HumanFormat.grouped(high)))")
        } else {
            lines.append("views not reported")
        }
        lines.append("")
        lines.append(table.render(points.map { [HumanFormat.text($0["capturedAt"])] + MetricColumns.cells($0) }))
        if hasMore {
            lines.append("more points follow: narrow with --since/--until or raise --limit")
        }
        return lines.joined(separator: "\n")
    }
}
