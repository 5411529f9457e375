extension Int64 {
    /// `self + other`, held at `Int64.max` (or `.min`) instead of trapping: counters are accepted up to 2^63 − 1, so
    /// sums across posts can pass it, and a sum is not worth the daemon's life.
    public func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self − other`, held at `Int64.max` (or `.min`) instead of trapping.
    public func saturatingSubtracting(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other < 0 ? .max : .min
    }
}
