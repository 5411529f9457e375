/// Robust z-scores against a peer group: `0.6745 × (x − median) / MAD`, MAD the median absolute deviation from
/// the median, flagged at |z| ≥ 3.5 (Iglewicz and Hoaglin's modified z-score).
///
/// When more than half the group has the same value the MAD is 0; then the mean absolute deviation stands in:
/// `(x − median) / (1.253314 × meanAD)` (the same authors' rule). When every value is equal nothing is unusual
/// and every score is 0.
public struct RobustScore: Sendable, Hashable {
    public static let flagAt = 3.5
    public static let minimumGroup = 8

    public let median: Double
    private let scale: Double?

    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a peer group has at least one value")
        let median = Self.median(values)
        let mad = Self.median(values.map { abs($0 - median) })
        self.median = median
        if mad > 0 {
            scale = mad / 0.6745
        } else {
            let meanAD = values.reduce(0) { $0 + abs($1 - median) } / Double(values.count)
            scale = meanAD > 0 ? 1.253314 * meanAD : nil
        }
    }

    public func score(_ value: Double) -> Double {
        guard let scale else { return 0 }
        return (value - median) / scale
    }

    public func isUnusual(_ value: Double) -> Bool {
        abs(score(value)) >= Self.flagAt
    }

    /// The median (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
