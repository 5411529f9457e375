/// Engagement rate: `(likes + comments + shares + saves) / reach`, with `views` as the denominator when reach is
/// null or 0. A null count counts as 0, but at least one of the four must be reported; no denominator (reach and
/// views both null or 0) gives null. A ratio, not a percentage: 0.042 is 4.2 %.
public enum EngagementRate {
    public static func of(_ values: MetricValues) -> Double? {
        let interactions = [values.likes, values.comments, values.shares, values.saves]
        guard interactions.contains(where: { $0 != nil }) else { return nil }
        let denominator: Int64
        if let reach = values.reach, reach > 0 {
            denominator = reach
        } else if let views = values.views, views > 0 {
            denominator = views
        } else {
            return nil
        }
        // In Double: four counters of up to 2^63 − 1 each would overflow an Int64.
        let total = interactions.reduce(0.0) { $0 + Double($1 ?? 0) }
        return total / Double(denominator)
    }
}
