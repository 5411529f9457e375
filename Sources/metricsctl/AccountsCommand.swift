import ArgumentParser
import JSON
import JSONRPC

/// `metricsctl accounts`: the connected platform accounts (`listAccounts`).
struct AccountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "List connected platform accounts and their token status.",
        discussion: "Example: metricsctl accounts --workspace w1")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Only this workspace's accounts.", valueName: "id"))
    var workspace: String?

    func run() throws {
        var params = JSONObject()
        if let workspace { params.append("workspaceId", .string(workspace)) }
        let result = try connection.connect().call("listAccounts", .object(params))
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try Self.render(result))
        }
    }

    static let table = TableRenderer([
        .init("id"), .init("workspace"), .init("platform"), .init("external id"), .init("status"),
        .init("posts", .right), .init("token expires"), .init("last error"),
    ])

    static func render(_ result: JSON) throws(CommandFailure) -> String {
        let accounts = try ReplyFields(result).objects("accounts")
        guard !accounts.isEmpty else { return "no accounts" }
        return table.render(accounts.map { account in
            [
                HumanFormat.text(account["id"]), HumanFormat.text(account["workspaceId"]),
                HumanFormat.text(account["platform"]), HumanFormat.text(account["externalAccountId"]),
                HumanFormat.text(account["status"]), HumanFormat.metric(account["postCount"]),
                HumanFormat.text(account["tokenExpiresAt"]), HumanFormat.text(account["lastError"]),
            ]
        })
    }
}
