/// Instagram's `media_product_type`, which decides which insights metrics a media object accepts.
///
/// Asking Instagram for a metric the type does not support fails the whole insights request, so the
/// type has to be known before the call; a carousel answers with the FEED metric set.
public enum MediaProductType: String, CaseIterable, Sendable, Codable, Hashable {
    case feed = "FEED"
    case reels = "REELS"
    case story = "STORY"
    case carouselAlbum = "CAROUSEL_ALBUM"
    /// Also what Instagram's own media listing reports for plain feed posts on some API versions.
    case ad = "AD"

    /// The metric family Instagram applies to this type (`CAROUSEL_ALBUM` and `AD` use FEED's).
    public var insightsFamily: MediaProductType {
        switch self {
        case .carouselAlbum, .ad: .feed
        default: self
        }
    }
}
