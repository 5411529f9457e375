import MetricsCore
import PlatformClients
import RefreshEngine
import Testing

/// The limiter as a pure value: buckets per platform and per account, and gates from usage headers and
/// rate-limit errors, all at exact timestamps.
@Suite struct CallLimiterTests {
    let t0 = Timestamp(milliseconds: 1_767_225_600_000)

    func at(_ offset: Int64) -> Timestamp { t0.adding(milliseconds: offset) }

    /// Instagram: 10/s with a burst of 2 for the app, 2/s (burst 1) per account. Pause 1 h by default.
    func configuration() -> RefreshConfiguration {
        var configuration = RefreshConfiguration()
        configuration.platformRates[.instagram] = .init(perSecond: 10, burst: 2)
        configuration.accountRates[.instagram] = .init(perSecond: 2, burst: 1)
        configuration.platformRates[.tiktok] = .init(perSecond: 1, burst: 1)
        configuration.accountRates[.tiktok] = .init(perSecond: 1, burst: 1)
        configuration.usageThresholdPercent = 90
        configuration.defaultPauseMilliseconds = 3_600_000
        return configuration
    }

    /// Buckets so large that only the gates decide.
    func gatesOnly() -> CallLimiter {
        var configuration = configuration()
        for platform in Platform.allCases {
            configuration.platformRates[platform] = .init(perSecond: 1000, burst: 1000)
            configuration.accountRates[platform] = .init(perSecond: 1000, burst: 1000)
        }
        return CallLimiter(configuration: configuration)
    }

    func businessUsage(_ percent: Int, regainMinutes: Int?, object: String = "ig-1") -> PlatformUsage {
        PlatformUsage(businessUseCase: [.init(
            objectID: object, type: "instagram", callCount: percent, totalTime: 10, totalCPUTime: 10,
            estimatedMinutesToRegainAccess: regainMinutes)])
    }

    // MARK: Buckets

    @Test func thePlatformBucketIsSharedByAllAccountsOfThePlatform() {
        var limiter = CallLimiter(configuration: configuration())
        let a = limiter.reserve(platform: .instagram, accountId: "a", now: t0)
        let b = limiter.reserve(platform: .instagram, accountId: "b", now: t0)
        let c = limiter.reserve(platform: .instagram, accountId: "c", now: t0)
        let d = limiter.reserve(platform: .instagram, accountId: "d", now: t0)
        // Burst of 2, then the app's 10/s: each account's own bucket is still full.
        #expect([a, b, c, d] == [at(0), at(0), at(100), at(200)])
    }

    /// The engine's protocol: wait for `earliestReady`, then `reserve` at that time.
    func call(_ limiter: inout CallLimiter, _ account: String, platform: Platform = .instagram, at now: Timestamp) -> Timestamp {
        let ready = limiter.earliestReady(platform: platform, accountId: account, now: now)
        return limiter.reserve(platform: platform, accountId: account, now: ready)
    }

    @Test func theAccountBucketPacesOneAccountBelowThePlatformRate() {
        var limiter = CallLimiter(configuration: configuration())
        var slots: [Timestamp] = []
        for _ in 0..<4 { slots.append(call(&limiter, "a", at: slots.last ?? t0)) }
        #expect(slots == [at(0), at(500), at(1000), at(1500)])
    }

    @Test func oneAccountWaitingForItsBucketDoesNotHoldUpTheOthers() {
        var limiter = CallLimiter(configuration: configuration())
        #expect(limiter.reserve(platform: .instagram, accountId: "a", now: t0) == at(0))
        #expect(limiter.earliestReady(platform: .instagram, accountId: "a", now: t0) == at(500))
        // While a waits, b, c and d share the platform's 10/s (after its burst of 2).
        #expect(call(&limiter, "b", at: t0) == at(0))
        #expect(call(&limiter, "c", at: t0) == at(100))
        #expect(call(&limiter, "d", at: t0) == at(200))
        // a goes at 500, taking its slot from the platform bucket too: of the burst refilled since d's call,
        // e gets the other token, and f waits for the next one.
        #expect(call(&limiter, "a", at: at(500)) == at(500))
        #expect(call(&limiter, "e", at: at(500)) == at(500))
        #expect(call(&limiter, "f", at: at(500)) == at(600))
    }

