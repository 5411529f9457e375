import ArgumentParser
import JSON
import JSONRPC

/// `metricsctl health`: the daemon's own report, for a person at a terminal.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Show the daemon's status, version, uptime, database and accounts.",
        discussion: """
            Exits 0 whenever the daemon answers, even when it reports "degraded" or "failing": that is the \
            daemon's answer, not a failed command. For a health check that fails on a bad status, use \
            scripts/healthcheck.

            Example: metricsctl health --json
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let result = try connection.connect().call("health")
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try Self.render(result))
        }
    }

    static func render(_ result: JSON) throws(CommandFailure) -> String {
        let report = try ReplyFields(result)
        let status = try report.string("status")
        let colour: Console.Colour = switch status {
        case "ok": .green
        case "degraded": .yellow
        default: .red
        }

        let database = try report.nested("database")
        let databaseText: String
        if try database.bool("ok") {
            databaseText = "ok, " + ((try? database.int("sizeBytes")).map(HumanFormat.bytes) ?? HumanFormat.missing)
        } else {
            databaseText = "unavailable: " + ((try database.optionalString("error")) ?? "no reason given")
        }

        let accounts = try report.nested("accounts")
        let accountsText: String
        if accounts["connected"]?.isNull ?? true {
            accountsText = "unknown (the database cannot be read)"
        } else {
            accountsText = [
                "\(try accounts.int("connected")) connected",
                "\(try accounts.int("expired")) expired",
                "\(try accounts.int("needsReconnect")) need reconnecting",
                "\(try accounts.int("disconnected")) disconnected",
            ].joined(separator: ", ")
        }

        let lines: [(String, String)] = [
            ("status", Console.styled(status, colour)),
            ("version", try report.string("version")),
            ("uptime", HumanFormat.duration(seconds: try report.int("uptimeSeconds"))),
            ("database", databaseText),
            ("accounts", accountsText),
            ("last run", try lastRun(report["lastRun"])),
        ]
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { label, value in
            label + ":" + String(repeating: " ", count: width - label.count + 1) + value
        }.joined(separator: "\n")
    }

    /// `#12 completed (schedule), started …, finished …`, or `none` before the first run.
    private static func lastRun(_ value: JSON?) throws(CommandFailure) -> String {
        guard let value, !value.isNull else { return "none" }
        let run = try ReplyFields(value, path: "result.lastRun")
        var text = "#\(try run.int("runId")) \(try run.string("status")) (\(try run.string("trigger")))"
        text += ", started \(try run.string("startedAt"))"
        if let finished = try run.optionalString("finishedAt") {
            text += ", finished \(finished)"
        }
        return text
    }
}
