import ArgumentParser
import Foundation
import JSON
import JSONRPC

/// `metricsctl import`: backfill history from a file of snapshots, one JSON object per line in the shape of
/// `importMetrics`' snapshots (an export of `studio_social_post_metrics`, say), sent in batches that fit the
/// daemon's limits. `importMetrics` is idempotent, so an import that stopped half-way is simply run again.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Backfill history from snapshots, one JSON object per line.",
        discussion: """
            Each line: {"postId":"p1","capturedAt":"2026-11-21T00:00:00.000Z","views":120,"likes":9,...} with the \
            fields of importMetrics' snapshots; blank lines are skipped. Points already stored at the same \
            (postId, capturedAt) are left as they are, so running an import twice changes nothing.

            Example: metricsctl import snapshots.ndjson
            """)

    /// The daemon's cap on snapshots per call.
    static let maximumBatch = 10_000
    /// Requests stay under the daemon's default 1 MiB line limit with room to spare.
    static let maximumBatchBytes = 768 * 1024

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: ArgumentHelp("A file of snapshots, or - for standard input.", valueName: "file"))
    var file: String = "-"

    @Option(help: ArgumentHelp("Snapshots per importMetrics call (at most 10000).", valueName: "n"))
    var batch: Int = 2000

    mutating func validate() throws {
        guard (1...Self.maximumBatch).contains(batch) else {
            throw ValidationError("--batch must be between 1 and \(Self.maximumBatch)")
        }
    }

    private struct Totals {
        var imported: Int64 = 0
        var skipped: Int64 = 0
        var calls = 0
    }

    func run() throws {
        var reader: LineReader
        do {
            reader = try LineReader(path: file)
        } catch {
            throw ValidationError("cannot read \(file)")
        }
        let client = try connection.connect()
        var totals = Totals()
        var pending: [JSON] = []
        var pendingLines: [Int] = []
        var pendingBytes = 0

        func send() throws {
            guard !pending.isEmpty else { return }
            let result: JSON
            do {
                result = try client.call("importMetrics", ["snapshots": .array(pending)])
            } catch .daemon(let error) {
                throw Self.located(error, lines: pendingLines, imported: totals.imported)
            }
            let reply = try ReplyFields(result)
            totals.imported += try reply.int("imported")
            totals.skipped += try reply.int("skipped")
            totals.calls += 1
            pending.removeAll(keepingCapacity: true)
            pendingLines.removeAll(keepingCapacity: true)
            pendingBytes = 0
        }

        while let line = reader.next() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
            let snapshot: JSON
            do {
                snapshot = try JSONParser.parse(Array(line))
            } catch {
                throw Self.badLine(reader.lineNumber, "not valid JSON: \(error.description)", imported: totals.imported)
            }
            guard case .object = snapshot else {
                throw Self.badLine(reader.lineNumber, "expected a snapshot object, got \(snapshot.kindName)", imported: totals.imported)
            }
            if pendingBytes + line.count > Self.maximumBatchBytes { try send() }
            pending.append(snapshot)
            pendingLines.append(reader.lineNumber)
            pendingBytes += line.count + 1
            if pending.count == batch { try send() }
        }
        try send()

        if connection.json {
            Console.outputJSON([
                "imported": .int(totals.imported), "skipped": .int(totals.skipped), "calls": .int(totals.calls),
            ])
        } else {
            Console.output("""
                imported \(HumanFormat.grouped(totals.imported)) new points, \(HumanFormat.grouped(totals.skipped)) \
                already stored, in \(totals.calls) call\(totals.calls == 1 ? "" : "s")
                """)
        }
    }

    /// What was written before a failure, so the user knows a re-run after the fix is safe and cheap.
    private static func progressNote(_ imported: Int64) -> String {
        "\(HumanFormat.grouped(imported)) new points were imported before it; fix the line and run the same "
            + "import again (points already stored are skipped)"
    }

    private static func badLine(_ line: Int, _ reason: String, imported: Int64) -> ValidationError {
        ValidationError("line \(line): \(reason)\n\(progressNote(imported))")
    }

    /// The daemon names the bad field inside its batch (`snapshots[12].postId`); the user needs the line of the
    /// input and the field within it (`line 2013`, `postId`).
    private static func located(_ error: RPCError, lines: [Int], imported: Int64) -> CommandFailure {
        let prefix = "snapshots["
        guard case .object(var data)? = error.data, case .string(let field)? = data["field"], field.hasPrefix(prefix),
              let close = field.firstIndex(of: "]"),
              let index = Int(field[field.index(field.startIndex, offsetBy: prefix.count)..<close]),
              lines.indices.contains(index)
        else {
            return .daemon(error)
        }
        let within = field[field.index(after: close)...].drop { $0 == "." }
        data["field"] = within.isEmpty ? nil : .string(String(within))
        return .daemon(RPCError(
            code: error.code, message: "line \(lines[index]): \(error.message)\n\(progressNote(imported))",
            data: .object(data)))
    }
}
