#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import JSON
import JSONRPC
import MetricsCore
import RPCClient

/// `metricsctl refresh`: runs a refresh now (`refreshAll`, or `refreshWorkspace` with `--workspace`), draws
/// the daemon's `progress` notifications as a bar on a terminal, and prints what the run did.
struct RefreshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Refresh metrics now and print what the run did.",
        usage: "metricsctl refresh [--workspace <id> | --platform <platform> ...] [--no-wait] [--json] [--socket <path>]",
        discussion: """
            Without --workspace every workspace is refreshed (optionally only some platforms); with it, every \
            platform of that workspace. If a run with the same scope is already going, this joins it.

            Waits for the run however long it takes, drawing progress on standard error when it is a \
            terminal. With --timeout it gives up (exit 2) after that many seconds without word from the \
            daemon; progress counts as word, so a run that keeps advancing is not cut short. With --no-wait \
            it prints the run's id at once; `metricsctl run <id>` shows how it went.

            Example: metricsctl refresh --workspace w1
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Only this workspace's accounts (refreshWorkspace).", valueName: "id"))
    var workspace: String?

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp("Only these platforms (repeatable; not with --workspace).", valueName: "platform"))
    var platform: [Platform] = []

    @Flag(help: "Start the run and print its id without waiting for it.")
    var noWait = false

    mutating func validate() throws {
        if workspace != nil, !platform.isEmpty {
            throw ValidationError("--platform goes without --workspace: a workspace refresh covers all its platforms")
        }
    }

    func run() throws {
        var params = JSONObject()
        if let workspace { params.append("workspaceId", .string(workspace)) }
        if !platform.isEmpty {
            var seen = Set<Platform>()
            let unique = platform.filter { seen.insert($0).inserted }
            params.append("platforms", .array(unique.map { .string($0.rawValue) }))
        }
        let method = workspace == nil ? "refreshAll" : "refreshWorkspace"

        if noWait {
            params.append("wait", false)
            let result = try connection.connect().call(method, .object(params))
            if connection.json {
                Console.outputJSON(result)
            } else {
                let runId = try ReplyFields(result).int("runId")
                Console.output(String(runId))
                Console.error("refresh running in the background; `metricsctl run \(runId)` shows how it goes")
            }
            return
        }

        params.append("progress", true)
        let client = try Self.connectWithoutDeadline(connection)
        let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
        let result: JSON
        do {
            result = try client.call(method, .object(params)) { name, params in
                guard name == "progress", case .number(let done)? = params["done"], case .number(let total)? = params["total"],
                      let done = done.int64, let total = total.int64
                else { return }
                bar.update(done: done, total: total)
            }
        } catch {
            bar.finish()
            throw error
        }
        bar.finish()
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try RefreshReportText.render(result))
        }
    }

    /// A refresh takes as long as the platforms' rate limits make it: the shared 30-second default would give
    /// up on a healthy run. So the connection waits forever unless `--timeout` was given on the command line
    /// (ArgumentParser cannot tell a default from a given value, hence the look at the arguments). Given, it
    /// bounds each wait for a line, as for every command: a progress notification restarts it.
    static func connectWithoutDeadline(_ options: ConnectionOptions) throws(CommandFailure) -> DaemonClient {
        let timeoutGiven = CommandLine.arguments.contains { $0 == "--timeout" || $0.hasPrefix("--timeout=") }
        guard !timeoutGiven else { return try options.connect() }
        do {
            return DaemonClient(connection: try RPCConnection(socketPath: options.socketPath, timeoutSeconds: nil))
        } catch {
            throw .unreachable(error)
        }
    }
}

/// `refreshing [#########-----------]  123/287  42%`, redrawn in place on standard error; nothing at all when
/// standard error is not a terminal, so logs and pipes get no carriage returns.
final class ProgressBar {
    private let enabled: Bool
    private var drawn = false
    private var last: (Int64, Int64)?
    static let width = 30

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func update(done: Int64, total: Int64) {
        guard enabled, last.map({ $0 != (done, total) }) ?? true else { return }
        last = (done, total)
        write("\r\u{1B}[K" + Self.line(done: done, total: total))
        drawn = true
    }

    /// Erases the bar so the summary starts on a clean line.
    func finish() {
        guard enabled, drawn else { return }
        write("\r\u{1B}[K")
        drawn = false
    }

    static func line(done: Int64, total: Int64) -> String {
        let fraction = total > 0 ? min(1, max(0, Double(done) / Double(total))) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return "refreshing [\(bar)]  \(done)/\(total)  \(Int((fraction * 100).rounded(.down)))%"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// A run's report (`refreshAll`'s result, a finished run's `summary`) as text: the message, a table of counts
/// per platform, one per account, then every error line.
enum RefreshReportText {
    static let platformTable = TableRenderer([
        .init("platform"), .init("processed", .right), .init("updated", .right), .init("no-data", .right),
        .init("errors", .right), .init("skipped", .right),
    ])

    static let accountTable = TableRenderer([
        .init("account"), .init("workspace"), .init("platform"), .init("processed", .right), .init("updated", .right),
        .init("no-data", .right), .init("errors", .right), .init("skipped", .right),
    ])

    static func render(_ value: JSON, path: String = "result") throws(CommandFailure) -> String {
        let report = try ReplyFields(value, path: path)
        var sections: [String] = []
        let ok = try report.bool("ok")
        var header = "run \(try report.int("runId")): \(HumanFormat.singleLine(try report.string("message")))"
        if !ok { header += " " + Console.styled("(not ok)", .red) }
        sections.append(header)

        let summary = try report.nested("summary")
        let byPlatform = try summary.nested("byPlatform")
        var platformRows: [[String]] = []
        for member in byPlatform.object {
            let tally = try ReplyFields(member.value, path: "\(byPlatform.path).\(member.key)")
            platformRows.append([
                HumanFormat.singleLine(member.key), count(tally["processed"]), count(tally["updated"]),
                count(tally["withoutData"]), count(tally["errors"]), count(tally["skipped"]),
            ])
        }
        platformRows.append([
            "total", count(summary["totalPostsProcessed"]), count(summary["totalMetricsUpdated"]),
            count(summary["totalWithoutData"]), count(summary["totalErrors"]), count(summary["totalSkipped"]),
        ])
        sections.append(platformTable.render(platformRows))

        let details = try report.objects("details")
        var errorLines: [String] = []
        if details.isEmpty {
            sections.append("no accounts had posts to refresh")
        } else {
            var accountRows: [[String]] = []
            for detail in details {
                let accountId = HumanFormat.text(detail["accountId"])
                let errors = try detail.array("errors")
                accountRows.append([
                    accountId, HumanFormat.text(detail["workspaceId"]), HumanFormat.text(detail["platform"]),
                    count(detail["postsProcessed"]), count(detail["metricsUpdated"]), count(detail["postsWithoutData"]),
                    HumanFormat.grouped(Int64(errors.count)), count(detail["postsSkipped"]),
                ])
                for error in errors {
                    errorLines.append("\(accountId): \(HumanFormat.text(error))")
                }
            }
            sections.append(accountTable.render(accountRows))
        }
        if !errorLines.isEmpty {
            sections.append((["\(Console.styled("errors", .red)) (\(errorLines.count)):"] + errorLines.map { "  " + $0 })
                .joined(separator: "\n"))
        }
        return sections.joined(separator: "\n\n")
    }

    /// A count cell: grouped digits (the dash if the daemon left it out).
    private static func count(_ value: JSON?) -> String {
        HumanFormat.metric(value)
    }
}
