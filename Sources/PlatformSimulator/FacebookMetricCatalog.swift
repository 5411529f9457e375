import MetricsCore

/// The Page post insights metrics the simulator serves, and the retired ones that now fail the whole request.
enum FacebookMetricCatalog {
    static let current: Set<String> = [
        "post_media_view", "post_total_media_view_unique", "post_reactions_by_type_total", "post_clicks",
        "post_clicks_by_type",
    ]

    /// Retired names and the day they stopped working; before it they answer with their successors' numbers.
    static let retired: [String: Timestamp] = [
        "post_impressions": day("2025-11-15"),
        "post_impressions_unique": day("2026-06-15"),
        "post_impressions_organic": day("2025-11-15"),
        "post_impressions_paid": day("2025-11-15"),
        "post_impressions_fan": day("2025-11-15"),
        "post_engaged_users": day("2024-03-14"),
    ]

    static func isValid(_ metric: String, now: Timestamp) -> Bool {
        if current.contains(metric) { return true }
        if let since = retired[metric] { return now < since }
        return false
    }

    static let reactionTypes = ["like", "love", "wow", "haha", "sorry", "anger"]

    static func title(_ metric: String) -> String {
        switch metric {
        case "post_media_view": "Lifetime Post Media Views"
        case "post_total_media_view_unique": "Lifetime Post Total Media Viewers"
        case "post_reactions_by_type_total": "Lifetime Total post Reactions by Type."
        case "post_clicks": "Lifetime Post Clicks"
        case "post_clicks_by_type": "Lifetime Post Clicks by Type"
        case "post_impressions": "Lifetime Post Total Impressions"
        case "post_impressions_unique": "Lifetime Post Total Reach"
        default: metric
        }
    }

    static func description(_ metric: String) -> String {
        switch metric {
        case "post_media_view": "Lifetime: The number of times your post was on screen."
        case "post_total_media_view_unique": "Lifetime: The number of people who saw your post at least once."
        case "post_reactions_by_type_total": "Lifetime: Total post reactions by type."
        case "post_clicks": "Lifetime: The number of clicks anywhere in your post."
        default: "Lifetime: \(title(metric))."
        }
    }

    private static func day(_ text: String) -> Timestamp {
        Timestamp(iso8601: text + "T00:00:00Z") ?? Timestamp(milliseconds: 0)
    }
}