    @Test func earliestReadyTakesNothing() {
        var limiter = CallLimiter(configuration: configuration())
        for _ in 0..<3 { #expect(limiter.earliestReady(platform: .instagram, accountId: "a", now: t0) == t0) }
        #expect(limiter.reserve(platform: .instagram, accountId: "a", now: t0) == t0)
    }

    @Test func aPausedAccountDoesNotHoldUpTheOthers() {
        var limiter = CallLimiter(configuration: configuration())
        limiter.rateLimited(scope: .account, retryAfterSeconds: 60, platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.earliestReady(platform: .instagram, accountId: "a", now: t0) == at(60_000))
        #expect([call(&limiter, "b", at: t0), call(&limiter, "c", at: t0), call(&limiter, "d", at: t0)]
            == [at(0), at(0), at(100)])
        #expect(call(&limiter, "e", at: at(1000)) == at(1000))
        #expect(call(&limiter, "a", at: at(1000)) == at(60_000))
    }

    @Test func platformsHaveSeparateBuckets() {
        var limiter = CallLimiter(configuration: configuration())
        for account in ["a", "b", "c", "d"] { _ = limiter.reserve(platform: .instagram, accountId: account, now: t0) }
        #expect(limiter.reserve(platform: .tiktok, accountId: "t", now: t0) == at(0))
        #expect(limiter.reserve(platform: .tiktok, accountId: "u", now: t0) == at(1000))
    }

    @Test func aPlatformWithoutAConfiguredRateGetsOneCallPerSecond() {
        var configuration = RefreshConfiguration()
        configuration.platformRates = [:]
        configuration.accountRates = [:]
        var limiter = CallLimiter(configuration: configuration)
        let slots = (0..<3).map { _ in limiter.reserve(platform: .facebook, accountId: "p", now: t0) }
        #expect(slots == [at(0), at(1000), at(2000)])
    }

    // MARK: Usage headers

