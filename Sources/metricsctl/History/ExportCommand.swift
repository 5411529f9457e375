import ArgumentParser
import Foundation
import JSON
import JSONRPC

/// `metricsctl export`: a workspace's history as NDJSON or CSV on stdout, walking `export`'s pages.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a workspace's snapshots (or daily rollups) as NDJSON or CSV.",
        discussion: """
            Lines go to standard output as the pages arrive, so any size fits.

            Example: metricsctl export --workspace w1 --format csv --since 2026-11-01T00:00:00Z > w1.csv
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("The workspace.", valueName: "id"))
    var workspace: String

    @Option(help: "ndjson or csv.")
    var format: String = "ndjson"

    @Flag(help: "Daily rollups (each post's last snapshot of each local day) instead of every snapshot.")
    var daily = false

    @Option(help: ArgumentHelp("The earliest capturedAt (ISO 8601).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("The latest capturedAt (ISO 8601).", valueName: "time"))
    var until: String?

    mutating func validate() throws {
        guard ["ndjson", "csv"].contains(format) else { throw ValidationError("--format is ndjson or csv") }
    }

    func run() throws {
        let client = try connection.connect()
        var cursor: String?
        repeat {
            var params: JSONObject = [
                "workspaceId": .string(workspace), "format": .string(format), "of": .string(daily ? "daily" : "snapshots"),
            ]
            if let since { params.append("since", .string(since)) }
            if let until { params.append("until", .string(until)) }
            if let cursor { params.append("cursor", .string(cursor)) }
            let page = try ReplyFields(try client.call("export", .object(params)))
            var text = ""
            for line in try page.array("lines") {
                if case .string(let value) = line { text += value + "\n" }
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            cursor = try page.optionalString("nextCursor")
        } while cursor != nil
    }
}
