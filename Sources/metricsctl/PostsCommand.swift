import ArgumentParser
import JSONRPC

/// `metricsctl posts`: registered posts (`listPosts`), one page or, with `--all`, every page.
struct PostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posts",
        abstract: "List registered posts, newest first.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("Only this workspace's posts.", valueName: "id"))
    var workspace: String?

    @Option(help: ArgumentHelp("Only this account's posts.", valueName: "id"))
    var account: String?

    @Option(help: ArgumentHelp("Posts per page (the daemon's default is 100, its maximum 1000).", valueName: "n"))
    var limit: Int?

    @Option(help: ArgumentHelp("Start after this nextCursor of an earlier page.", valueName: "token"))
    var cursor: String?

    @Flag(help: "Follow nextCursor until every page is listed.")
    var all = false

    mutating func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        var params = JSONObject()
        if let workspace { params.append("workspaceId", .string(workspace)) }
        if let account { params.append("accountId", .string(account)) }
        if let limit { params.append("limit", .int(limit)) }
        let (posts, cursor) = try PagedCall.collect(
            try connection.connect(), "listPosts", params, items: "posts", cursor: self.cursor, all: all)

        if connection.json {
            Console.outputJSON(["posts": .array(posts), "nextCursor": .string(cursor)])
        } else {
            Console.output(try Self.render(posts))
            if let cursor {
                Console.error("more posts follow: pass --all to list every page, or --cursor \(cursor) for the next")
            }
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
