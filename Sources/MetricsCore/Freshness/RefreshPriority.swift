/// Which due post goes first when an account's budget cannot cover them all: the youngest band first (its
/// numbers move fastest and people watch them most), and within a band the most overdue first. What does not fit
/// stays due and shows as overdue in `freshness`.
public struct RefreshPriority: Sendable, Hashable, Comparable {
    public var bandIndex: Int
    public var dueAt: Timestamp

    public init(bandIndex: Int, dueAt: Timestamp) {
        self.bandIndex = bandIndex
        self.dueAt = dueAt
    }

    /// `a < b`: `a` goes first.
    public static func < (lhs: RefreshPriority, rhs: RefreshPriority) -> Bool {
        (lhs.bandIndex, lhs.dueAt) < (rhs.bandIndex, rhs.dueAt)
    }
}
