import ArgumentParser
import JSON
import JSONRPC

/// `metricsctl posts`: registered posts (`listPosts`), one page or, with `--all`, every page.
struct PostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posts",
        abstract: "List registered posts, newest first.",
        discussion: "Example: metricsctl posts --workspace w1 --limit 50")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Only this workspace's posts.", valueName: "id"))
    var workspace: String?

    @Option(help: ArgumentHelp("Only this account's posts.", valueName: "id"))
    var account: String?

    @OptionGroup var paging: PagingOptions

    func run() throws {
        var params = JSONObject()
        if let workspace { params.append("workspaceId", .string(workspace)) }
        if let account { params.append("accountId", .string(account)) }
        let (posts, cursor) = try paging.collect(try connection.connect(), "listPosts", params, items: "posts")

        if connection.json {
            Console.outputJSON(["posts": .array(posts), "nextCursor": .string(cursor)])
        } else {
            Console.output(try Self.render(posts))
            PagingOptions.noteMore(cursor)
        }
    }

    static let table = TableRenderer([
        .init("id"), .init("account"), .init("platform"), .init("external id"), .init("type"),
        .init("posted at"), .init("last refreshed"), .init("last error"),
    ])

    static func render(_ posts: [JSON]) throws(CommandFailure) -> String {
        guard !posts.isEmpty else { return "no posts" }
        var rows: [[String]] = []
        for (index, value) in posts.enumerated() {
            let post = try ReplyFields(value, path: "result.posts[\(index)]")
            rows.append([
                HumanFormat.text(post["id"]), HumanFormat.text(post["accountId"]), HumanFormat.text(post["platform"]),
                HumanFormat.text(post["externalPostId"]), HumanFormat.text(post["mediaProductType"]),
                HumanFormat.text(post["postedAt"]), HumanFormat.text(post["lastRefreshedAt"]),
                HumanFormat.text(post["lastError"]),
            ])
        }
        return table.render(rows)
    }
}
