import ArgumentParser
import JSON
import JSONRPC

/// `metricsctl freshness`: how fresh each age band is and where the call budgets stand (`freshness`).
struct FreshnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freshness",
        abstract: "Show how fresh each age band is, and the call budgets of platforms and accounts.",
        discussion: """
            Staleness is how long ago a post's numbers were last captured (p50/p95/p99 over the band); overdue \
            posts are due for longer than a tenth of their band's interval: budget or limits held them back.

            Example: metricsctl freshness --workspace w1
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Only this workspace's posts and accounts.", valueName: "id"))
    var workspace: String?

    @Flag(help: "Also list every account's budget.")
    var accounts = false

    func run() throws {
        var params = JSONObject()
        if let workspace { params.append("workspaceId", .string(workspace)) }
        let result = try connection.connect().call("freshness", .object(params))
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try Self.render(result, accounts: accounts))
        }
    }

    static let bandTable = TableRenderer([
        .init("age"), .init("every", .right), .init("posts", .right), .init("due", .right), .init("overdue", .right),
        .init("failing", .right), .init("paused", .right), .init("never", .right), .init("stale p50", .right),
        .init("p95", .right), .init("p99", .right),
    ])

    static let budgetTable = TableRenderer([
        .init("platform"), .init("account"), .init("calls last hour", .right), .init("budget", .right), .init("limit", .right),
    ])

    static func render(_ result: JSON, accounts showAccounts: Bool) throws(CommandFailure) -> String {
        let report = try ReplyFields(result)
        var bandRows: [[String]] = []
        for band in try report.objects("bands") {
            let staleness = band["stalenessSeconds"].flatMap { $0.isNull ? nil : $0 }
            func stale(_ key: String) -> String {
                guard case .number(let number)? = staleness?[key], let seconds = number.int64 else { return HumanFormat.missing }
                return HumanFormat.duration(seconds: seconds)
            }
            bandRows.append([
                HumanFormat.text(band["band"]), HumanFormat.duration(seconds: try band.int("targetIntervalSeconds")),
                HumanFormat.metric(band["posts"]), HumanFormat.metric(band["due"]), HumanFormat.metric(band["overdue"]),
                HumanFormat.metric(band["failing"]), HumanFormat.metric(band["paused"]), HumanFormat.metric(band["neverRefreshed"]),
                stale("p50"), stale("p95"), stale("p99"),
            ])
        }
        var budgetRows: [[String]] = []
        for platform in try report.objects("platforms") {
            budgetRows.append([
                HumanFormat.text(platform["platform"]), "(all)", HumanFormat.metric(platform["callsLastHour"]),
                HumanFormat.metric(platform["budget"]), HumanFormat.metric(platform["hourlyLimit"]),
            ])
        }
        if showAccounts {
            for account in try report.objects("accounts") {
                budgetRows.append([
                    HumanFormat.text(account["platform"]), HumanFormat.text(account["accountId"]),
                    HumanFormat.metric(account["callsLastHour"]), HumanFormat.metric(account["budget"]),
                    HumanFormat.metric(account["hourlyLimit"]),
                ])
            }
        }
        return "as of \(try report.string("at")) (\(try report.string("cadence")) cadence)\n\n"
            + bandTable.render(bandRows) + "\n\n" + budgetTable.render(budgetRows)
    }
}
