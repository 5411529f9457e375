#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MetricsCore

/// Reads a Page post fetched with field expansion — counts and insights in one answer:
/// `{"shares":{"count":42},"reactions":{"summary":{"total_count":1}},"comments":{"summary":{"total_count":1}},
///   "insights":{"data":[…]},"id":"…"}`.
///
/// Mapping: post_media_view → views, post_total_media_view_unique → reach, post_reactions_by_type_total summed
/// → likes (by type in metadata `reactions`; the reactions summary is the fallback while insights are empty),
/// comments summary → comments, post_clicks → metadata `clicks`.
/// `shares` → shares, and an ABSENT `shares` is stored as 0, not nil: Meta documents that it omits the field
/// when a post has no shares, so absence is a reported zero here, unlike metrics a platform does not report.
public enum FacebookPostParser {
    struct Summary: Decodable {
        var total_count: Int64?
    }

    struct Edge: Decodable {
        var summary: Summary?
    }

    struct Shares: Decodable {
        var count: Int64?
    }

    struct Body: Decodable {
        var id: String?
        var shares: Shares?
        var reactions: Edge?
        var comments: Edge?
        var insights: GraphInsightsBody?
    }

    static let columns: [String: String] = ["post_media_view": "views", "post_total_media_view_unique": "reach"]

    public static func parse(_ body: [UInt8]) throws(PlatformError) -> PostMetrics {
        guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(body)) else {
            throw PlatformError(platform: .facebook, kind: .malformed("post answer is not a Page post object"))
        }
        let insights = decoded.insights?.data ?? []
        var result = PostMetrics(noDataYet: insights.isEmpty)
        for insight in insights {
            guard let value = insight.firstValue else { continue }
            if let column = columns[insight.name] {
                result.values[column] = value.count
            } else if insight.name == "post_reactions_by_type_total" {
                result.values.likes = value.count
                result.metadata["reactions"] = InstagramInsightsParser.metadataValue(value)
            } else if insight.name == "post_clicks" {
                result.metadata["clicks"] = InstagramInsightsParser.metadataValue(value)
            } else {
                result.metadata[insight.name] = InstagramInsightsParser.metadataValue(value)
            }
        }
        if result.values.likes == nil, let total = decoded.reactions?.summary?.total_count {
            result.values.likes = total
        }
        result.values.comments = decoded.comments?.summary?.total_count
        result.values.shares = decoded.shares?.count ?? 0
        return result
    }

    struct PostItem: Decodable {
        var id: String
        var created_time: String?
    }

    struct Page: Decodable {
        var data: [PostItem]
        var paging: GraphPaging?
    }

    /// A `/posts` page: the posts and the cursor of the next page (nil at the end).
    public static func parsePage(_ body: [UInt8]) throws(PlatformError) -> (posts: [DiscoveredPost], after: String?) {
        guard let page = try? JSONDecoder().decode(Page.self, from: Data(body)) else {
            throw PlatformError(platform: .facebook, kind: .malformed("posts page is not {\"data\":[…]}"))
        }
        let posts = page.data.compactMap { item -> DiscoveredPost? in
            guard let created = item.created_time.flatMap({ Timestamp(iso8601: $0) }) else { return nil }
            return DiscoveredPost(externalID: item.id, createdAt: created)
        }
        return (posts, page.paging?.next != nil ? page.paging?.cursors?.after : nil)
    }
}
