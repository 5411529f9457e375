import MetricsCore
import PlatformClients
@testable import RefreshEngine
import StorageContract
import Synchronization
import Testing

/// One account's refresh as a pure value: every branch as the exact actions it returns, at exact timestamps,
/// with no clock, no HTTP and no database.
///
/// The defaults of `RefreshConfiguration` throughout (backoff 500 ms × 2ⁿ jittered, writes of 200 or every
/// second, TikTok's token refreshed 5 minutes ahead, Instagram's a week ahead), a run deadline an hour after
/// `t0`, and posts published two hours before `t0`: their band refreshes hourly, and failures are retried after
/// 5, 15, 45 minutes.
@Suite struct AccountRefreshMachineTests {
    typealias Machine = AccountRefreshMachine
    typealias Action = AccountRefreshMachine.Action

    let t0 = Timestamp(milliseconds: 1_767_225_600_000)
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    /// When a post fetched in the hourly band is due again: the hour less its planning lead of 6 minutes.
    static let hourlyDue: Int64 = 54 * 60_000

    func at(_ offset: Int64) -> Timestamp { t0.adding(milliseconds: offset) }

    // MARK: Fixtures

    func post(
        _ number: Int, _ platform: Platform = .instagram, type: MediaProductType = .feed, consecutiveFailures: Int = 0,
        lastReading: VelocityRule.Reading? = nil
    ) -> DuePost {
        DuePost(
            postId: "p\(number)", accountId: "a", workspaceId: "w1", platform: platform, externalPostId: "x\(number)",
            mediaProductType: platform == .instagram ? type : nil, postedAt: at(-2 * Self.hour), nextDueAt: t0,
            consecutiveFailures: consecutiveFailures, lastReading: lastReading)
    }

    func posts(_ count: Int, _ platform: Platform = .instagram) -> [DuePost] {
        (1...count).map { post($0, platform) }
    }

    func credentials(
        _ platform: Platform = .instagram, token: String = "token", refreshToken: String? = nil, expiresAt: Timestamp? = nil,
        status: AccountStatus = .connected
    ) -> AccountCredentials {
        AccountCredentials(
            accountId: "a", workspaceId: "w1", platform: platform, externalAccountId: "ext-a", status: status, accessToken: token,
            refreshToken: refreshToken, tokenExpiresAt: expiresAt, refreshTokenExpiresAt: nil)
    }

    func machine(
        _ posts: [DuePost], randoms: UnitRandoms = UnitRandoms([]), _ configure: (inout RefreshConfiguration) -> Void = { _ in }
    ) -> Machine {
        var configuration = RefreshConfiguration()
        configure(&configuration)
        return Machine(accountId: "a", posts: posts, deadline: at(Self.hour), configuration: configuration, unitRandom: randoms.next)
    }

    func call(_ posts: [DuePost], token: String = "token", key: String? = nil) -> Machine.Call {
        let platform = posts[0].platform
        return Machine.Call(
            platform: platform, posts: posts, accessToken: token, externalAccountId: "ext-a",
            retiredMetricsKey: key ?? (platform == .instagram ? "FEED" : ""))
    }

    func metrics(views: Int64) -> PostMetrics {
        PostMetrics(values: MetricValues(views: views))
    }

    func fetched(
        _ post: DuePost, views: Int64, at now: Timestamp, due: Timestamp?
    ) -> RefreshAttempt {
        RefreshAttempt(
            postId: post.postId, accountId: "a", platform: post.platform, at: now,
            outcome: .fetched(Snapshot(postId: post.postId, capturedAt: now, values: MetricValues(views: views))), nextDueAt: due)
    }

    func failed(
        _ post: DuePost, _ kind: RefreshFailureKind, _ message: String, at now: Timestamp, due: Timestamp?
    ) -> RefreshAttempt {
        RefreshAttempt(
            postId: post.postId, accountId: "a", platform: post.platform, at: now, outcome: .failed(kind, message: message), nextDueAt: due)
    }

    func detail(
        _ platform: Platform = .instagram, processed: Int = 0, updated: Int = 0, skipped: Int = 0, withoutData: Int = 0,
        errors: [String] = [], errorCount: Int? = nil
    ) -> RefreshReport.Detail {
        RefreshReport.Detail(
            platform: platform, workspaceId: "w1", accountId: "a", postsProcessed: processed, metricsUpdated: updated,
            postsSkipped: skipped, postsWithoutData: withoutData, errors: errors, errorCount: errorCount)
    }

