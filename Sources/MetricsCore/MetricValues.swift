/// The counters of one post at one moment. `nil` means the platform does not report that metric for this
/// post (a TikTok video has no saves, a story has no likes); it is never stored or shown as 0.
public struct MetricValues: Sendable, Hashable, Codable {
    public var impressions: Int64?
    public var views: Int64?
    public var reach: Int64?
    public var likes: Int64?
    public var comments: Int64?
    public var shares: Int64?
    public var saves: Int64?

    public init(
        impressions: Int64? = nil, views: Int64? = nil, reach: Int64? = nil, likes: Int64? = nil,
        comments: Int64? = nil, shares: Int64? = nil, saves: Int64? = nil
    ) {
        self.impressions = impressions
        self.views = views
        self.reach = reach
        self.likes = likes
        self.comments = comments
        self.shares = shares
        self.saves = saves
    }

    /// The column names, in the order the wire and the table list them.
    public static let names = ["impressions", "views", "reach", "likes", "comments", "shares", "saves"]

    /// Access by column name, so codecs and storage walk one list instead of seven copies of each line.
    public subscript(name: String) -> Int64? {
        get {
            switch name {
            case "impressions": impressions
            case "views": views
            case "reach": reach
            case "likes": likes
            case "comments": comments
            case "shares": shares
            case "saves": saves
            default: nil
            }
        }
        set {
            switch name {
            case "impressions": impressions = newValue
            case "views": views = newValue
            case "reach": reach = newValue
            case "likes": likes = newValue
            case "comments": comments = newValue
            case "shares": shares = newValue
            case "saves": saves = newValue
            default: break
            }
        }
    }
}
