/// Which due post goes first when an account's budget cannot cover them all: the youngest band first (its
/// numbers move fastest and people watch them most), and within a band the stalest first (never refreshed before
/// any; then the longest since its last refresh). What does not fit stays due and shows as overdue in `freshness`.
///
/// Why the stalest and not the most overdue: velocity makes a moving post due early, a quarter of its band after
/// its last refresh; ordered by due time it would take a scarce budget from a quiet post about to pass its band.
/// By staleness, every post of the band is kept within its target before any is refreshed sooner (the bench's
/// youngest band at a scarce budget: p99 2.0 h by due time).
public struct RefreshPriority: Sendable, Hashable, Comparable {
    public var bandIndex: Int
    public var lastRefreshedAt: Timestamp?

    public init(bandIndex: Int, lastRefreshedAt: Timestamp?) {
        self.bandIndex = bandIndex
        self.lastRefreshedAt = lastRefreshedAt
    }

    /// `a < b`: `a` goes first.
    public static func < (lhs: RefreshPriority, rhs: RefreshPriority) -> Bool {
        guard lhs.bandIndex == rhs.bandIndex else { return lhs.bandIndex < rhs.bandIndex }
        switch (lhs.lastRefreshedAt, rhs.lastRefreshedAt) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (let a?, let b?): return a < b
        }
    }
}
