import MetricsCore
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
/// - App budget: a platform's app-wide rate (`--rate`) and hourly budget are the whole cluster's, and every call of a
///   platform is made for one of its accounts by the member that holds it. So each member takes the fraction of a
///   platform's budget that it holds of that platform's connected accounts (`appFractions`): the fractions of the
///   members add up to the whole budget, used whole (a member holding a platform's busiest accounts is not held to
///   1/N of its rate while another holds none) and never more. Per-account limits need no sharing: only the holder
///   of an account calls it.
public struct ClusterShare: Sendable, Equatable {
    public var claim: Int
    public var release: [String]

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
    }

    /// Per platform, the fraction of its connected accounts held here (the member computes it after its claims and
    /// releases, from what it then holds). A platform with no connected account, or of
    /// which this member holds none (it makes no call of it), gets a nominal share that is never spent: ÷ members,
    /// or one account's worth; a bucket never gets a rate of 0. A store that cannot say by platform: ÷ members.
    public static func appFractions(held: [String: Platform], connected: [Platform: Int], members: Int) -> [Platform: Double] {
        var fractions: [Platform: Double] = [:]
        for platform in Platform.allCases {
            let total = connected[platform] ?? 0
            let mine = held.values.lazy.filter { $0 == platform }.count
            if total == 0 {
                fractions[platform] = 1 / Double(max(1, members))
            } else {
                fractions[platform] = Double(min(max(mine, 1), total)) / Double(total)
            }
        }
        return fractions
    }
}
