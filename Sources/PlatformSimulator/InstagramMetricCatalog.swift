import MetricsCore

/// Which insights metrics Instagram accepts for which media product type, and which it has retired.
///
/// The point of the simulator is that asking for a metric outside this table fails the WHOLE request with #100,
/// exactly as Instagram does, so a client that sends one bad name learns about it in tests.
enum InstagramMetricCatalog {
    static let feed: Set<String> = [
        "views", "reach", "shares", "total_interactions", "reposts", "likes", "comments", "saved",
        "follows", "profile_visits", "profile_activity",
    ]
    static let reels: Set<String> = [
        "views", "reach", "shares", "total_interactions", "reposts", "likes", "comments", "saved",
        "ig_reels_avg_watch_time", "ig_reels_video_view_total_time",
    ]
    static let story: Set<String> = [
        "views", "reach", "shares", "total_interactions", "reposts", "follows", "profile_visits",
        "profile_activity", "replies", "navigation",
    ]

    /// Retired metrics: the day they stopped working in every version, and the families that had them before.
    static let retired: [String: (since: Timestamp, families: Set<MediaProductType>)] = [
        "impressions": (day("2025-04-21"), [.feed, .story]),
        "plays": (day("2025-04-21"), [.reels]),
        "video_views": (day("2025-01-08"), [.feed, .reels]),
        "engagement": (day("2023-12-11"), [.feed]),
        "carousel_album_impressions": (day("2023-12-11"), [.feed]),
        "carousel_album_reach": (day("2023-12-11"), [.feed]),
        "carousel_album_engagement": (day("2023-12-11"), [.feed]),
        "carousel_album_saved": (day("2023-12-11"), [.feed]),
        "carousel_album_video_views": (day("2023-12-11"), [.feed]),
        "exits": (day("2023-12-11"), [.story]),
        "taps_forward": (day("2023-12-11"), [.story]),
        "taps_back": (day("2023-12-11"), [.story]),
    ]

    enum Verdict: Equatable {
        case valid
        /// A known metric this media cannot have (wrong type, retired, or `impressions` on new media).
        case unsupported
        /// A name Instagram has never had.
        case unknown
    }

    /// - Parameters:
    ///   - version: the Graph API major version of the request (`v21.0` → 21).
    static func verdict(
        _ metric: String, family: MediaProductType, createdAt: Timestamp, version: Int, now: Timestamp,
        configuration: SimulatorConfiguration.Insights
    ) -> Verdict {
        if metric == "impressions" {
            // Only old media, only on old versions, and only until the metric was retired everywhere.
            let cutoff = Timestamp(iso8601: configuration.impressionsCutoff) ?? day("2024-07-02")
            let allowed = family != .reels && createdAt < cutoff && version <= configuration.impressionsMaxVersion
                && now < (retired["impressions"]?.since ?? now)
            return allowed ? .valid : .unsupported
        }
        if let retirement = retired[metric] {
            return now < retirement.since && retirement.families.contains(family) ? .valid : .unsupported
        }
        let supported: Set<String> = switch family {
        case .reels: reels
        case .story: story
        default: feed
        }
        if supported.contains(metric) { return .valid }
        return feed.contains(metric) || reels.contains(metric) || story.contains(metric) ? .unsupported : .unknown
    }

    static func title(_ metric: String) -> String {
        switch metric {
        case "views": "Views"
        case "reach": "Accounts reached"
        case "likes": "Likes"
        case "comments": "Comments"
        case "shares": "Shares"
        case "saved": "Saved"
        case "total_interactions": "Interactions"
        case "follows": "Follows"
        case "profile_visits": "Profile visits"
        case "profile_activity": "Profile activity"
        case "reposts": "Reposts"
        case "replies": "Replies"
        case "navigation": "Navigation"
        case "ig_reels_avg_watch_time": "Average watch time"
        case "ig_reels_video_view_total_time": "Watch time"
        case "impressions": "Impressions"
        default: metric
        }
    }

    static func description(_ metric: String) -> String {
        switch metric {
        case "views": "The number of times your content was played or displayed."
        case "reach": "The number of unique accounts that have seen this content, at least once."
        case "total_interactions": "The number of likes, saves, comments and shares on your post, minus the number of unlikes, unsaves and deleted comments."
        case "ig_reels_avg_watch_time": "The average amount of time spent playing your reel."
        case "saved": "The number of saves of your post."
        case "ig_reels_video_view_total_time": "The total amount of time your reel was played, including any time spent replaying it."
        default: "The number of \(title(metric).lowercased()) on your post."
        }
    }

    private static func day(_ text: String) -> Timestamp {
        Timestamp(iso8601: text + "T00:00:00Z") ?? Timestamp(milliseconds: 0)
    }
}
