import MetricsCore
import PlatformSimulator
@testable import RefreshEngine
@testable import SQLiteStore
import StorageContract
import Synchronization
import Testing

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
private let minute: Int64 = 60_000

/// The planner on virtual time against the simulator: the simulator, the store and the engine share a manual clock
/// that moves only when the planner and every account with work left are asleep on it, so a simulated day or two
/// takes a second and every due time is exact.
@Suite(.timeLimit(.minutes(3))) struct PlannerTests {
    /// Runs the planner until the clock reaches `until`, then stops it.
    func plan(_ engine: RefreshEngine, clock: ManualClock, until: Timestamp) async throws {
        let planner = RefreshPlanner(engine: engine)
        let running = Task { try await planner.run() }
        defer { running.cancel() }
        // Virtual time is exact whatever the machine does; real time only bounds a planner that stops advancing. A
        // simulated day or two takes ~6 s alone and took over 60 s in full runs beside a release build (load 7 on two
        // cores), so the bound is 240 s: still a failure with this test's name long before the run's deadline.
        let deadline = ContinuousClock.now + .seconds(240)
        while clock.now < until {
            guard ContinuousClock.now < deadline else {
                Issue.record("the planner did not reach \(until) in time (at \(clock.now))")
                return
            }
            let sleepers = clock.sleeperCount
            if sleepers > 0, sleepers == engine.accountsInProgress + 1, let next = clock.earliestDeadline {
                clock.advance(to: min(next, until))
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        running.cancel()
        do {
            try await running.value
        } catch is CancellationError {
        } catch {
            Issue.record("the planner failed: \(error)")
        }
    }

    /// When each of a post's snapshots was captured.
    func captures(_ f: EngineFixture, _ postId: String) throws -> [Timestamp] {
        try f.store.history(postId: postId, since: nil, until: nil, limit: 10_000).points.map(\.capturedAt)
    }

    @Test func aYoungPostIsRefreshedHourlyAndATwentyDayOldOneDailyOverTwoDays() async throws {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock) { f in
            let account = try await f.account("ig", platform: .instagram)
            let young = try await f.post("17900000000000001", on: account, daysAgo: 0.5 / 24)  // 30 min old
            let old = try await f.post("17900000000000002", on: account, daysAgo: 20)
            // Velocity off (it may not shorten below the band): the bands' own intervals, less the planning lead.
            let engine = try await f.makeEngine { configuration in
                configuration.schedule = RefreshSchedule(cadence: .standard(windowDays: 30), velocity: VelocityRule(minimumFactor: 1))
            }
            let start = clock.now
            try await plan(engine, clock: clock, until: start.adding(milliseconds: 48 * hour))

            let youngTimes = try captures(f, young).map { $0.milliseconds(since: start) }
            // Every 54 min (an hour less its lead of 6) while younger than a day: the capture at 1,404 min, at
            // 1,434 min of age, is the last in the hourly band, so the next is 54 min later too; from that one, at
            // 1,488 min of age, every 5 h 50 min (6 h less the 10-minute cap of the lead).
            #expect(youngTimes == (0...27).map { Int64($0) * 54 * minute } + [1808, 2158, 2508, 2858].map { $0 * minute })
            // Daily less 10 minutes.
            #expect(try captures(f, old).map { $0.milliseconds(since: start) } == [0, 1430 * minute, 2860 * minute])
        }
    }

    @Test func theBudgetShareIsNeverExceededAndTheYoungGoFirst() async throws {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock) { f in
            let account = try await f.account("ig", platform: .instagram)
            // Four posts, due together: two young, two old.
            let old1 = try await f.post("17900000000000011", on: account, daysAgo: 20)
            let young1 = try await f.post("17900000000000012", on: account, daysAgo: 0.1)
            let old2 = try await f.post("17900000000000013", on: account, daysAgo: 15)
            let young2 = try await f.post("17900000000000014", on: account, daysAgo: 0.2)
            // 6 calls an hour at most, half of it for the planner: 3 calls an hour, above what the two young posts
            // ask (one each every 54 min, or sooner as they move) and below what all four would.
            let engine = try await f.makeEngine { configuration in
                configuration.accountRates[.instagram] = .init(perSecond: 6.0 / 3600, burst: 6)
                configuration.budget = CallBudget(share: 0.5)
            }
            let start = clock.now
            try await plan(engine, clock: clock, until: start.adding(milliseconds: 30 * minute))
            // The first hour's three calls: the young posts first, then one of the old.
            #expect(f.simulator.stats().endpoint(.instagramInsights).requests == 3)
            #expect(try f.latest(young1).capturedAt != nil)
            #expect(try f.latest(young2).capturedAt != nil)
            #expect(try [old1, old2].filter { try f.latest($0).capturedAt != nil }.count == 1)
            let standing = await engine.standing(accountId: "ig", platform: .instagram)
            #expect(standing == CallBudget.Standing(callsLastHour: 3, hourlyLimit: 6, budget: 3, remaining: 0))

            // Over six hours: never more than three calls in any hour, and the young posts keep their hourly band
            // (no gap between two captures over an hour) while the old ones get what is left: the youngest band
            // keeps its target first.
            try await plan(engine, clock: clock, until: start.adding(milliseconds: 6 * hour))
            let calls = f.simulator.stats().endpoint(.instagramInsights).requests
            #expect(calls <= 18)
            #expect(try f.latest(old1).capturedAt != nil)
            #expect(try f.latest(old2).capturedAt != nil)
            for young in [young1, young2] {
                let times = try f.captures(young)
                #expect(times.count >= 6)
                #expect(zip(times, times.dropFirst()).allSatisfy { $1.milliseconds(since: $0) <= hour })
            }
        }
    }

    @Test func aPostIsFlaggedFailingAfterFiveFailuresInARowAndASuccessClearsIt() async throws {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock) { f in
            let account = try await f.account("ig", platform: .instagram)
            let post = try await f.post("17900000000000021", on: account, daysAgo: 3)
            f.simulator.inject(ScriptedFault(.graphError(code: 10, message: "(#10) Not enough viewers"), pathContains: "/17900000000000021/", times: 5))
            let engine = try await f.makeEngine()
            let start = clock.now
            func summary() throws -> PostSummary { try f.store.listPosts(workspaceId: nil, accountId: "ig", limit: 10, cursor: nil).posts[0] }
            // 5 min, 15 min, 45 min, 2 h 15 min apart: the fifth failure lands at 3 h 20 min.
            try await plan(engine, clock: clock, until: start.adding(milliseconds: 200 * 60_000 + 1))
            var now = clock.now
            #expect(try summary().consecutiveFailures == 5)
            #expect(try summary().refreshState(now: now, failures: FailureBackoff()) == .failing)
            #expect(try summary().nextDueAt == start.adding(milliseconds: 200 * 60_000 + 6 * hour))  // its band's interval
            #expect(try f.store.healthFacts().failingPosts == 1)
            // Retried at the band's interval, and the platform answers now.
            try await plan(engine, clock: clock, until: start.adding(milliseconds: 200 * 60_000 + 6 * hour + 1))
            now = clock.now
            #expect(try summary().consecutiveFailures == 0)
            #expect(try summary().refreshState(now: now, failures: FailureBackoff()) == .ok)
            #expect(try f.latest(post).capturedAt != nil)
            #expect(try f.store.healthFacts().failingPosts == 0)
        }
    }

    @Test func postsOfAnExpiredAccountArePausedAndNotPlanned() async throws {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock) { f in
            let account = try await f.account("ig", platform: .instagram)
            let post = try await f.post("17900000000000031", on: account, daysAgo: 1)
            try await f.store.setAccountStatus(accountId: "ig", status: .expired, lastError: "token expired")
            let engine = try await f.makeEngine()
            try await plan(engine, clock: clock, until: clock.now.adding(milliseconds: 2 * hour))
            #expect(f.simulator.stats().endpoint(.instagramInsights).requests == 0)
            let summary = try f.store.listPosts(workspaceId: nil, accountId: "ig", limit: 10, cursor: nil).posts[0]
            #expect(summary.refreshState(now: clock.now, failures: FailureBackoff()) == .paused)
            #expect(try f.latest(post).capturedAt == nil)
        }
    }

    @Test func aPostOutsideTheWindowStopsBeingDueWithoutACall() async throws {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock) { f in
            let account = try await f.account("ig", platform: .instagram)
            let post = try await f.post("17900000000000041", on: account, daysAgo: 29.99)
            let engine = try await f.makeEngine()
            try await plan(engine, clock: clock, until: clock.now.adding(milliseconds: 2 * day))
            #expect(try f.captures(post).count == 1)  // once, at once; then it aged out
            let summary = try f.store.listPosts(workspaceId: nil, accountId: "ig", limit: 10, cursor: nil).posts[0]
            #expect(summary.nextDueAt == nil)
        }
    }
}