    /// From a returned `checkAccount`: the limiter says `ready` for the account, then `slot` for the call; the
    /// machine waits for each and then calls. Returns the call.
    @discardableResult
    func pace(
        _ machine: inout Machine, ready: Timestamp, slot: Timestamp, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Machine.Call? {
        #expect(machine.readyAt(ready) == [.wait(until: ready)], sourceLocation: sourceLocation)
        #expect(machine.timePassed() == [.reserve], sourceLocation: sourceLocation)
        #expect(machine.readyAt(slot) == [.wait(until: slot)], sourceLocation: sourceLocation)
        let actions = machine.timePassed()
        guard actions.count == 1, case .call(let call) = actions[0] else {
            Issue.record("expected one call, got \(actions)", sourceLocation: sourceLocation)
            return nil
        }
        return call
    }

    static let expired = PlatformError.TokenFailure(reason: .expired, code: "190", subcode: 463, message: "Session has expired")

    // MARK: Pacing

    @Test func eachCallWaitsForTheAccountFirstAndOnlyThenReservesItsSlot() {
        let carousel = post(1, type: .carouselAlbum)
        var m = machine([carousel])
        #expect(m.started(now: t0, credentials: credentials()) == [.checkAccount])
        #expect(m.readyAt(at(300)) == [.wait(until: at(300))])
        #expect(m.timePassed() == [.reserve])
        #expect(m.readyAt(at(450)) == [.wait(until: at(450))])
        // A carousel's retired metrics are remembered under its insights family, FEED.
        #expect(m.timePassed() == [.call(call([carousel], key: "FEED"))])
    }

    @Test func aTimeAtTheDeadlineIsWaitedForAndOnePastItDefersTheRest() {
        var m = machine(posts(1))
        _ = m.started(now: t0, credentials: credentials())
        #expect(m.readyAt(at(Self.hour)) == [.wait(until: at(Self.hour))])

        var late = machine(posts(3))
        _ = late.started(now: t0, credentials: credentials())
        let reason = "rate limited until 2026-01-01T01:00:00.001Z, past this run's deadline; deferred to the next run"
        #expect(late.readyAt(at(Self.hour + 1)) == [
            .deferRest(reason: reason, pastDeadline: true), .progress(3),
            .finish(detail(skipped: 3, errors: ["Account a: \(reason)"])),
        ])
    }

    @Test func aSlotPastTheDeadlineDefersTheRestWithWhatWasFetchedWritten() {
        let (first, second, third) = (post(1), post(2), post(3))
        var m = machine([first, second, third])
        _ = m.started(now: t0, credentials: credentials())
        pace(&m, ready: t0, slot: t0)
        #expect(m.callAnswered(["x1": metrics(views: 10)], now: at(100)) == [.progress(1), .checkAccount])
        #expect(m.readyAt(at(100)) == [.wait(until: at(100))])
        #expect(m.timePassed() == [.reserve])
        // The platform's bucket is booked past the deadline: both remaining posts wait for the next run, one line.
        let reason = "rate limited until 2026-01-01T01:00:01.000Z, past this run's deadline; deferred to the next run"
        #expect(m.readyAt(at(Self.hour + 1000)) == [
            .deferRest(reason: reason, pastDeadline: true), .progress(2), .flush([fetched(first, views: 10, at: at(100), due: at(100 + Self.hourlyDue))]),
        ])
        #expect(m.flushed() == [.finish(detail(processed: 1, updated: 1, skipped: 2, errors: ["Account a: \(reason)"]))])
    }

    // MARK: Rate limits

    @Test func anAccountRateLimitWithRetryAfterPausesTheAccountAndMakesTheSameCallWhenTheGateOpens() {
        let only = post(1)
        var m = machine([only])
        _ = m.started(now: t0, credentials: credentials())
        pace(&m, ready: t0, slot: t0)
        #expect(m.callFailed(.rateLimited(scope: .account, retryAfterSeconds: 60, code: "80002"), now: at(10)) == [
            .pause(scope: .account, retryAfterSeconds: 60, code: "80002"), .checkAccount,
        ])
        #expect(pace(&m, ready: at(60_010), slot: at(60_010)) == call([only]))
        #expect(m.callAnswered(["x1": metrics(views: 7)], now: at(60_010)) == [
            .progress(1), .flush([fetched(only, views: 7, at: at(60_010), due: at(60_010 + Self.hourlyDue))]),
        ])
        #expect(m.flushed() == [.finish(detail(processed: 1, updated: 1))])
    }

    @Test func anAppRateLimitWithoutRetryAfterPausesTheAppForTheDefault() {
        var m = machine(posts(2, .tiktok))
        _ = m.started(now: t0, credentials: credentials(.tiktok))
        pace(&m, ready: t0, slot: t0)
        #expect(m.callFailed(.rateLimited(scope: .app, retryAfterSeconds: nil, code: "rate_limit_exceeded"), now: at(5)) == [
            .pause(scope: .app, retryAfterSeconds: nil, code: "rate_limit_exceeded"), .checkAccount,
        ])
        // The gate opens within the deadline: the same two videos, in one call again.
        #expect(pace(&m, ready: at(3_600_000), slot: at(3_600_000)) == call(posts(2, .tiktok)))
    }

    // MARK: Answers

    @Test func fetchedPostsAreDueAgainByTheVelocityRuleAndWrittenAtTheEnd() {
        // An hour ago the post had 1000 views, and it still has: the longest interval, the hourly band (less its lead).
        let steady = post(1, lastReading: VelocityRule.Reading(value: 1000, at: at(-Self.hour)))
        let fresh = post(2)
        var m = machine([steady, fresh])
        _ = m.started(now: t0, credentials: credentials())
        #expect(pace(&m, ready: t0, slot: t0) == call([steady]))
        #expect(m.callAnswered(["x1": metrics(views: 1000)], now: at(500)) == [.progress(1), .checkAccount])
        #expect(pace(&m, ready: at(500), slot: at(600)) == call([fresh]))
        #expect(m.callAnswered(["x2": metrics(views: 50)], now: at(700)) == [
            .progress(1),
            .flush([
                fetched(steady, views: 1000, at: at(500), due: at(500 + Self.hourlyDue)),
                fetched(fresh, views: 50, at: at(700), due: at(700 + Self.hourlyDue)),
            ]),
        ])
        #expect(m.flushed() == [.finish(detail(processed: 2, updated: 2))])
    }

    @Test func tiktokAsksForTwentyVideosPerCallAndRecordsTheOnesItLeftOutAsNotReturned() {
        let videos = (0..<21).map { post($0, .tiktok) }
        var m = machine(videos)
        _ = m.started(now: t0, credentials: credentials(.tiktok))
        #expect(pace(&m, ready: t0, slot: t0) == call(Array(videos[0..<20])))
        var answer: [String: PostMetrics] = [:]
        for video in videos[0..<20] where video.externalPostId != "x3" { answer[video.externalPostId] = metrics(views: 5) }
        #expect(m.callAnswered(answer, now: at(100)) == [.progress(20), .checkAccount])
        #expect(pace(&m, ready: at(100), slot: at(100)) == call([videos[20]]))
        let message = "TikTok did not return video x3 (not this account's video, deleted, or a publish id)"
        let expected = videos[0..<20].filter { $0.postId != "p3" }.map { fetched($0, views: 5, at: at(100), due: at(100 + Self.hourlyDue)) }
            + [failed(videos[3], .notReturned, message, at: at(100), due: at(100 + 5 * Self.minute))]
            + [fetched(videos[20], views: 6, at: at(200), due: at(200 + Self.hourlyDue))]
        #expect(m.callAnswered(["x20": metrics(views: 6)], now: at(200)) == [.progress(1), .flush(expected)])
        #expect(m.flushed() == [.finish(detail(.tiktok, processed: 21, updated: 20, errors: ["Post p3: \(message)"]))])
    }

    @Test func aPostWithNoDataYetIsProcessedCountedAndDueOnItsBandButNotUpdated() {
        let new = post(1)
        var m = machine([new])
        _ = m.started(now: t0, credentials: credentials())
        pace(&m, ready: t0, slot: t0)
        let noData = RefreshAttempt(
            postId: "p1", accountId: "a", platform: .instagram, at: at(100), outcome: .noData, nextDueAt: at(100 + Self.hourlyDue))
        #expect(m.callAnswered(["x1": PostMetrics(noDataYet: true)], now: at(100)) == [.progress(1), .flush([noData])])
        #expect(m.flushed() == [.finish(detail(processed: 1, withoutData: 1))])
    }

    @Test func aFacebookPostWithoutInsightsStillHasItsCountsWritten() {
        let page = post(1, .facebook)
        var m = machine([page])
        _ = m.started(now: t0, credentials: credentials(.facebook))
        pace(&m, ready: t0, slot: t0)
        let counts = PostMetrics(values: MetricValues(views: 3), noDataYet: true)
        #expect(m.callAnswered(["x1": counts], now: at(100)) == [
            .progress(1), .flush([fetched(page, views: 3, at: at(100), due: at(100 + Self.hourlyDue))]),
        ])
    }

    // MARK: Writes

    @Test func attemptsAreWrittenWhenABatchHasGathered() {
        let pages = posts(3, .facebook)
        var m = machine(pages) { $0.snapshotBatchSize = 2 }
        _ = m.started(now: t0, credentials: credentials(.facebook))
        pace(&m, ready: t0, slot: t0)
        #expect(m.callAnswered(["x1": metrics(views: 1)], now: t0) == [.progress(1), .checkAccount])
        pace(&m, ready: t0, slot: t0)
        #expect(m.callAnswered(["x2": metrics(views: 2)], now: t0) == [
            .progress(1),
            .flush([fetched(pages[0], views: 1, at: t0, due: at(Self.hourlyDue)), fetched(pages[1], views: 2, at: t0, due: at(Self.hourlyDue))]),
        ])
        #expect(m.flushed() == [.checkAccount])
        pace(&m, ready: t0, slot: t0)
        #expect(m.callAnswered(["x3": metrics(views: 3)], now: t0) == [
            .progress(1), .flush([fetched(pages[2], views: 3, at: t0, due: at(Self.hourlyDue))]),
        ])
        #expect(m.flushed() == [.finish(detail(.facebook, processed: 3, updated: 3))])
    }

    @Test func attemptsAreWrittenWhenTheFlushIntervalHasPassedSinceTheLastWrite() {
        let media = posts(3)
        var m = machine(media)
        _ = m.started(now: t0, credentials: credentials())
        pace(&m, ready: t0, slot: t0)
        #expect(m.callAnswered(["x1": metrics(views: 1)], now: at(999)) == [.progress(1), .checkAccount])
        pace(&m, ready: at(999), slot: at(999))
        #expect(m.callAnswered(["x2": metrics(views: 2)], now: at(1000)) == [
            .progress(1),
            .flush([
                fetched(media[0], views: 1, at: at(999), due: at(999 + Self.hourlyDue)),
                fetched(media[1], views: 2, at: at(1000), due: at(1000 + Self.hourlyDue)),
            ]),
        ])
        #expect(m.flushed() == [.checkAccount])
        pace(&m, ready: at(1000), slot: at(1000))
        // 999 ms after the last write: not yet by time, but the account is done, so it is written now.
        #expect(m.callAnswered(["x3": metrics(views: 3)], now: at(1999)) == [
            .progress(1), .flush([fetched(media[2], views: 3, at: at(1999), due: at(1999 + Self.hourlyDue))]),
        ])
        #expect(m.flushed() == [.finish(detail(processed: 3, updated: 3))])
    }

    // MARK: Failures of a post

    @Test func aTransientFailureIsRetriedWithTheExactJitteredBackoffThenRecordedAsTransient() {
        let only = post(1, .facebook)
        let randoms = UnitRandoms([0, 0.5, 0.998, 0.3])
        var m = machine([only], randoms: randoms)
        _ = m.started(now: t0, credentials: credentials(.facebook))
        pace(&m, ready: t0, slot: t0)
        let unavailable = PlatformError.Kind.transient(code: "2", message: "Service temporarily unavailable")
        // 500 ms × (0.5 + 0/2)
        #expect(m.callFailed(unavailable, now: t0) == [.wait(until: at(250))])
        #expect(m.timePassed() == [.checkAccount])
        #expect(pace(&m, ready: at(250), slot: at(250)) == call([only]))
        // 1000 ms × (0.5 + 0.5/2)
        #expect(m.callFailed(unavailable, now: at(260)) == [.wait(until: at(1010))])
        #expect(m.timePassed() == [.checkAccount])
        pace(&m, ready: at(1010), slot: at(1010))
        // 2000 ms × (0.5 + 0.998/2)
        #expect(m.callFailed(unavailable, now: at(1020)) == [.wait(until: at(3018))])
        #expect(m.timePassed() == [.checkAccount])
        pace(&m, ready: at(3018), slot: at(3018))
        // Three retries used up: recorded, first failure in a row, so due again in 5 minutes.
        let message = "Service temporarily unavailable (gave up after 4 attempts)"
        #expect(m.callFailed(unavailable, now: at(3030)) == [
            .progress(1), .flush([failed(only, .transient, message, at: at(3030), due: at(3030 + 5 * Self.minute))]),
        ])
        #expect(m.flushed() == [.finish(detail(.facebook, processed: 1, errors: ["Post p1: \(message)"]))])
        #expect(randoms.used == 4)
    }

    @Test func eachPostHasItsOwnTransientRetries() {
        let pages = posts(2, .facebook)
        var m = machine(pages, randoms: UnitRandoms([0, 0, 0]))
        _ = m.started(now: t0, credentials: credentials(.facebook))
        pace(&m, ready: t0, slot: t0)
        let unavailable = PlatformError.Kind.transient(code: nil, message: "timed out")
        #expect(m.callFailed(unavailable, now: t0) == [.wait(until: at(250))])
        _ = m.timePassed()
        pace(&m, ready: at(250), slot: at(250))
        #expect(m.callAnswered(["x1": metrics(views: 1)], now: at(300)) == [.progress(1), .checkAccount])
        pace(&m, ready: at(300), slot: at(300))
        // The second post's first retry waits the first delay again.
        #expect(m.callFailed(unavailable, now: at(300)) == [.wait(until: at(550))])
    }

    @Test func aRetiredMetricIsLearnedAndTheCallMadeAgainOnceThenRecordedAsUnsupported() {
        let reel = post(1, type: .reels)
        var m = machine([reel])
        _ = m.started(now: t0, credentials: credentials())
        #expect(pace(&m, ready: t0, slot: t0) == call([reel], key: "REELS"))
        let refusal = PlatformError.Kind.unsupportedMetric(
            names: ["profile_visits"], identified: true, message: "(#100) does not support the profile_visits metric")
        #expect(m.callFailed(refusal, now: at(10)) == [.learnRetired(mediaType: "REELS", metrics: ["profile_visits"]), .checkAccount])
        #expect(pace(&m, ready: at(10), slot: at(10)) == call([reel], key: "REELS"))
        let again = PlatformError.Kind.unsupportedMetric(names: ["follows"], identified: true, message: "(#100) follows too")
        #expect(m.callFailed(again, now: at(20)) == [
            .progress(1), .flush([failed(reel, .unsupportedMetric, "(#100) follows too", at: at(20), due: at(20 + 5 * Self.minute))]),
        ])
        #expect(m.flushed() == [.finish(detail(processed: 1, errors: ["Post p1: (#100) follows too"]))])
    }

    @Test func aRefusalThatNamesNoMetricDropsOnlyTheOnesKnownToBeRetired() {
        var m = machine(posts(1))
        _ = m.started(now: t0, credentials: credentials())
        pace(&m, ready: t0, slot: t0)
        let refusal = PlatformError.Kind.unsupportedMetric(
            names: ["views", "impressions", "reach"], identified: false, message: "(#100) The value must be a valid insights metric")
        #expect(m.callFailed(refusal, now: t0) == [.learnRetired(mediaType: "FEED", metrics: ["impressions"]), .checkAccount])

        // None of them known to be retired: recorded at once, without guessing.
        let only = post(1)
        var unknown = machine([only])
        _ = unknown.started(now: t0, credentials: credentials())
        pace(&unknown, ready: t0, slot: t0)
        let vague = PlatformError.Kind.unsupportedMetric(names: ["views", "reach"], identified: false, message: "(#100) invalid")
        #expect(unknown.callFailed(vague, now: t0) == [
            .progress(1), .flush([failed(only, .unsupportedMetric, "(#100) invalid", at: t0, due: at(5 * Self.minute))]),
        ])
    }

    @Test func everyOtherFailureIsRecordedForThePostWithItsKindAndTheRunGoesOn() {
        let media = [post(1), post(2, consecutiveFailures: 2), post(3), post(4), post(5)]
        var m = machine(media)
        _ = m.started(now: t0, credentials: credentials())
        let failures: [PlatformError.Kind] = [
            .skipPost(reason: .permission, code: "10", message: "(#10) Not enough viewers for the media to show insights"),
            .skipPost(reason: .notFound, code: "100/33", message: "Unsupported get request"),
            .skipPost(reason: .notReturned, code: "missing", message: "not in the answer"),
            .malformed("not JSON"),
            .invalidRequest(code: "100", message: "Invalid parameter"),
        ]
        for failure in failures.dropLast() {
            pace(&m, ready: t0, slot: t0)
            #expect(m.callFailed(failure, now: t0) == [.progress(1), .checkAccount])
        }
        pace(&m, ready: t0, slot: t0)
        let retry = at(5 * Self.minute)
        let expected = [
            failed(media[0], .permission, "(#10) Not enough viewers for the media to show insights", at: t0, due: retry),
            // Its third failure in a row: 5 min × 3².
            failed(media[1], .notFound, "Unsupported get request", at: t0, due: at(45 * Self.minute)),
            failed(media[2], .notReturned, "not in the answer", at: t0, due: retry),
            failed(media[3], .malformed, "malformed response: not JSON", at: t0, due: retry),
            failed(media[4], .invalidRequest, "Invalid parameter", at: t0, due: retry),
        ]
        #expect(m.callFailed(failures[4], now: t0) == [.progress(1), .flush(expected)])
        #expect(m.flushed() == [.finish(detail(processed: 5, errors: [
            "Post p1: (#10) Not enough viewers for the media to show insights", "Post p2: Unsupported get request",
            "Post p3: not in the answer", "Post p4: malformed response: not JSON", "Post p5: Invalid parameter",
        ]))])
    }

    @Test func theReportListsTheFirstTwentyErrorsAndCountsThemAll() {
        var m = machine(posts(25, .facebook))
        _ = m.started(now: t0, credentials: credentials(.facebook))
        for _ in 0..<25 {
            pace(&m, ready: t0, slot: t0)
            _ = m.callFailed(.malformed("x"), now: t0)
        }
        let actions = m.flushed()
        guard case .finish(let detail)? = actions.first else {
            Issue.record("expected finish, got \(actions)")
            return
        }
        #expect(detail.errors == (1...20).map { "Post p\($0): malformed response: x" })
        #expect(detail.errorCount == 25)
        #expect(detail.postsProcessed == 25)
    }

    // MARK: Tokens

    @Test func anExpiredTikTokTokenIsRefreshedStoredBeforeUseAndTheCallMadeAgain() {
        let video = post(1, .tiktok)
        var m = machine([video])
        _ = m.started(now: t0, credentials: credentials(.tiktok, token: "act.old", refreshToken: "rft.old"))
        #expect(pace(&m, ready: t0, slot: t0) == call([video], token: "act.old"))
        let expired = PlatformError.TokenFailure(reason: .expired, code: "access_token_invalid", message: "expired")
        #expect(m.callFailed(.tokenInvalid(expired), now: at(10)) == [.lockTokens])
        #expect(m.tokensLocked(stored: credentials(.tiktok, token: "act.old", refreshToken: "rft.old")) == [
            .requestTokens(.tiktokGrant(refreshToken: "rft.old")),
        ])
        let pair = Machine.IssuedTokens(
            accessToken: "act.new", accessTokenExpiresAt: at(2 * Self.hour), refreshToken: "rft.new",
            refreshTokenExpiresAt: at(180 * Self.day))
        #expect(m.tokensIssued(pair) == [.storeTokens(pair, replacing: "rft.old")])
        #expect(m.tokensStored() == [.unlockTokens, .checkAccount])
        #expect(pace(&m, ready: at(20), slot: at(20)) == call([video], token: "act.new"))

        // Refused again right after a refresh: no second refresh this run, the account is lost.
        let still = PlatformError.TokenFailure(reason: .expired, code: "access_token_invalid", message: "still expired")
        #expect(m.callFailed(.tokenInvalid(still), now: at(30)) == [
            .loseAccount(status: .expired, message: "token expired: still expired"), .progress(1),
            .finish(detail(.tiktok, skipped: 1, errors: ["Account a: token expired: still expired"])),
        ])
    }

    @Test func aRefusedRefreshLosesTheAccountWithTheStatusTheRefusalCallsFor() {
        let refusals: [(PlatformError.TokenFailure.Reason, AccountStatus)] = [(.refreshRejected, .expired), (.needsReconnect, .needsReconnect)]
        for (reason, status) in refusals {
            var m = machine(posts(2, .tiktok))
            _ = m.started(now: t0, credentials: credentials(.tiktok, refreshToken: "rft.old"))
            pace(&m, ready: t0, slot: t0)
            #expect(m.callFailed(.tokenInvalid(PlatformError.TokenFailure(reason: .expired, code: "access_token_invalid", message: "expired")), now: t0)
                == [.lockTokens])
            #expect(m.tokensLocked(stored: nil) == [.requestTokens(.tiktokGrant(refreshToken: "rft.old"))])
            let refusal = PlatformError(
                platform: .tiktok, kind: .tokenInvalid(.init(reason: reason, code: "invalid_grant", message: "Refresh token is invalid")),
                httpStatus: 400)
            let line = "token refresh failed: \(refusal)"
            #expect(m.tokenRequestFailed(refusal) == [
                .loseAccount(status: status, message: line), .unlockTokens, .progress(2),
                .finish(detail(.tiktok, skipped: 2, errors: ["Account a: \(line)"])),
            ])
        }
    }

    @Test func aRejectedTokenLosesTheAccountWithTheStatusItComputed() {
        // TikTok's scope_not_authorized: the user must reconnect (the status is not `expired` whatever it was).
        var tiktok = machine(posts(1, .tiktok))
        _ = tiktok.started(now: t0, credentials: credentials(.tiktok, refreshToken: "rft"))
        pace(&tiktok, ready: t0, slot: t0)
        let reconnect = PlatformError.TokenFailure(reason: .needsReconnect, code: "scope_not_authorized", message: "scope revoked")
        #expect(tiktok.callFailed(.tokenInvalid(reconnect), now: t0) == [
            .loseAccount(status: .needsReconnect, message: "token needs_reconnect: scope revoked"), .progress(1),
            .finish(detail(.tiktok, skipped: 1, errors: ["Account a: token needs_reconnect: scope revoked"])),
        ])

        // Instagram has no refresh grant: an expired token loses the account at once; what was fetched is written.
        let media = posts(3)
        var instagram = machine(media)
        _ = instagram.started(now: t0, credentials: credentials())
        pace(&instagram, ready: t0, slot: t0)
        _ = instagram.callAnswered(["x1": metrics(views: 1)], now: t0)
        pace(&instagram, ready: t0, slot: t0)
        #expect(instagram.callFailed(.tokenInvalid(Self.expired), now: t0) == [
            .loseAccount(status: .expired, message: "token expired: Session has expired"), .progress(2),
            .flush([fetched(media[0], views: 1, at: t0, due: at(Self.hourlyDue))]),
        ])
        #expect(instagram.flushed() == [
            .finish(detail(processed: 1, updated: 1, skipped: 2, errors: ["Account a: token expired: Session has expired"])),
        ])

        // A TikTok token that is not known at all, or one without a refresh token: nothing to refresh with.
        let hopeless: [(PlatformError.TokenFailure, String?)] = [
            (PlatformError.TokenFailure(reason: .invalid, code: "access_token_invalid", message: "unknown"), "rft"),
            (PlatformError.TokenFailure(reason: .expired, code: "access_token_invalid", message: "unknown"), nil),
        ]
        for (failure, refreshToken) in hopeless {
            var m = machine(posts(1, .tiktok))
            _ = m.started(now: t0, credentials: credentials(.tiktok, refreshToken: refreshToken))
            pace(&m, ready: t0, slot: t0)
            #expect(m.callFailed(.tokenInvalid(failure), now: t0).first == .loseAccount(status: .expired, message: "token expired: unknown"))
        }
    }

    @Test func whoeverRefreshesSecondUsesThePairTheFirstStored() {
        var m = machine(posts(1, .tiktok))
        _ = m.started(now: t0, credentials: credentials(.tiktok, token: "act.old", refreshToken: "rft.old"))
        pace(&m, ready: t0, slot: t0)
        #expect(m.callFailed(.tokenInvalid(Self.expired), now: t0) == [.lockTokens])
        #expect(m.tokensLocked(stored: credentials(.tiktok, token: "act.other", refreshToken: "rft.other")) == [.unlockTokens, .checkAccount])
        #expect(pace(&m, ready: t0, slot: t0) == call(posts(1, .tiktok), token: "act.other"))

        // A different token on an account another run lost is no token to use: the grant is tried.
        var lost = machine(posts(1, .tiktok))
        _ = lost.started(now: t0, credentials: credentials(.tiktok, token: "act.old", refreshToken: "rft.old"))
        pace(&lost, ready: t0, slot: t0)
        _ = lost.callFailed(.tokenInvalid(Self.expired), now: t0)
        #expect(lost.tokensLocked(stored: credentials(.tiktok, token: "act.other", status: .expired)) == [
            .requestTokens(.tiktokGrant(refreshToken: "rft.old")),
        ])
    }

    @Test func aTokenEndpointThatFailsForNowSitsTheAccountOutOfThisRunWithoutLosingIt() {
        var m = machine(posts(2, .tiktok))
        _ = m.started(now: t0, credentials: credentials(.tiktok, refreshToken: "rft.old"))
        pace(&m, ready: t0, slot: t0)
        _ = m.callFailed(.tokenInvalid(Self.expired), now: t0)
        _ = m.tokensLocked(stored: nil)
        let outage = PlatformError(platform: .tiktok, kind: .transient(code: "internal_error", message: "boom"), httpStatus: 500)
        let reason = "token refresh failed for now (\(outage)); retried next run"
        #expect(m.tokenRequestFailed(outage) == [
            .unlockTokens, .deferRest(reason: reason, pastDeadline: false), .progress(2), .finish(detail(.tiktok, skipped: 2, errors: ["Account a: \(reason)"])),
        ])
    }

    @Test func aRotatedPairThatCannotBeStoredLosesTheAccount() {
        var m = machine(posts(1, .tiktok))
        _ = m.started(now: t0, credentials: credentials(.tiktok, refreshToken: "rft.old"))
        pace(&m, ready: t0, slot: t0)
        _ = m.callFailed(.tokenInvalid(Self.expired), now: t0)
        _ = m.tokensLocked(stored: nil)
        let pair = Machine.IssuedTokens(accessToken: "act.new", accessTokenExpiresAt: at(Self.hour), refreshToken: "rft.new", refreshTokenExpiresAt: nil)
        _ = m.tokensIssued(pair)
        let line = "rotated tokens could not be stored: disk I/O error"
        #expect(m.tokenStoreFailed("disk I/O error") == [
            .loseAccount(status: .needsReconnect, message: line), .unlockTokens, .progress(1),
            .finish(detail(.tiktok, skipped: 1, errors: ["Account a: \(line)"])),
        ])
    }

    @Test func aPairStoredFirstByAnotherDaemonWinsAndIsUsed() {
        let video = post(1, .tiktok)
        var m = machine([video])
        _ = m.started(now: t0, credentials: credentials(.tiktok, token: "act.old", refreshToken: "rft.old"))
        pace(&m, ready: t0, slot: t0)
        _ = m.callFailed(.tokenInvalid(Self.expired), now: t0)
        _ = m.tokensLocked(stored: credentials(.tiktok, token: "act.old", refreshToken: "rft.old"))
        let mine = Machine.IssuedTokens(accessToken: "act.mine", accessTokenExpiresAt: at(Self.hour), refreshToken: "rft.mine", refreshTokenExpiresAt: nil)
        #expect(m.tokensIssued(mine) == [.storeTokens(mine, replacing: "rft.old")])
        // The compare-and-swap found another pair: that one is live, this one is dropped; the call goes on with it.
        #expect(m.tokensSuperseded(stored: credentials(.tiktok, token: "act.theirs", refreshToken: "rft.theirs")) == [.unlockTokens, .checkAccount])
        #expect(pace(&m, ready: t0, slot: t0) == call([video], token: "act.theirs"))

        var lost = machine([video])
        _ = lost.started(now: t0, credentials: credentials(.tiktok, token: "act.old", refreshToken: "rft.old"))
        pace(&lost, ready: t0, slot: t0)
        _ = lost.callFailed(.tokenInvalid(Self.expired), now: t0)
        _ = lost.tokensLocked(stored: nil)
        _ = lost.tokensIssued(mine)
        let reason = "newer tokens were stored for the account meanwhile, and it is no longer connected"
        #expect(lost.tokensSuperseded(stored: credentials(.tiktok, refreshToken: "rft.theirs", status: .needsReconnect)) == [
            .unlockTokens, .deferRest(reason: reason, pastDeadline: false), .progress(1), .finish(detail(.tiktok, skipped: 1, errors: ["Account a: \(reason)"])),
        ])
    }

    @Test func aTikTokTokenExpiringWithinTheLeadIsRefreshedBeforeTheFirstCallAndOnlyOnce() {
        #expect(machine(posts(1, .tiktok)).startedWith(credentials(.tiktok, refreshToken: "r", expiresAt: at(5 * Self.minute)), now: t0)
            == [.lockTokens])
        #expect(machine(posts(1, .tiktok)).startedWith(credentials(.tiktok, refreshToken: "r", expiresAt: at(-1)), now: t0) == [.lockTokens])
        #expect(machine(posts(1, .tiktok)).startedWith(credentials(.tiktok, refreshToken: "r", expiresAt: at(5 * Self.minute + 1)), now: t0)
            == [.checkAccount])
        #expect(machine(posts(1, .tiktok)).startedWith(credentials(.tiktok, refreshToken: "r"), now: t0) == [.checkAccount])

        var m = machine(posts(1, .tiktok))
        #expect(m.started(now: t0, credentials: credentials(.tiktok, token: "act.old", refreshToken: "rft.old", expiresAt: at(Self.minute)))
            == [.lockTokens])
        #expect(m.tokensLocked(stored: nil) == [.requestTokens(.tiktokGrant(refreshToken: "rft.old"))])
        let pair = Machine.IssuedTokens(accessToken: "act.new", accessTokenExpiresAt: at(2 * Self.hour), refreshToken: "rft.new", refreshTokenExpiresAt: nil)
        #expect(m.tokensIssued(pair) == [.storeTokens(pair, replacing: "rft.old")])
        #expect(m.tokensStored() == [.unlockTokens, .checkAccount])
        #expect(pace(&m, ready: t0, slot: t0) == call(posts(1, .tiktok), token: "act.new"))
        // Refreshed once this run already.
        #expect(m.callFailed(.tokenInvalid(Self.expired), now: t0).first == .loseAccount(status: .expired, message: "token expired: Session has expired"))
    }

    @Test func aTikTokTokenWithoutARefreshTokenIsUsedUntilThePlatformRefusesIt() {
        var m = machine(posts(1, .tiktok))
        #expect(m.started(now: t0, credentials: credentials(.tiktok, expiresAt: at(Self.minute))) == [.lockTokens])
        #expect(m.tokensLocked(stored: nil) == [.unlockTokens, .checkAccount])
        #expect(pace(&m, ready: t0, slot: t0) == call(posts(1, .tiktok)))
    }

    @Test func aTikTokTokenEndpointOutageBeforeTheFirstCallSitsTheAccountOut() {
        var m = machine(posts(3, .tiktok))
        _ = m.started(now: t0, credentials: credentials(.tiktok, refreshToken: "rft", expiresAt: t0))
        _ = m.tokensLocked(stored: nil)
        let outage = PlatformError(platform: .tiktok, kind: .rateLimited(scope: .app, retryAfterSeconds: nil, code: "rate_limit_exceeded"))
        let reason = "token refresh failed for now (\(outage)); retried next run"
        #expect(m.tokenRequestFailed(outage) == [
            .unlockTokens, .deferRest(reason: reason, pastDeadline: false), .progress(3), .finish(detail(.tiktok, skipped: 3, errors: ["Account a: \(reason)"])),
        ])
    }

    @Test func anInstagramTokenInItsLastWeekIsExtendedBeforeTheFirstCall() {
        let week = 7 * Self.day
        #expect(machine(posts(1)).startedWith(credentials(expiresAt: at(week)), now: t0) == [.lockTokens])
        #expect(machine(posts(1)).startedWith(credentials(expiresAt: at(1)), now: t0) == [.lockTokens])
        #expect(machine(posts(1)).startedWith(credentials(expiresAt: at(week + 1)), now: t0) == [.checkAccount])
        // Expired: it cannot be extended; the first call says so.
        #expect(machine(posts(1)).startedWith(credentials(expiresAt: t0), now: t0) == [.checkAccount])
        // Facebook Page tokens do not expire, and have nothing to be refreshed with.
        #expect(machine(posts(1, .facebook)).startedWith(credentials(.facebook, expiresAt: at(1)), now: t0) == [.checkAccount])

        var m = machine(posts(1))
        _ = m.started(now: t0, credentials: credentials(token: "IGAA-old", expiresAt: at(5 * Self.day)))
        #expect(m.tokensLocked(stored: credentials(token: "IGAA-old", expiresAt: at(5 * Self.day))) == [
            .requestTokens(.instagramExtension(accessToken: "IGAA-old")),
        ])
        let extended = Machine.IssuedTokens(accessToken: "IGAA-new", accessTokenExpiresAt: at(60 * Self.day))
        #expect(m.tokensIssued(extended) == [.storeTokens(extended, replacing: nil)])
        #expect(m.tokensStored() == [.unlockTokens, .checkAccount])
        #expect(pace(&m, ready: t0, slot: t0) == call(posts(1), token: "IGAA-new"))
    }

    @Test func aRefusedOrUnstoredInstagramExtensionKeepsTheCurrentToken() {
        var refused = machine(posts(1))
        _ = refused.started(now: t0, credentials: credentials(token: "IGAA-young", expiresAt: at(3 * Self.day)))
        _ = refused.tokensLocked(stored: nil)
        let young = PlatformError(platform: .instagram, kind: .invalidRequest(code: "190", message: "token too young"), httpStatus: 400)
        #expect(refused.tokenRequestFailed(young) == [.unlockTokens, .checkAccount])
        #expect(pace(&refused, ready: t0, slot: t0) == call(posts(1), token: "IGAA-young"))

        var unstored = machine(posts(1))
        _ = unstored.started(now: t0, credentials: credentials(token: "IGAA-old", expiresAt: at(3 * Self.day)))
        _ = unstored.tokensLocked(stored: nil)
        _ = unstored.tokensIssued(Machine.IssuedTokens(accessToken: "IGAA-new", accessTokenExpiresAt: at(60 * Self.day)))
        #expect(unstored.tokenStoreFailed("database is locked") == [.unlockTokens, .checkAccount])
        #expect(pace(&unstored, ready: t0, slot: t0) == call(posts(1), token: "IGAA-old"))
    }

    // MARK: Stopping

    @Test func aCancelledCallStopsTheDriveAndWhatWasFetchedIsSaved() {
        let media = posts(3)
        var m = machine(media)
        _ = m.started(now: t0, credentials: credentials())
        pace(&m, ready: t0, slot: t0)
        _ = m.callAnswered(["x1": metrics(views: 1)], now: at(100))
        pace(&m, ready: at(100), slot: at(100))
        #expect(m.callFailed(.cancelled, now: at(200)) == [.stop])
        #expect(m.interrupted() == [.flushDetached([fetched(media[0], views: 1, at: at(100), due: at(100 + Self.hourlyDue))])])
    }

    @Test func aStopDuringAWriteSavesWhatThatWriteCarried() {
        let media = posts(2)
        var m = machine(media) { $0.snapshotBatchSize = 1 }
        _ = m.started(now: t0, credentials: credentials())
        pace(&m, ready: t0, slot: t0)
        let first = fetched(media[0], views: 1, at: t0, due: at(Self.hourlyDue))
        #expect(m.callAnswered(["x1": metrics(views: 1)], now: t0) == [.progress(1), .flush([first])])
        #expect(m.interrupted() == [.flushDetached([first])])
    }

    @Test func aStopBeforeAnythingWasFetchedSavesNothing() {
        var m = machine(posts(2))
        _ = m.started(now: t0, credentials: credentials())
        #expect(m.interrupted() == [])

        var granting = machine(posts(1, .tiktok))
        _ = granting.started(now: t0, credentials: credentials(.tiktok, refreshToken: "rft", expiresAt: t0))
        _ = granting.tokensLocked(stored: nil)
        #expect(granting.tokenRequestFailed(PlatformError(platform: .tiktok, kind: .cancelled)) == [.stop])
        #expect(granting.interrupted() == [])
    }

    @Test func anAccountGoneFromTheStoreIsSkippedWhole() {
        var m = machine(posts(3))
        #expect(m.started(now: t0, credentials: nil) == [.progress(3), .finish(detail(skipped: 3))])
    }
}

extension AccountRefreshMachine {
    /// The first actions of a fresh machine.
    fileprivate func startedWith(_ credentials: AccountCredentials, now: Timestamp) -> [Action] {
        var machine = self
        return machine.started(now: now, credentials: credentials)
    }
}

/// Jitter values handed out in order (0 once they run out), and how many were asked for.
final class UnitRandoms: Sendable {
    private let state: Mutex<(values: [Double], used: Int)>

    init(_ values: [Double]) {
        state = Mutex((values, 0))
    }

    var next: @Sendable () -> Double {
        { [self] in
            state.withLock { state in
                defer { state.used += 1 }
                return state.used < state.values.count ? state.values[state.used] : 0
            }
        }
    }

    var used: Int { state.withLock { $0.used } }
}
