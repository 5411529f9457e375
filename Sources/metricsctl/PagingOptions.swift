import ArgumentParser
import JSON
import JSONRPC

/// The paged listings (`listPosts`, `latestMetrics` by workspace): their options, and the walk that follows
/// `nextCursor` for one page or, with `--all`, every page.
struct PagingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Posts per page (the daemon's default is 100, its maximum 1000).", valueName: "n"))
    var limit: Int?

    @Option(help: ArgumentHelp("Start after this nextCursor of an earlier page.", valueName: "token"))
    var cursor: String?

    @Flag(help: "Follow nextCursor until every page is listed.")
    var all = false

    var isGiven: Bool { limit != nil || cursor != nil || all }

    mutating func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    /// Calls `method` with `params` (plus `limit` and the cursor) until the last page, or once without `--all`.
    func collect(
        _ client: DaemonClient, _ method: String, _ params: JSONObject, items: String
    ) throws(CommandFailure) -> (items: [JSON], nextCursor: String?) {
        var collected: [JSON] = []
        var next = cursor
        repeat {
            var page = params
            if let limit { page.append("limit", .int(limit)) }
            if let next { page.append("cursor", .string(next)) }
            let reply = try ReplyFields(try client.call(method, .object(page)))
            collected += try reply.array(items)
            let following = try reply.optionalString("nextCursor")
            // A cursor that does not move would loop forever; that is a broken reply, not more data.
            if let following, following == next {
                throw CommandFailure.unexpectedReply("nextCursor \"\(following)\" repeats the cursor just sent")
            }
            next = following
        } while all && next != nil
        return (collected, next)
    }

    /// On stderr, for people: how to get the rest of a listing that stopped at one page.
    static func noteMore(_ nextCursor: String?) {
        if let nextCursor {
            Console.error("more posts follow: pass --all to list every page, or --cursor \(nextCursor) for the next")
        }
    }
}