    @Test func businessUseCaseUsageAtTheThresholdPausesThatAccountOnlyForTheRegainMinutes() {
        var limiter = gatesOnly()
        limiter.observe(businessUsage(90, regainMinutes: 19), platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "a") == at(19 * 60_000))
        #expect(limiter.earliestReady(platform: .instagram, accountId: "a", now: at(1)) == at(19 * 60_000))
        #expect(call(&limiter, "b", at: at(1)) == at(1))
        #expect(call(&limiter, "a", at: at(1)) == at(19 * 60_000))
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "b") == nil)
    }

    @Test func businessUseCaseUsageBelowTheThresholdChangesNothing() {
        var limiter = gatesOnly()
        limiter.observe(businessUsage(89, regainMinutes: 19), platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "a") == nil)
        #expect(limiter.reserve(platform: .instagram, accountId: "a", now: t0) == t0)
    }

    @Test func anyOfTheThreePercentagesCounts() {
        var limiter = gatesOnly()
        let usage = PlatformUsage(businessUseCase: [.init(
            objectID: "ig-1", type: "instagram", callCount: 5, totalTime: 10, totalCPUTime: 97,
            estimatedMinutesToRegainAccess: 2)])
        limiter.observe(usage, platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "a") == at(120_000))
    }

    @Test func withoutARegainTimeTheDefaultPauseApplies() {
        var limiter = gatesOnly()
        limiter.observe(businessUsage(100, regainMinutes: nil), platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "a") == at(3_600_000))
    }

    @Test func aZeroRegainTimeAtTheThresholdStillPausesAMinute() {
        var limiter = gatesOnly()
        limiter.observe(businessUsage(95, regainMinutes: 0), platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "a") == at(60_000))
    }

    @Test func appUsageAtTheThresholdPausesEveryAccountOfThatPlatform() {
        var limiter = gatesOnly()
        let usage = PlatformUsage(app: .init(callCount: 40, totalTime: 92, totalCPUTime: 30))
        limiter.observe(usage, platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.reserve(platform: .instagram, accountId: "a", now: t0) == at(3_600_000))
        #expect(limiter.reserve(platform: .instagram, accountId: "b", now: t0) == at(3_600_000))
        #expect(limiter.blockedUntil(platform: .instagram, accountId: nil) == at(3_600_000))
        // Other platforms are other apps' budgets.
        #expect(limiter.reserve(platform: .tiktok, accountId: "t", now: t0) == t0)
    }

    @Test func appUsageBelowTheThresholdChangesNothing() {
        var limiter = gatesOnly()
        limiter.observe(PlatformUsage(app: .init(callCount: 89, totalTime: 1, totalCPUTime: 1)), platform: .instagram,
                        accountId: "a", now: t0)
        #expect(limiter.blockedUntil(platform: .instagram, accountId: nil) == nil)
    }

    @Test func theThresholdIsConfigurable() {
        var configuration = RefreshConfiguration()
        configuration.usageThresholdPercent = 50
        configuration.defaultPauseMilliseconds = 1000
        var limiter = CallLimiter(configuration: configuration)
        limiter.observe(PlatformUsage(app: .init(callCount: 50, totalTime: 0, totalCPUTime: 0)), platform: .facebook,
                        accountId: "p", now: t0)
        #expect(limiter.blockedUntil(platform: .facebook, accountId: nil) == at(1000))
    }

    // MARK: Rate-limit errors

    @Test func anAccountRateLimitWithRetryAfterPausesThatAccountForThoseSeconds() {
        var limiter = gatesOnly()
        limiter.rateLimited(scope: .account, retryAfterSeconds: 19 * 60, platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.earliestReady(platform: .instagram, accountId: "a", now: t0) == at(1_140_000))
        #expect(call(&limiter, "b", at: t0) == t0)
        #expect(call(&limiter, "a", at: t0) == at(1_140_000))
    }

    @Test func anAppRateLimitWithoutRetryAfterPausesThePlatformForTheDefault() {
        var limiter = gatesOnly()
        limiter.rateLimited(scope: .app, retryAfterSeconds: nil, platform: .tiktok, accountId: "t", now: t0)
        #expect(limiter.reserve(platform: .tiktok, accountId: "t", now: t0) == at(3_600_000))
        #expect(limiter.reserve(platform: .tiktok, accountId: "u", now: t0) == at(3_600_000))
        #expect(limiter.reserve(platform: .instagram, accountId: "a", now: t0) == t0)
    }

    @Test func aRetryAfterOfZeroStillWaitsASecond() {
        var limiter = gatesOnly()
        limiter.rateLimited(scope: .account, retryAfterSeconds: 0, platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "a") == at(1000))
    }

    // MARK: Gates

    @Test func gatesNeverShortenAPause() {
        var limiter = gatesOnly()
        limiter.observe(businessUsage(100, regainMinutes: 19), platform: .instagram, accountId: "a", now: t0)
        limiter.rateLimited(scope: .account, retryAfterSeconds: 5, platform: .instagram, accountId: "a", now: at(1000))
        limiter.observe(businessUsage(100, regainMinutes: 1), platform: .instagram, accountId: "a", now: at(2000))
        limiter.block(platform: .instagram, accountId: "a", until: at(10))
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "a") == at(19 * 60_000))

        limiter.rateLimited(scope: .app, retryAfterSeconds: 600, platform: .instagram, accountId: "a", now: t0)
        limiter.rateLimited(scope: .app, retryAfterSeconds: 1, platform: .instagram, accountId: "a", now: t0)
        #expect(limiter.blockedUntil(platform: .instagram, accountId: nil) == at(600_000))
    }

    @Test func aLaterPauseExtendsTheGate() {
        // Meta: calls made while limited extend the penalty.
        var limiter = gatesOnly()
        limiter.observe(businessUsage(100, regainMinutes: 1), platform: .instagram, accountId: "a", now: t0)
        limiter.observe(businessUsage(100, regainMinutes: 1), platform: .instagram, accountId: "a", now: at(30_000))
        #expect(limiter.blockedUntil(platform: .instagram, accountId: "a") == at(90_000))
    }

    @Test func aCallWaitsForTheLaterOfTheAppAndAccountGates() {
        var limiter = gatesOnly()
        limiter.block(platform: .instagram, accountId: nil, until: at(5000))
        limiter.block(platform: .instagram, accountId: "a", until: at(9000))
        #expect(limiter.earliestReady(platform: .instagram, accountId: "a", now: t0) == at(9000))
        #expect(limiter.earliestReady(platform: .instagram, accountId: "b", now: t0) == at(5000))
        #expect(call(&limiter, "b", at: t0) == at(5000))
        #expect(call(&limiter, "a", at: t0) == at(9000))
        // Once a gate has passed it no longer holds anyone.
        #expect(call(&limiter, "a", at: at(20_000)) == at(20_000))
    }

    @Test func bucketsStartCountingWhenTheGateOpens() {
        var limiter = CallLimiter(configuration: configuration())
        limiter.block(platform: .instagram, accountId: "a", until: at(10_000))
        var slots: [Timestamp] = []
        for _ in 0..<3 { slots.append(call(&limiter, "a", at: slots.last ?? t0)) }
        #expect(slots == [at(10_000), at(10_500), at(11_000)])
    }
}
