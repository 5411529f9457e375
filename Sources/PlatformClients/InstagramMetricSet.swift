import MetricsCore

/// Which insights metrics to ask Instagram for, per media product type.
///
/// Instagram fails the whole insights call on one metric the type does not support, so the request must be
/// built from the type: the sets below are platform-apis.md §2's table minus retired names. `excluded` lets the
/// engine drop names it has learned are retired; `extra` lets a test ask for one on purpose.
public struct InstagramMetricOptions: Sendable, Hashable {
    public var excluded: Set<String>
    public var extra: [String]
    /// follows/profile_visits (FEED), watch times (REELS), replies/navigation (STORY).
    public var includeOptional: Bool

    public init(excluded: Set<String> = [], extra: [String] = [], includeOptional: Bool = true) {
        self.excluded = excluded
        self.extra = extra
        self.includeOptional = includeOptional
    }
}

public enum InstagramMetricSet {
    static let feedCore = ["views", "reach", "likes", "comments", "shares", "saved", "total_interactions"]
    static let feedOptional = ["follows", "profile_visits"]
    static let reelsCore = feedCore
    static let reelsOptional = ["ig_reels_avg_watch_time", "ig_reels_video_view_total_time"]
    static let storyCore = ["views", "reach", "shares", "total_interactions"]
    static let storyOptional = ["replies", "navigation"]

    public static func metrics(for type: MediaProductType, options: InstagramMetricOptions = .init()) -> [String] {
        let (core, optional) = switch type.insightsFamily {
        case .reels: (reelsCore, reelsOptional)
        case .story: (storyCore, storyOptional)
        default: (feedCore, feedOptional)
        }
        var names = (options.includeOptional ? core + optional : core).filter { !options.excluded.contains($0) }
        for name in options.extra where !names.contains(name) {
            names.append(name)
        }
        return names
    }
}
