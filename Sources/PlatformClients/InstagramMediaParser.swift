#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MetricsCore

/// An Instagram media object's fields: `like_count` is nil when the owner hides likes (Instagram omits it).
public struct InstagramMedia: Sendable, Hashable {
    public var id: String
    /// IMAGE, VIDEO, CAROUSEL_ALBUM.
    public var mediaType: String?
    /// `.carouselAlbum` for a CAROUSEL_ALBUM media type, whatever its product type says.
    public var productType: MediaProductType?
    public var createdAt: Timestamp?
    public var likeCount: Int64?
    public var commentsCount: Int64?
}

/// Reads media objects and `/media` pages (`{"data":[…],"paging":{"cursors":…,"next":…}}`).
public enum InstagramMediaParser {
    struct Item: Decodable {
        var id: String
        var media_type: String?
        var media_product_type: String?
        var timestamp: String?
        var like_count: Int64?
        var comments_count: Int64?
    }

    struct Page: Decodable {
        var data: [Item]
        var paging: GraphPaging?
    }

    public static func parseMedia(_ body: [UInt8]) throws(PlatformError) -> InstagramMedia {
        guard let item = try? JSONDecoder().decode(Item.self, from: Data(body)) else {
            throw PlatformError(platform: .instagram, kind: .malformed("media answer has no id"))
        }
        return media(item)
    }

    /// The page's media and the cursor of the next page (nil when `paging.next` is absent: the end).
    public static func parsePage(_ body: [UInt8]) throws(PlatformError) -> (media: [InstagramMedia], after: String?) {
        guard let page = try? JSONDecoder().decode(Page.self, from: Data(body)) else {
            throw PlatformError(platform: .instagram, kind: .malformed("media page is not {\"data\":[…]}"))
        }
        let after = page.paging?.next != nil ? page.paging?.cursors?.after : nil
        return (page.data.map(media), after)
    }

    static func media(_ item: Item) -> InstagramMedia {
        let productType: MediaProductType? = item.media_type == "CAROUSEL_ALBUM"
            ? .carouselAlbum : item.media_product_type.flatMap(MediaProductType.init(rawValue:))
        return InstagramMedia(
            id: item.id, mediaType: item.media_type, productType: productType,
            createdAt: item.timestamp.flatMap { Timestamp(iso8601: $0) }, likeCount: item.like_count,
            commentsCount: item.comments_count)
    }
}
