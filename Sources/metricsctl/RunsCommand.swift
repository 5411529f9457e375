import ArgumentParser
import JSON
import JSONRPC

/// `metricsctl runs`: recent refresh runs (`listRuns`), newest first.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List recent refresh runs, newest first.",
        discussion: "Example: metricsctl runs --limit 5")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("At most this many runs (the daemon's default is 20, its maximum 1000).", valueName: "n"))
    var limit: Int?

    mutating func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        var params = JSONObject()
        if let limit { params.append("limit", .int(limit)) }
        let result = try connection.connect().call("listRuns", .object(params))
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try Self.render(try ReplyFields(result).array("runs")))
        }
    }

    static let table = TableRenderer([
        .init("run", .right), .init("trigger"), .init("scope"), .init("status"), .init("started"), .init("finished"),
        .init("processed", .right), .init("updated", .right), .init("errors", .right), .init("skipped", .right),
    ])

    static func render(_ runs: [JSON]) throws(CommandFailure) -> String {
        guard !runs.isEmpty else { return "no runs yet" }
        var rows: [[String]] = []
        for (index, value) in runs.enumerated() {
            let run = try ReplyFields(value, path: "result.runs[\(index)]")
            let totals = RunText.totals(run["summary"])
            rows.append([
                String(try run.int("runId")), HumanFormat.text(run["trigger"]), RunText.scope(run["scope"]),
                RunText.status(try run.string("status")), HumanFormat.text(run["startedAt"]), HumanFormat.text(run["finishedAt"]),
                HumanFormat.metric(totals?["totalPostsProcessed"]), HumanFormat.metric(totals?["totalMetricsUpdated"]),
                HumanFormat.metric(totals?["totalErrors"]), HumanFormat.metric(totals?["totalSkipped"]),
            ])
        }
        return table.render(rows)
    }
}

/// `metricsctl run RUN_ID`: one run (`runStatus`): its record, and its report once it has finished.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Show one refresh run: its status, and what it did once finished.",
        discussion: "Example: metricsctl run 7")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("The run's id, as refresh --no-wait or runs print it.", valueName: "run-id"))
    var runId: Int64

    mutating func validate() throws {
        if runId < 1 { throw ValidationError("the run id must be a positive integer") }
    }

    func run() throws {
        let result = try connection.connect().call("runStatus", ["runId": .int(runId)])
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try Self.render(result))
        }
    }

    static func render(_ result: JSON) throws(CommandFailure) -> String {
        let run = try ReplyFields(result)
        var lines: [(String, String)] = [
            ("run", String(try run.int("runId"))),
            ("status", RunText.status(try run.string("status"))),
            ("trigger", try run.string("trigger")),
            ("scope", RunText.scope(run["scope"])),
            ("started", try run.string("startedAt")),
            ("finished", try run.optionalString("finishedAt") ?? HumanFormat.missing),
        ]
        var report: String?
        switch run["summary"] {
        case nil, .null?:
            break
        case .object(let summary)? where summary["details"] != nil:
            report = try RefreshReportText.render(.object(summary), path: "result.summary")
        case .object(let summary)? where summary["error"] != nil:
            lines.append(("error", HumanFormat.text(summary["error"])))
        case let other?:
            lines.append(("summary", HumanFormat.text(other)))
        }
        let width = lines.map(\.0.count).max() ?? 0
        var text = lines.map { label, value in
            label + ":" + String(repeating: " ", count: width - label.count + 1) + value
        }.joined(separator: "\n")
        if let report {
            text += "\n\n" + report
        }
        return text
    }
}

/// Cells shared by `runs` and `run`.
enum RunText {
    /// `all`, `all (instagram, tiktok)`, `workspace demo-studio-a`; anything else as the daemon wrote it.
    static func scope(_ value: JSON?) -> String {
        guard case .object(let scope)? = value, case .string(let kind)? = scope["kind"] else { return HumanFormat.text(value) }
        switch kind {
        case "all":
            guard case .array(let platforms)? = scope["platforms"], !platforms.isEmpty else { return "all" }
            return "all (" + platforms.map { HumanFormat.text($0) }.joined(separator: ", ") + ")"
        case "workspace":
            return "workspace " + HumanFormat.text(scope["workspaceId"])
        default:
            return HumanFormat.text(value)
        }
    }

    static func status(_ status: String) -> String {
        switch status {
        case "completed": Console.styled(status, .green)
        case "running": Console.styled(status, .yellow)
        case "interrupted", "failed": Console.styled(status, .red)
        default: HumanFormat.singleLine(status)
        }
    }

    /// The report's `summary` object (its totals), for a run that finished with one.
    static func totals(_ summary: JSON?) -> JSON? {
        guard case .object? = summary?["summary"] else { return nil }
        return summary?["summary"]
    }
}
