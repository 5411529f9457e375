import MetricsStore

/// A member's part of the cluster's work, decided from one tick's view: how many accounts to claim, which to give
/// back, and what fraction of each platform's app budget is its own. A pure value.
///
/// - Accounts: each member aims at an even share, ⌈connected ÷ members⌉, so a refresh spreads over every daemon.
///   It claims up to its share; it gives accounts back only when it holds more than its share plus one (so two
///   members whose shares differ by one do not trade an account back and forth every tick), and never one a run
///   is working on now.
/// - App budget: a platform's app-wide rate (`--rate`) and hourly budget are the whole cluster's: each member takes
///   ÷ members of them. Per-account limits need no sharing: only the holder of an account calls it.
public struct ClusterShare: Sendable, Equatable {
    public var claim: Int
    public var release: [String]
    /// This member's fraction of each platform's app budget.
    public var appFraction: Double

    public init(view: ClusterView, busy: Set<String>) {
        let members = max(1, view.liveMembers)
        let target = (view.connectedAccounts + members - 1) / members
        claim = max(0, target - view.held.count)
        if view.held.count > target + 1 {
            release = Array(view.held.subtracting(busy).sorted().prefix(view.held.count - target))
        } else {
            release = []
        }
        appFraction = 1 / Double(members)
    }
}
