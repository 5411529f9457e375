import Logging
import MetricsCore
import StorageContract

/// Refreshes each post when it is due: wakes at the next due time (and at least every minute), takes the due posts
/// of each account in priority order within its budget, and hands them to the engine as a `schedule` run.
///
/// A pass skips accounts a run is already working on (so no post is fetched twice at once), and in a cluster the
/// accounts other daemons hold, and plans at most as
/// many accounts as the engine's window holds beyond those in progress, so what a pass reads stays bounded however
/// much is due (a fresh database with a million posts is worked through a window at a time). Posts found outside
/// the window stop being due, with no call.
public final class RefreshPlanner: Sendable {
    private let engine: RefreshEngine
    /// The longest a pass waits for the next: due times move with every refresh, budgets free up with time.
    public static let maximumSleepMilliseconds: Int64 = 60_000

    public init(engine: RefreshEngine) {
        self.engine = engine
    }

    /// Plans until the task is cancelled.
    public func run() async throws {
        var pass = 0
        while !Task.isCancelled {
            pass += 1
            let planned = try await self.pass(number: pass)
            let context = engine.context
            let now = context.clock.now
            var wake = now.adding(milliseconds: Self.maximumSleepMilliseconds)
            if let next = try await context.store.nextDueTime(after: now), next < wake { wake = next }
            // A pass cut short by the window: the next one starts as soon as accounts finish, checked each second.
            if planned == .windowFull { wake = min(wake, now.adding(milliseconds: 1000)) }
            try await context.clock.sleep(until: wake)
        }
    }

    enum PassResult: Equatable {
        case nothingDue
        case planned(accounts: Int, posts: Int)
        case windowFull
    }

    /// One pass: what is due now, within budgets, handed to the engine.
    @discardableResult
    func pass(number: Int) async throws -> PassResult {
        let context = engine.context
        let now = context.clock.now
        let dueAccounts = try await context.store.accountsWithDuePosts(at: now)
        guard !dueAccounts.isEmpty else { return .nothingDue }
        let schedule = context.configuration.schedule
        let bandBounds = schedule.cadence.bands.map(\.maximumAge)
        var platformRemaining: [Platform: Int] = [:]
        var room = max(0, context.configuration.maximumAccountsInFlight - context.accountsInProgress.count)
        var work: [PlannedWork.Account] = []
        var outOfWindow: [String] = []
        var windowFull = false
        // In a cluster, only the accounts this daemon holds: the others' holders plan theirs.
        for due in dueAccounts where !context.accountsInProgress.contains(due.accountId) && engine.mayPlan(accountId: due.accountId) {
            guard room > 0 else {
                windowFull = true
                break
            }
            if platformRemaining[due.platform] == nil {
                platformRemaining[due.platform] = await engine.standing(platform: due.platform).remaining
            }
            let standing = await engine.standing(accountId: due.accountId, platform: due.platform)
            let calls = min(standing.remaining, platformRemaining[due.platform] ?? 0)
            guard calls > 0 else { continue }  // over budget: stays due, shows as overdue
            let candidates = try await context.store.duePosts(
                accountId: due.accountId, at: now, bandBounds: bandBounds,
                limit: AccountPlan.postsWorthReading(platform: due.platform, remainingCalls: calls))
            let (inWindow, outside) = candidates.partitioned { schedule.band(postedAt: $0.postedAt, now: now) != nil }
            outOfWindow += outside.map(\.postId)
            let topUp = due.platform == .tiktok
                ? try await context.store.soonestDuePosts(accountId: due.accountId, after: now, limit: AccountPlan.postsWorthReading(platform: .tiktok, remainingCalls: 1))
                    .filter { schedule.band(postedAt: $0.postedAt, now: now) != nil }
                : []
            let chosen = AccountPlan.choose(platform: due.platform, due: inWindow, remainingCalls: calls, topUp: topUp)
            guard let first = chosen.first else { continue }
            platformRemaining[due.platform, default: 0] -= AccountPlan.calls(platform: due.platform, posts: chosen.count)
            work.append(PlannedWork.Account(
                account: ScopedAccount(accountId: due.accountId, workspaceId: first.workspaceId, platform: due.platform),
                posts: chosen))
            room -= 1
        }
        try await context.store.clearDueTimes(postIds: outOfWindow)
        guard !work.isEmpty else { return windowFull ? .windowFull : .nothingDue }
        let planned = PlannedWork(pass: number, accounts: work)
        _ = try await engine.start(.planned(planned), trigger: .schedule)
        context.logger.debug("planner pass", metadata: [
            "pass": "\(number)", "accounts": "\(work.count)", "posts": "\(planned.postCount)",
        ])
        return windowFull ? .windowFull : .planned(accounts: work.count, posts: planned.postCount)
    }
}

extension Array {
    /// The elements that satisfy `belongs`, and the others, each in order.
    func partitioned(by belongs: (Element) -> Bool) -> (matching: [Element], rest: [Element]) {
        var matching: [Element] = []
        var rest: [Element] = []
        for element in self {
            if belongs(element) { matching.append(element) } else { rest.append(element) }
        }
        return (matching, rest)
    }
}
