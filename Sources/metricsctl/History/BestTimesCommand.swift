import ArgumentParser
import JSON
import JSONRPC
import MetricsCore

/// `metricsctl best-times`: the local hours of the week whose posts did best, as a 7 × 24 heat grid (`bestTimes`).
struct BestTimesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best-times",
        abstract: "Show when posts did best, as a 7 x 24 grid of the local week.",
        discussion: """
            Each cell is an hour of the week posts were published in; its shade is the median of the metric at 7 \
            days of age (cells with fewer than 2 posts stay blank).

            Example: metricsctl best-times --workspace w1 --metric engagementRate
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("The workspace.", valueName: "id"))
    var workspace: String

    @Option(help: "A counter or engagementRate (the default).")
    var metric: String = "engagementRate"

    @Option(help: "Only this platform's posts.")
    var platform: Platform?

    func run() throws {
        var params: JSONObject = ["workspaceId": .string(workspace), "metric": .string(metric)]
        if let platform { params.append("platform", .string(platform.rawValue)) }
        let result = try connection.connect().call("bestTimes", .object(params))
        if connection.json {
            Console.outputJSON(result)
            return
        }
        Console.output(try Self.render(result))
    }

    static let shades: [Character] = ["░", "▒", "▓", "█"]

    static func render(_ result: JSON) throws(CommandFailure) -> String {
        let report = try ReplyFields(result)
        let grid = try report.objects("grid")
        let medians: [Double?] = grid.map { if case .number(let n)? = $0["median"] { n.double } else { nil } }
        let present = medians.compactMap { $0 }
        let low = present.min() ?? 0
        let high = present.max() ?? 0
        var lines = ["\(try report.string("metric")) by local hour published (\(try report.string("timeZone")))", "     " + (0..<24).map { $0 % 6 == 0 ? String($0).padding(toLength: 2, withPad: " ", startingAt: 0) : "  " }.joined()]
        for (index, day) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].enumerated() {
            var row = day + "  "
            for hour in 0..<24 {
                guard let value = medians[index * 24 + hour] else {
                    row += "· "
                    continue
                }
                let scaled = high > low ? (value - low) / (high - low) : 1
                row += String(shades[min(shades.count - 1, Int(scaled * Double(shades.count - 1)))]) + " "
            }
            lines.append(String(row.reversed().drop { $0 == " " }.reversed()))
        }
        let best = try report.objects("best")
        if best.isEmpty {
            lines.append("no hour has 2 posts yet")
        } else {
            lines.append("best: " + best.map { slot in
                "\(HumanFormat.text(slot["weekday"])) \(HumanFormat.text(slot["hour"])):00 (\(TopCommand.value(slot["median"])), \(HumanFormat.text(slot["posts"])) posts)"
            }.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}
