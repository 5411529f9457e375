/// A metric a history read ranks or sums: one of the seven counters, or the engagement rate (top posts and best
/// times only: a ratio does not add up across posts).
public enum HistoryMetric: String, Sendable, Hashable, CaseIterable {
    case impressions, views, reach, likes, comments, shares, saves
    case engagementRate

    public static var counters: [HistoryMetric] { allCases.filter { $0 != .engagementRate } }

    /// The metric's value in a snapshot, as a number to rank by.
    public func value(of values: MetricValues) -> Double? {
        switch self {
        case .engagementRate: EngagementRate.of(values)
        default: values[rawValue].map(Double.init)
        }
    }
}
