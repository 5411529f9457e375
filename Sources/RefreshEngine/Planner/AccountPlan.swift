import MetricsCore
import PlatformClients
import StorageContract

/// Which of an account's due posts one pass of the planner fetches: a pure decision, tested with exact values.
///
/// - Never more calls than the account's remaining budget (`CallBudget`); what does not fit stays due, and shows
///   as overdue in `freshness`.
/// - The due posts come in `RefreshPriority` order (youngest band first, the stalest first), so a short budget
///   goes to the most valuable.
/// - TikTok answers up to 20 video ids per query for the price of one call: a query's empty places are filled with
///   the account's posts due soonest (`topUp`), whose freshness then costs nothing extra.
enum AccountPlan {
    static func choose(
        platform: Platform, due: [DuePost], remainingCalls: Int, topUp: [DuePost]
    ) -> [DuePost] {
        guard remainingCalls > 0, !due.isEmpty else { return [] }
        guard platform == .tiktok else { return Array(due.prefix(remainingCalls)) }
        let perCall = TikTokClient.maxVideoIDsPerQuery
        let calls = min(remainingCalls, (due.count + perCall - 1) / perCall)
        let chosen = Array(due.prefix(calls * perCall))
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
