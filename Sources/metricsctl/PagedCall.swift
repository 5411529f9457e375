import JSONRPC

/// The paged listings (`listPosts`, `latestMetrics` by workspace): one page, or with `all` every page,
/// following `nextCursor` from `cursor` on.
enum PagedCall {
    static func collect(
        _ client: DaemonClient, _ method: String, _ params: JSONObject, items: String, cursor start: String?, all: Bool
    ) throws(CommandFailure) -> (items: [JSON], nextCursor: String?) {
        var collected: [JSON] = []
        var cursor = start
        repeat {
            var page = params
            if let cursor { page.append("cursor", .string(cursor)) }
            let reply = try ReplyFields(try client.call(method, .object(page)))
            collected += try reply.array(items)
            let next = try reply.optionalString("nextCursor")
            // A cursor that does not move would loop forever; that is a broken reply, not more data.
            if let next, next == cursor {
                throw CommandFailure.unexpectedReply("nextCursor \"\(next)\" repeats the cursor just sent")
            }
            cursor = next
        } while all && cursor != nil
        return (collected, cursor)
    }
}
