import MetricsCore
import PlatformSimulator
import RefreshEngine
import StorageContract
import Testing
import TestSupport

/// Pacing against the simulator's real budgets: the limiter's buckets keep the engine under them, usage headers
/// and rate-limit errors pause exactly what they name, for exactly as long as they say.
///
/// A time limit, as every engine suite on a manual clock has: on a loaded machine an in-process platform call that
/// timed out sent a test's engine into a pause on a clock nobody advances, and the whole run hung in `report()`
/// (issue 16). `report()` now gives up when its caller is cancelled, so past the limit the test fails by name.
@Suite(.timeLimit(.minutes(3))) struct PacingTests {
    // MARK: Buckets under the platforms' limits (virtual time: the simulator's windows and the engine share the clock)

    /// TikTok: 4 video queries per 1 s sliding window (app-wide). Six accounts' worth of queries at once.
    func tiktokUnderLimit(engineRate: RefreshConfiguration.Rate) async throws -> (SimulatorStats, RefreshReport) {
        let clock = ManualClock()
        var result: (SimulatorStats, RefreshReport)?
        try await withEngineFixture(clock: clock, simulator: { sim in
            sim.tiktokLimits.enabled = true
            sim.tiktokLimits.requestsPerWindow = 4
            sim.tiktokLimits.windowSeconds = 1
            sim.tiktokLimits.windowBuckets = 10
        }) { f in
            for index in 0..<6 {
                let account = try await f.account("tt-\(index)", platform: .tiktok, external: "open-\(index)")
                try await f.post("710000000000000\(index)1", on: account)
                try await f.post("710000000000000\(index)2", on: account)
            }
            let engine = try await f.makeEngine { configuration in
                configuration.platformRates[.tiktok] = engineRate
                configuration.accountRates[.tiktok] = engineRate
            }
            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            let report = try await reportOnVirtualTime(handle, engine: engine, clock: clock)
            result = (f.simulator.stats(), report)
        }
        return try #require(result)
    }

    @Test func theTikTokBucketKeepsTheEngineUnderTikToksSlidingWindow() async throws {
        // 2.5/s with no burst: calls 400 ms apart, at most 3 in any second, under the simulator's 4.
        let (paced, pacedReport) = try await tiktokUnderLimit(engineRate: .init(perSecond: 2.5, burst: 1))
        #expect(paced.endpoint(.tiktokVideoQuery).requests == 6)
        #expect(paced.total.rateLimited == 0)
        #expect(pacedReport.summary.totalMetricsUpdated == 12)

        // The same load unpaced: all six at the same instant, so exactly two are refused (the assertion above can
        // fail), and the run still completes once the app-wide pause passes.
        let (unpaced, unpacedReport) = try await tiktokUnderLimit(engineRate: .init(perSecond: 1000, burst: 1000))
        #expect(unpaced.total.rateLimited >= 2)
        #expect(unpacedReport.summary.totalMetricsUpdated == 12)
    }

    /// Meta: 4 calls per account and 8 per app in any 1 s; `postsPerAccount` Instagram calls on each of three accounts.
    func instagramUnderLimit(
        postsPerAccount: Int = 3, _ configure: @escaping (inout RefreshConfiguration) -> Void
    ) async throws -> (SimulatorStats, RefreshReport) {
        let clock = ManualClock()
        var result: (SimulatorStats, RefreshReport)?
        try await withEngineFixture(clock: clock, simulator: { sim in
            sim.metaLimits.enabled = true
            sim.metaLimits.windowSeconds = 1
            sim.metaLimits.windowBuckets = 10
            sim.metaLimits.accountCallBudget = 4
            sim.metaLimits.appCallBudget = 8
        }) { f in
            for index in 0..<3 {
                let account = try await f.account("ig-\(index)", platform: .instagram, external: "1784140000000000\(index)")
                for post in 0..<postsPerAccount {
                    try await f.post("17900000000000\(index)\(100 + post)", on: account, daysAgo: Double(post) + 1)
                }
            }
            let engine = try await f.makeEngine(configure)
            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            let report = try await reportOnVirtualTime(handle, engine: engine, clock: clock)
            result = (f.simulator.stats(), report)
        }
        return try #require(result)
    }

    @Test func theMetaBucketsKeepTheEngineUnderTheAppAndAccountBudgets() async throws {
        let (paced, pacedReport) = try await instagramUnderLimit { configuration in
            // ≤ 1 + 4 a second for the app (budget 8), ≤ 1 + 1.5 per account (budget 4): usage stays under 90 %.
            configuration.platformRates[.instagram] = .init(perSecond: 4, burst: 1)
            configuration.accountRates[.instagram] = .init(perSecond: 1.5, burst: 1)
        }
        #expect(paced.endpoint(.instagramInsights).requests == 9)
        #expect(paced.total.rateLimited == 0)
        #expect(pacedReport.summary.totalMetricsUpdated == 9)
        #expect(pacedReport.summary.totalSkipped == 0)

        // Unpaced and deaf to the usage headers, ten calls per account at one instant break the budget of four.
        let (unpaced, unpacedReport) = try await instagramUnderLimit(postsPerAccount: 10) { configuration in
            configuration.usageThresholdPercent = 10_000
        }
        #expect(unpaced.total.rateLimited > 0)
        #expect(unpacedReport.summary.totalMetricsUpdated + unpacedReport.summary.totalSkipped == 30)
    }

    // MARK: Usage headers (manual clock: the pause is exact)

    static func usage(bucPercent: Int, regainMinutes: Int, account: String) -> [String: String] {
        [
            "X-Business-Use-Case-Usage":
                #"{"\#(account)":[{"type":"instagram","call_count":\#(bucPercent),"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":\#(regainMinutes)}]}"#,
        ]
    }

    @Test func businessUseCaseUsageOverTheThresholdPausesThatAccountForItsRegainTimeWhileAnotherKeepsGoing() async throws {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock) { f in
            let busy = try await f.account("a-busy", platform: .instagram, external: "17841400000000001")
            let calm = try await f.account("b-calm", platform: .instagram, external: "17841400000000002")
            var busyPosts: [String] = []
            var calmPosts: [String] = []
            for index in 0..<3 {
                busyPosts.append(try await f.post("1790000000000001\(index)", on: busy, daysAgo: Double(index) + 1))
                calmPosts.append(try await f.post("1790000000000002\(index)", on: calm, daysAgo: Double(index) + 1))
            }
            // The busy account's first answer says it is at 95 % and regains access in 19 minutes.
            f.simulator.inject(ScriptedFault(
                .headers(Self.usage(bucPercent: 95, regainMinutes: 19, account: busy.external)),
                pathContains: "/17900000000000010/"))
            let engine = try await f.makeEngine { $0.runDeadlineMilliseconds = 3_600_000 }
            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)

            // The calm account finishes all three posts while the busy one waits on the clock.
            try await waitUntil("the calm account is refreshed and the busy one waits") {
                try calmPosts.allSatisfy { try f.latest($0).capturedAt != nil } && clock.sleeperCount == 1
            }
            #expect(f.simulator.stats().account(busy.external).requests == 1)

            clock.advance(milliseconds: 19 * 60_000 - 1)
            #expect(clock.sleeperCount == 1)
            #expect(f.simulator.stats().account(busy.external).requests == 1)
            clock.advance(milliseconds: 1)

            let report = try await handle.report()
            #expect(f.simulator.stats().account(busy.external).requests == 3)
            #expect(report.detail(busy.id)?.metricsUpdated == 3)
            #expect(report.detail(calm.id)?.metricsUpdated == 3)
            #expect(report.summary.totalSkipped == 0)
            // The busy account's later posts were fetched at the regain time, not before.
            let resumedAt = try #require(try f.latest(busyPosts[1]).capturedAt)
            #expect(resumedAt.milliseconds(since: try #require(try f.latest(busyPosts[0]).capturedAt)) == 19 * 60_000)
        }
    }

    @Test func appUsageOverTheThresholdHoldsBackTheOtherAccountsToo() async throws {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock) { f in
            let first = try await f.account("a", platform: .instagram, external: "17841400000000001")
            try await f.post("17900000000000010", on: first, daysAgo: 1)
            f.simulator.inject(ScriptedFault(
                .headers(["X-App-Usage": #"{"call_count":96,"total_time":20,"total_cputime":20}"#]),
                pathContains: "/17900000000000010/"))
            let engine = try await f.makeEngine {
                $0.defaultPauseMilliseconds = 600_000
                $0.runDeadlineMilliseconds = 3_600_000
            }
            // The first run's only call answers with the app at 96 %: the whole Instagram app pauses.
            let firstReport = try await engine.start(.all(platforms: nil), trigger: .rpc).report()
            #expect(firstReport.summary.totalMetricsUpdated == 1)

            // The next run: another Instagram account waits for the app gate; a Facebook Page does not.
            let second = try await f.account("b", platform: .instagram, external: "17841400000000002")
            let page = try await f.account("c-page", platform: .facebook, external: "100000000000001")
            let secondPost = try await f.post("17900000000000020", on: second, daysAgo: 1)
            let pagePost = try await f.post("100000000000001_1", on: page)
            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            try await waitUntil("the Page is refreshed while Instagram waits") {
                (try f.latest(pagePost).capturedAt) != nil && clock.sleeperCount >= 1
            }
            #expect(f.simulator.stats().endpoint(.instagramInsights).requests == 1)
            #expect(try f.latest(secondPost).capturedAt == nil)
            clock.advance(milliseconds: 600_000)
            let report = try await handle.report()
            #expect(report.summary.totalMetricsUpdated == 3)
            #expect(try f.latest(secondPost).capturedAt == clock.now)
        }
    }

    // MARK: Rate-limit errors

    @Test func aRateLimitErrorPausesTheAccountForTheDefaultAndThenTheSamePostSucceeds() async throws {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock) { f in
            let account = try await f.account("ig", platform: .instagram, external: "17841400000000001")
            let post = try await f.post("17900000000000010", on: account)
            let other = try await f.account("ig-other", platform: .instagram, external: "17841400000000002")
            let otherPost = try await f.post("17900000000000020", on: other)
            f.simulator.inject(ScriptedFault(.graphError(code: 613), pathContains: "/17900000000000010/"))
            let engine = try await f.makeEngine {
                $0.defaultPauseMilliseconds = 300_000
                $0.runDeadlineMilliseconds = 3_600_000
            }
            let startedAt = clock.now
            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            try await waitUntil("the throttled account waits and the other one is done") {
                let otherDone = try f.latest(otherPost).capturedAt != nil
                return otherDone && clock.sleeperCount == 1
            }
            #expect(f.simulator.stats().total.rateLimited == 1)
            clock.advance(milliseconds: 299_999)
            #expect(clock.sleeperCount == 1)
            #expect(try f.latest(post).capturedAt == nil)
            clock.advance(milliseconds: 1)
            let report = try await handle.report()
            #expect(try f.latest(post).capturedAt == startedAt.adding(milliseconds: 300_000))
            #expect(try f.latest(post).values.views == 1000)
            #expect(report.summary.totalMetricsUpdated == 2)
            #expect(report.summary.totalErrors == 0)
            #expect(try f.store.run(id: try await handle.runId)?.status == .completed)
        }
    }

    /// The simulator's real Instagram account budget (2 calls an hour) answers #80002 with the regain time in
    /// `X-Business-Use-Case-Usage`; simulator and engine share the manual clock, so the budget refills exactly
    /// when the engine's gate opens.
    func budgetExhausted(posts count: Int, deadlineMilliseconds: Int64, _ body: (EngineFixture, ManualClock, RefreshEngine, [String]) async throws -> Void)
        async throws
    {
        let clock = ManualClock()
        try await withEngineFixture(clock: clock, simulator: { sim in
            sim.metaLimits.enabled = true
            sim.metaLimits.windowSeconds = 3600
            sim.metaLimits.windowBuckets = 60
            sim.metaLimits.accountCallBudget = 2
            sim.metaLimits.instagramAccountLimitCode = 80002
        }) { f in
            let account = try await f.account("ig", platform: .instagram, external: "17841400000000001")
            var posts: [String] = []
            for index in 0..<count {
                posts.append(try await f.post("1790000000000001\(index)", on: account, daysAgo: Double(index) + 1))
            }
            let engine = try await f.makeEngine {
                $0.usageThresholdPercent = 10_000  // only the error pauses
                $0.runDeadlineMilliseconds = deadlineMilliseconds
            }
            try await body(f, clock, engine, posts)
        }
    }

    @Test func anExhaustedBudgetIsWaitedOutForTheRegainTimeTheHeaderGives() async throws {
        try await budgetExhausted(posts: 5, deadlineMilliseconds: 3 * 3_600_000) { f, clock, engine, posts in
            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            try await waitUntil("the account waits for its regain time") {
                clock.sleeperCount == 1 && f.simulator.stats().total.requests == 3
            }
            #expect(f.simulator.stats().total.rateLimited == 1)
            // The window started on a minute boundary: regain in 60 minutes.
            clock.advance(milliseconds: 3_600_000 - 1)
            #expect(clock.sleeperCount == 1)
            #expect(f.simulator.stats().total.requests == 3)
            clock.advance(milliseconds: 1)
            // The throttled post and the next one use the refilled budget; the fifth is throttled again.
            try await waitUntil("the account waits again after two more calls") {
                clock.sleeperCount == 1 && f.simulator.stats().total.requests == 6
            }
            #expect(f.simulator.stats().total.rateLimited == 2)
            clock.advance(milliseconds: 3_600_000)
            let report = try await handle.report()
            #expect(report.summary.totalMetricsUpdated == 5)
            #expect(report.summary.totalSkipped == 0)
            #expect(report.summary.totalErrors == 0)
            #expect(f.simulator.stats().total.requests == 7)
            #expect(try posts.allSatisfy { try f.latest($0).capturedAt != nil })
        }
    }

    @Test func aPausePastTheRunDeadlineDefersTheRestToTheNextRunWithoutWaiting() async throws {
        try await budgetExhausted(posts: 4, deadlineMilliseconds: 30 * 60_000) { f, clock, engine, posts in
            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            let report = try await handle.report()
            #expect(clock.sleeperCount == 0)
            #expect(report.ok)
            #expect(report.detail("ig")?.metricsUpdated == 2)
            #expect(report.detail("ig")?.postsSkipped == 2)
            #expect(report.detail("ig")?.errors.first?.contains("deferred to the next run") == true)
            #expect(f.simulator.stats().total.requests == 3)
            #expect(try f.latest(posts[2]).capturedAt == nil)
            #expect(try f.store.run(id: try await handle.runId)?.status == .completed)
            // Deferred posts are not failures of the post: nothing is recorded against them.
            #expect(try await f.store.failureCount(runId: try await handle.runId) == 0)
        }
    }
}
