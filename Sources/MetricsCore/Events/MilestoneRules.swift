/// When a post's counter makes news: each workspace names thresholds per counter, and a post's counter announces
/// each threshold it reaches once ever (the store keeps which were announced, so two refreshes or two daemons racing
/// announce it once).
public enum MilestoneRules {
    /// What a workspace that set none of its own has: views at 1,000, 10,000, 100,000 and 1,000,000.
    public static let defaultRules: [String: [Int64]] = ["views": [1_000, 10_000, 100_000, 1_000_000]]

    /// At most this many thresholds per counter.
    public static let maximumThresholds = 32

    /// The thresholds `value` has reached (`value >= threshold`), ascending; `thresholds` ascending.
    public static func reached(by value: Int64, of thresholds: [Int64]) -> ArraySlice<Int64> {
        var end = 0
        while end < thresholds.count, thresholds[end] <= value { end += 1 }
        return thresholds[..<end]
    }

    /// A rule as given, as kept: ascending, each threshold once (the order a caller wrote them in means nothing).
    /// nil, with the position of the first bad one, when a threshold is not positive.
    public static func rule(from thresholds: [Int64]) -> Result<[Int64], NonPositiveThreshold> {
        if let index = thresholds.firstIndex(where: { $0 <= 0 }) { return .failure(NonPositiveThreshold(index: index)) }
        return .success(Array(Set(thresholds)).sorted())
    }

    public struct NonPositiveThreshold: Error, Equatable {
        public var index: Int
    }
}
