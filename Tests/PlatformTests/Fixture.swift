import MetricsCore
import PlatformSimulator

/// The accounts and posts most tests share, at a fixed simulated "now".
enum Fixture {
    /// 2026-11-20T12:00:00Z
    static let now = Timestamp(milliseconds: 1_795_176_000_000)

    static func daysAgo(_ days: Double) -> Timestamp { now.adding(seconds: -days * 86_400) }

    // Instagram
    static let igUser = "17841400000000001"
    static let igToken = "IG-TOKEN-1"
    static let igHiddenUser = "17841400000000002"
    static let igHiddenToken = "IG-TOKEN-2"
    static let feed = "17900000000000001"
    static let reel = "17900000000000002"
    static let story = "17900000000000003"
    static let carousel = "17900000000000004"
    static let tooNew = "17900000000000005"
    static let quietStory = "17900000000000006"
    static let hiddenLikes = "17900000000000007"
    static let oldFeed = "17900000000000008"

    // Facebook
    static let page = "100000000000001"
    static let pageToken = "EAA-PAGE-1"
    static let post = "100000000000001_1"
    static let postWithoutShares = "100000000000001_2"

    // TikTok
    static let openID = "open-1"
    static let tiktokToken = "act.one"
    static let tiktokRefresh = "rft.one"
    static let otherOpenID = "open-2"
    static let otherTikTokToken = "act.two"
    static let narrowOpenID = "open-3"
    static let narrowToken = "act.three"
    static let videos = (1...25).map { "71000000000000000" + (($0 < 10) ? "0\($0)" : "\($0)") }
    static let deletedVideo = "7100000000000000099"
    static let foreignVideo = "7200000000000000001"

    static let igMetrics: [String: Int64] = [
        "views": 1000, "reach": 800, "likes": 50, "comments": 5, "shares": 3, "saved": 7, "follows": 2,
        "profile_visits": 9,
    ]

    static func seed() -> SimulatorSeed {
        var accounts: [SimulatorSeed.Account] = [
            .init(platform: .instagram, id: igUser, accessToken: igToken),
            .init(platform: .instagram, id: igHiddenUser, accessToken: igHiddenToken, hideLikes: true),
            .init(platform: .facebook, id: page, accessToken: pageToken),
            .init(platform: .tiktok, id: openID, accessToken: tiktokToken, refreshToken: tiktokRefresh),
            .init(platform: .tiktok, id: otherOpenID, accessToken: otherTikTokToken),
            .init(platform: .tiktok, id: narrowOpenID, accessToken: narrowToken, scopes: ["user.info.basic"]),
        ]
        accounts.sort { $0.id < $1.id }
        var posts: [SimulatorSeed.Post] = [
            .init(id: feed, account: igUser, mediaProductType: .feed, createdAt: daysAgo(10), metrics: igMetrics,
                  growthPerDay: ["views": 100]),
            .init(id: reel, account: igUser, mediaProductType: .reels, createdAt: daysAgo(9),
                  metrics: igMetrics.merging(["ig_reels_avg_watch_time": 4_200, "ig_reels_video_view_total_time": 9_000_000]) { $1 }),
            .init(id: story, account: igUser, mediaProductType: .story, createdAt: daysAgo(0.5),
                  metrics: ["views": 300, "reach": 250, "shares": 1, "replies": 4, "navigation": 30]),
            .init(id: carousel, account: igUser, mediaProductType: .carouselAlbum, createdAt: daysAgo(8), metrics: igMetrics),
            .init(id: tooNew, account: igUser, mediaProductType: .feed, createdAt: daysAgo(0.01), tooNew: true),
            .init(id: quietStory, account: igUser, mediaProductType: .story, createdAt: daysAgo(0.2), notEnoughViewers: true),
            .init(id: hiddenLikes, account: igHiddenUser, mediaProductType: .feed, createdAt: daysAgo(3), metrics: igMetrics),
            .init(id: oldFeed, account: igUser, mediaProductType: .feed, createdAt: daysAgo(60), metrics: igMetrics),
            .init(id: post, account: page, createdAt: daysAgo(4), metrics: [
                "views": 500, "reach": 300, "reactions.like": 10, "reactions.love": 2, "comments": 3, "shares": 4,
                "clicks": 9,
            ]),
            .init(id: postWithoutShares, account: page, createdAt: daysAgo(2), metrics: ["views": 20, "likes": 1]),
            .init(id: foreignVideo, account: otherOpenID, createdAt: daysAgo(1), metrics: ["views": 5]),
            .init(id: deletedVideo, account: openID, createdAt: daysAgo(12.7), deleted: true),
        ]
        for (index, id) in videos.enumerated() {
            posts.append(.init(
                id: id, account: openID, createdAt: daysAgo(Double(index) + 0.5),
                metrics: ["views": 1000 + Int64(index), "likes": 40, "comments": 2, "shares": 1]))
        }
        return SimulatorSeed(accounts: accounts, posts: posts)
    }
}
