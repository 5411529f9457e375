import MetricsCore

extension GraphCaller {
    /// One page of a Graph edge as the caller's parser reads it: the posts inside the window, whether the page
    /// reached posts older than the window (edges list newest first, so nothing after them is wanted), and
    /// the `after` cursor.
    struct WindowPage {
        var posts: [DiscoveredPost]
        var reachedOlder: Bool
        var after: String?
    }

    /// Follows an edge's `after` cursors from newest to oldest, until a page reaches past the window, the edge
    /// ends, or `maxPages` pages were read. `url(after)` builds the request for a cursor; the usage returned
    /// is the last page's (the freshest). Shared by Instagram's `/media` and Facebook's `/posts`.
    func collectWindow(
        endpoint: String, accessToken: String, objectID: String, maxPages: Int, url: (String?) -> String,
        parse: ([UInt8]) throws(PlatformError) -> WindowPage
    ) async throws(PlatformError) -> PlatformResponse<[DiscoveredPost]> {
        var found: [DiscoveredPost] = []
        var after: String?
        var usage = PlatformUsage()
        for _ in 0..<max(1, maxPages) {
            let answer = try await get(endpoint: endpoint, url: url(after), accessToken: accessToken, objectID: objectID)
            usage = answer.usage
            let page = try answer.decode(parse).value
            found += page.posts
            guard !page.reachedOlder, let next = page.after else { break }
            after = next
        }
        return PlatformResponse(value: found, usage: usage)
    }
}
