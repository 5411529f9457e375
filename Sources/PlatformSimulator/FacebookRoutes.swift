import JSON
import MetricsCore

/// Facebook Page post insights, post fields (with field expansion) and the Page's post listing.
extension SimulatorWorld {
    mutating func facebookInsights(_ post: SimulatedPost, context: GraphContext) -> RouteResult {
        graphInsights(post, endpoint: .facebookInsights, context: context) { world, post, names, context, json in
            world.writeFacebookInsights(post, metrics: names, context: context, into: &json)
        }
    }

    /// `"data":[…]`, or the #100 that one retired or unknown name causes for the whole request.
    mutating func writeFacebookInsights(
        _ post: SimulatedPost, metrics names: [String], context: GraphContext, into json: inout JSONWriter
    ) -> GraphError? {
        guard !names.isEmpty else { return .invalidParameter("The parameter metric is required") }
        for name in names where !FacebookMetricCatalog.isValid(name, now: context.now) {
            return .invalidInsightsMetric
        }
        json.key("data")
        json.beginArray()
        if insightsReady(post, now: context.now) {
            for name in names {
                writeInsightEntry(
                    name, of: post, title: FacebookMetricCatalog.title(name),
                    description: FacebookMetricCatalog.description(name), into: &json
                ) { json in writeFacebookValue(name, of: post, now: context.now, into: &json) }
            }
        }
        json.endArray()
        return nil
    }

    private func writeFacebookValue(_ name: String, of post: SimulatedPost, now: Timestamp, into json: inout JSONWriter) {
        switch name {
        case "post_media_view", "post_impressions": json.int(count("views", of: post, at: now))
        case "post_total_media_view_unique", "post_impressions_unique": json.int(count("reach", of: post, at: now))
        case "post_clicks": json.int(count("clicks", of: post, at: now))
        case "post_clicks_by_type":
            json.beginObject()
            json.field("other clicks", count("clicks", of: post, at: now))
            json.endObject()
        case "post_reactions_by_type_total":
            // Meta lists only the reaction types the post has.
            json.beginObject()
            for (type, count) in reactions(of: post, now: now) where count > 0 {
                json.field(type, count)
            }
            json.endObject()
        default: json.int(count(name, of: post, at: now))
        }
    }

    /// Reactions by type; a post seeded with only `likes` has them all as `like`.
    func reactions(of post: SimulatedPost, now: Timestamp) -> [(String, Int64)] {
        let typed = FacebookMetricCatalog.reactionTypes.map { ($0, count("reactions.\($0)", of: post, at: now)) }
        if typed.contains(where: { $0.1 > 0 }) { return typed }
        return [("like", count("likes", of: post, at: now))]
    }

    mutating func facebookPostNode(_ post: SimulatedPost, context: GraphContext) -> RouteResult {
        graphObject(post, defaultFields: "id,created_time,message", endpoint: .facebookPost, context: context) {
            world, post, fields, context, json in
            world.writeFacebookPost(post, fields: fields, context: context, into: &json)
        }
    }

    mutating func facebookPostList(_ account: SimulatedAccount, context: GraphContext) -> RouteResult {
        graphEdge(account, defaultFields: "id,created_time,message", endpoint: .facebookPosts, context: context) {
            world, post, fields, context, json in
            world.writeFacebookPost(post, fields: fields, context: context, into: &json)
        }
    }

    /// A Page post with the requested fields. Field expansion (`insights.metric(...)`, `reactions.summary(...)`)
    /// is real Graph API behaviour and lets a client fetch a post's counts and insights in one call; an invalid
    /// metric inside the expansion fails the whole request here, as the insights edge does.
    private mutating func writeFacebookPost(
        _ post: SimulatedPost, fields: GraphFieldList, context: GraphContext, into json: inout JSONWriter
    ) -> GraphError? {
        let now = context.now
        json.beginObject()
        for field in fields.fields {
            switch field.name {
            case "id": json.field("id", post.id)
            case "created_time": json.field("created_time", GraphTime.payload(post.createdAt))
            case "message": json.field("message", "Simulated post \(post.id)")
            case "permalink_url": json.field("permalink_url", "https://www.facebook.com/\(post.id)")
            case "shares":
                // Meta leaves `shares` out entirely when the post has none.
                let shares = count("shares", of: post, at: now)
                if shares > 0 {
                    json.key("shares")
                    json.beginObject()
                    json.field("count", shares)
                    json.endObject()
                }
            case "reactions", "comments":
                json.key(field.name)
                json.beginObject()
                json.key("data")
                json.beginArray()
                json.endArray()
                if let summary = field.modifiers["summary"], summary != "false" {
                    json.key("summary")
                    json.beginObject()
                    if field.name == "reactions" {
                        json.field("total_count", reactions(of: post, now: now).reduce(0) { $0 + $1.1 })
                        json.field("viewer_reaction", "NONE")
                    } else {
                        json.field("order", "ranked")
                        json.field("total_count", count("comments", of: post, at: now))
                        json.field("can_comment", true)
                    }
                    json.endObject()
                }
                json.endObject()
            case "insights":
                json.key("insights")
                json.beginObject()
                if let error = writeFacebookInsights(post, metrics: field.list("metric") ?? [], context: context, into: &json) {
                    return error
                }
                json.endObject()
            default:
                return .invalidParameter("Tried accessing nonexisting field (\(field.name)) on node type (PagePost)")
            }
        }
        json.endObject()
        return nil
    }
}
