import StorageContract

/// A member's part of the cluster's work, decided from one tick's view: how many accounts to claim, which to give
/// back, and what fraction of each platform's app budget is its own. A pure value.
///
/// - Accounts: with `c` connected accounts and `m` members, each member aims at an even share, between
///   ⌊c ÷ m⌋ and ⌈c ÷ m⌉, so a refresh spreads over every daemon. It claims up to ⌈c ÷ m⌉ and gives back what it
///   holds over that. While some member holds fewer than ⌊c ÷ m⌋ (it joined late, or others claimed first), the
///   others claim no more than ⌊c ÷ m⌋ and give back down to it, so the starved member gets its share within a tick
///   or two: 3 accounts on 3 daemons end 1/1/1, never 2/1/0; 4 end 2/1/1. Nothing is given back while no member
///   is short, so members whose shares differ by one do not trade accounts. A store that cannot say how few a
///   member holds (`fewestHeld` nil) gets the tolerant rule: give back only over ⌈c ÷ m⌉ + 1. Never an account
///   a run is working on now.
/// - App budget: a platform's app-wide rate (`--rate`) and hourly budget are the whole cluster's: each member takes
///   ÷ members of them. Per-account limits need no sharing: only the holder of an account calls it.
public struct ClusterShare: Sendable, Equatable {
    public var claim: Int
    public var release: [String]
    /// This member's fraction of each platform's app budget.
    public var appFraction: Double

    public init(view: ClusterView, busy: Set<String>) {
        let members = max(1, view.liveMembers)
        let floor = view.connectedAccounts / members
        let ceiling = (view.connectedAccounts + members - 1) / members
        let held = view.held.count
        let keep: Int
        if let fewest = view.fewestHeld {
            let someoneShort = fewest < floor
            let limit = someoneShort ? floor : ceiling
            claim = max(0, limit - held)
            keep = limit
        } else {
            claim = max(0, ceiling - held)
            keep = held > ceiling + 1 ? ceiling : held
        }
        release = held > keep ? Array(view.held.subtracting(busy).sorted().prefix(held - keep)) : []
        appFraction = 1 / Double(members)
    }
}
