import JSON
extension SimulatorWorld {
    /// Writes one post as a Graph object with the requested fields, or says why the request fails.
    typealias GraphObjectWriter = (inout SimulatorWorld, SimulatedPost, GraphFieldList, GraphContext, inout JSONWriter) -> GraphError?

    /// Writes an insights `"data":[…]` for the requested metric names, or the error that fails the request.
    typealias InsightsWriter = (inout SimulatorWorld, SimulatedPost, [String], GraphContext, inout JSONWriter) -> GraphError?

    /// `GET /{object-id}/insights?metric=…`: `{"data":[…]}` as `write` renders it; one bad name fails it all.
    mutating func graphInsights(
        _ post: SimulatedPost, endpoint: SimulatorEndpoint, context: GraphContext, write: InsightsWriter
    ) -> RouteResult {
        let names = (context.request.query["metric"] ?? "").split(separator: ",").map { String($0.trimmingSpaces()) }
        var json = JSONWriter(reservingCapacity: 200 * max(1, names.count))
        json.beginObject()
        if let error = write(&self, post, names, context, &json) {
            return graphFailure(error, endpoint: endpoint, account: post.accountID)
        }
        json.endObject()
        return RouteResult(response: SimulatedResponse(json: json), endpoint: endpoint, account: post.accountID, outcome: .success)
    }

    /// One lifetime entry of an insights `data` array, in the shape both Instagram and Facebook use:
    /// `{"name","period","values":[{"value":…}],"title","description","id"}`; `value` writes the value.
    func writeInsightEntry(
        _ name: String, of post: SimulatedPost, title: String, description: String, into json: inout JSONWriter,
        value: (inout JSONWriter) -> Void
    ) {
        json.beginObject()
        json.field("name", name)
        json.field("period", "lifetime")
        json.key("values")
        json.beginArray()
        json.beginObject()
        json.key("value")
        value(&json)
        json.endObject()
        json.endArray()
        json.field("title", title)
        json.field("description", description)
        json.field("id", "\(post.id)/insights/\(name)/lifetime")
        json.endObject()
    }

    /// `GET /{object-id}?fields=…`: one object, as `write` renders it.
    mutating func graphObject(
        _ post: SimulatedPost, defaultFields: String, endpoint: SimulatorEndpoint, context: GraphContext,
        write: GraphObjectWriter
    ) -> RouteResult {
        guard let fields = GraphFieldList(context.request.query["fields"] ?? defaultFields) else {
            return graphFailure(.invalidParameter("Syntax error in fields"), endpoint: endpoint, account: post.accountID)
        }
        var json = JSONWriter(reservingCapacity: 512)
        if let error = write(&self, post, fields, context, &json) {
            return graphFailure(error, endpoint: endpoint, account: post.accountID)
        }
        return RouteResult(response: SimulatedResponse(json: json), endpoint: endpoint, account: post.accountID, outcome: .success)
    }

    /// `GET /{owner-id}/{edge}?fields=…`: a cursor-paged `{"data":[…],"paging":…}` of the owner's posts. One
    /// object that fails (e.g. an unsupported metric inside `insights.metric(…)`) fails the page, as the
    /// object itself would (UNCONFIRMED upstream).
    mutating func graphEdge(
        _ account: SimulatedAccount, defaultFields: String, endpoint: SimulatorEndpoint, context: GraphContext,
        write: GraphObjectWriter
    ) -> RouteResult {
        guard let fields = GraphFieldList(context.request.query["fields"] ?? defaultFields) else {
            return graphFailure(.invalidParameter("Syntax error in fields"), endpoint: endpoint, account: account.id)
        }
        let page: GraphPage
        switch graphPage(listing(of: account, now: context.now), context: context) {
        case .success(let value): page = value
        case .failure(let error): return graphFailure(error, endpoint: endpoint, account: account.id)
        }
        var json = JSONWriter(reservingCapacity: 128 * max(1, page.ids.count))
        json.beginObject()
        json.key("data")
        json.beginArray()
        for id in page.ids {
            guard let post = post(id, now: context.now) else { continue }
            if let error = write(&self, post, fields, context, &json) {
                return graphFailure(error, endpoint: endpoint, account: account.id)
            }
        }
        json.endArray()
        writePaging(page, into: &json, context: context)
        json.endObject()
        return RouteResult(response: SimulatedResponse(json: json), endpoint: endpoint, account: account.id, outcome: .success)
    }
}
