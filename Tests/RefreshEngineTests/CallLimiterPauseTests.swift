import MetricsCore
import PlatformClients
import RefreshEngine
import Testing

/// What the limiter reports back about its gates: the pauses it started or lengthened, which the coordinator counts
/// in `metricsd_refresh_pauses_total`. One that changes nothing (the gate was already closed as long) is no pause.
@Suite struct CallLimiterPauseTests {
    let t0 = Timestamp(milliseconds: 1_767_225_600_000)
    let limits = CallLimiterTests()

    @Test func aRateLimitPausesOnceUntilItWouldPauseLonger() {
        var limiter = limits.gatesOnly()
        func pause(_ scope: PlatformError.RateLimitScope, _ seconds: Int, _ account: String = "a") -> Bool {
            limiter.rateLimited(scope: scope, retryAfterSeconds: seconds, platform: .instagram, accountId: account, now: t0)
        }
        let first = pause(.account, 600)
        // Shorter or equal: the account was already paused that long.
        let (shorter, same, longer) = (pause(.account, 300), pause(.account, 600), pause(.account, 900))
        // Another account, and the app, are other gates.
        let (other, app) = (pause(.account, 60, "b"), pause(.app, 60))
        #expect([first, shorter, same, longer, other, app] == [true, false, false, true, true, true])
    }

    @Test func usageHeadersReportTheScopesTheyPaused() {
        var limiter = limits.gatesOnly()
        var usage = limits.businessUsage(95, regainMinutes: 10)
        usage.app = .init(callCount: 91, totalTime: 1, totalCPUTime: 1)
        let both = limiter.observe(usage, platform: .instagram, accountId: "a", now: t0)
        // The account's headers again: it is already paused that long.
        let again = limiter.observe(limits.businessUsage(95, regainMinutes: 10), platform: .instagram, accountId: "a", now: t0)
        let below = limiter.observe(limits.businessUsage(50, regainMinutes: 10), platform: .instagram, accountId: "a", now: t0)
        #expect(both == [.app, .account])
        #expect(again == [])
        #expect(below == [])
    }
}
