import MetricsCore
import PlatformClients
import StorageContract

/// Which of an account's due posts one pass of the planner fetches: a pure decision, tested with exact values.
///
/// - Never more calls than the account's remaining budget (`CallBudget`); what does not fit stays due, and shows
///   as overdue in `freshness`.
/// - The due posts come in `RefreshPriority` order (youngest band first, the stalest first), so a short budget
///   goes to the most valuable.
/// - Posts of older bands leave `youngestBandReserve` calls of the remaining budget unspent: a budget counts the
///   last hour's calls, so calls an older post takes now are calls a young post falling due (or found by discovery)
///   in the next minutes cannot have. Without the reserve, at a scarce budget (6 calls an account an hour) the
///   youngest band's p99 was 2.0 h: the older bands had spent the hour by the time its posts came due.
/// - TikTok answers up to 20 video ids per query for the price of one call: a query's empty places are filled with
///   the account's posts due soonest (`topUp`), whose freshness then costs nothing extra.
enum AccountPlan {
    /// Calls older bands leave for the youngest: one young post falling due and the account's next discovery
    /// listing. Nothing at a budget of dozens of calls an hour; the older bands' share of a scarce one.
    static let youngestBandReserve = 2

    /// `isYoungest`: whether a post is in the youngest band (a one-band cadence has none to reserve for: pass
    /// `{ _ in true }`).
    static func choose(
        platform: Platform, due: [DuePost], remainingCalls: Int, topUp: [DuePost], isYoungest: (DuePost) -> Bool = { _ in true }
    ) -> [DuePost] {
        guard remainingCalls > 0, !due.isEmpty else { return [] }
        let young = due.count { isYoungest($0) }
        let perCall = platform == .tiktok ? TikTokClient.maxVideoIDsPerQuery : 1
        let youngCalls = min(remainingCalls, (young + perCall - 1) / perCall)
        let olderCalls = max(0, remainingCalls - youngCalls - youngestBandReserve)
        let calls = min(youngCalls + olderCalls, (due.count + perCall - 1) / perCall)
        guard calls > 0 else { return [] }
        let chosen = Array(due.prefix(calls * perCall))
        guard platform == .tiktok else { return chosen }
        let chosenIds = Set(chosen.map(\.postId))
        let free = calls * perCall - chosen.count
        return chosen + topUp.lazy.filter { !chosenIds.contains($0.postId) }.prefix(free)
    }

    /// How many of an account's due posts are worth reading for a pass with `remainingCalls` calls to spend.
    static func postsWorthReading(platform: Platform, remainingCalls: Int) -> Int {
        platform == .tiktok ? remainingCalls * TikTokClient.maxVideoIDsPerQuery : remainingCalls
    }

    /// Calls `posts` cost on `platform`.
    static func calls(platform: Platform, posts: Int) -> Int {
        platform == .tiktok ? (posts + TikTokClient.maxVideoIDsPerQuery - 1) / TikTokClient.maxVideoIDsPerQuery : posts
    }
}