extension EngineFixture {
    func captures(_ postId: String) throws -> [Timestamp] {
        try store.history(postId: postId, since: nil, until: nil, limit: 10_000).points.map(\.capturedAt)
    }
}

@Suite struct AccountPlanTests {
    func posts(_ count: Int, prefix: String = "p") -> [DuePost] {
        (0..<count).map { index in
            DuePost(
                postId: "\(prefix)\(index)", accountId: "a", workspaceId: "w", platform: .tiktok, externalPostId: "x\(index)",
                mediaProductType: nil, postedAt: Timestamp(milliseconds: 0), nextDueAt: nil, consecutiveFailures: 0, lastReading: nil)
        }
    }

    @Test func oneCallAPostWithinTheBudget() {
        let due = posts(5)
        #expect(AccountPlan.choose(platform: .instagram, due: due, remainingCalls: 3, topUp: []).map(\.postId) == ["p0", "p1", "p2"])
        #expect(AccountPlan.choose(platform: .facebook, due: due, remainingCalls: 9, topUp: []).count == 5)
        #expect(AccountPlan.choose(platform: .instagram, due: due, remainingCalls: 0, topUp: []).isEmpty)
    }

    @Test func tiktokFillsItsQueriesWithTheSoonestDue() {
        let chosen = AccountPlan.choose(platform: .tiktok, due: posts(23), remainingCalls: 5, topUp: posts(30, prefix: "soon"))
        #expect(chosen.count == 40)  // two queries: 23 due and 17 of the soonest
        #expect(chosen.prefix(23).map(\.postId) == (0..<23).map { "p\($0)" })
        #expect(chosen.suffix(17).map(\.postId) == (0..<17).map { "soon\($0)" })
        // One call left: only the first 20 due, no room for more.
        #expect(AccountPlan.choose(platform: .tiktok, due: posts(23), remainingCalls: 1, topUp: posts(5, prefix: "soon")).count == 20)
        #expect(AccountPlan.calls(platform: .tiktok, posts: 41) == 3)
    }
}
