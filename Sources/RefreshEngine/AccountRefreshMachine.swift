import MetricsCore
import PlatformClients
import StorageContract

/// The decisions of one account's refresh in a run, as a value: events in, actions out. No clock, no I/O, no
/// suspension: time comes in with the events and jitter through `unitRandom`, so every rule below is tested at
/// exact timestamps without HTTP (`AccountRefreshMachineTests`). `AccountRefresh` performs the actions.
///
/// The account's posts are called in batches, one call at a time: TikTok's video query takes 20 ids, Instagram
/// and Facebook one post per call (see the README: nothing is cheaper there). Each call:
/// - first waits out the account's own pause and bucket, taking nothing (`checkAccount`), and only then takes a
///   slot from the platform's bucket too (`reserve`), so one paused account never holds the platform's other
///   accounts back (`CallLimiter.earliestReady`);
/// - if either says a time past the run's deadline, the rest of the account is deferred to the next run: counted
///   skipped, one line in the report, nothing recorded against the posts (they stay due).
///
/// What each failure of a call does:
/// - rate limited: pause the app or the account (the coordinator's gate, for the time the platform asked or the
///   default) and make the same call again once the gate opens, while the deadline allows;
/// - token expired, on TikTok: the refresh grant, once per run, then the same call again; otherwise, or when the
///   grant is refused, the account is lost — `expired`, or `needsReconnect` when the platform says the user must
///   reconnect — and its remaining posts are skipped;
/// - unsupported (retired) metric: learn it for that platform and media type (the coordinator, and the store for
///   the next daemon), and make the call again once, without it; a refusal naming no metric known to be retired
///   is recorded as it is, without guessing;
/// - transient: `RefreshConfiguration.backoff` (jittered), then recorded as `transient`;
/// - permission, not found, not returned, malformed, invalid request: recorded for the post; the run goes on.
/// An Instagram post the platform has no numbers for yet (`{"data":[]}`) is processed, counted as without data,
/// and due again on its band's interval; it is neither updated nor failed.
///
/// Tokens. Before the first call, a TikTok access token expiring within `tokenRefreshLeadMilliseconds` is
/// refreshed, and an Instagram token expiring within `instagramTokenRefreshLeadMilliseconds` extended (an expired
/// one cannot be: the first call says so and loses the account). One refresh per account at a time across runs
/// (`lockTokens`): whoever comes second finds a different connected token in the store and uses it instead of
/// spending the rotated refresh token again. A new token is stored before it is used — TikTok's old refresh token
/// is dead once TikTok answers — and a rotated pair that cannot be stored loses the account (`needsReconnect`)
/// rather than carry on with a refresh token held only in memory. A TikTok token endpoint that fails for now
/// (5xx, timeout, rate limit) says nothing about the refresh token: the account sits this run out, still
/// connected. A refused Instagram extension costs nothing now: the old token works until its own expiry, and the
/// next run tries again.
///
/// Writes. Every attempt is kept with its next due time (`RefreshSchedule`) and written in one transaction
/// when `snapshotBatchSize` have gathered or `flushIntervalMilliseconds` have passed since the last write, at the
/// end, and — when the drive is interrupted (a stop) — by a write cancellation cannot refuse, so a fetch paid for
/// is never lost.
///
/// Driving it: each event returns the actions to perform, in order. Only the last of them may wait for an
/// answer, and then the next event must be that answer: `checkAccount` and `reserve` → `readyAt`, `wait` →
/// `timePassed`, `call` → `callAnswered` or `callFailed`, `lockTokens` → `tokensLocked`, `requestTokens` →
/// `tokensIssued` or `tokenRequestFailed`, `storeTokens` → `tokensStored`, `tokensSuperseded` or `tokenStoreFailed`, `flush` →
/// `flushed`. The account is done at `finish`. When performing throws (cancellation, a store that fails), the
/// owner asks `interrupted()` what to save before it rethrows.
struct AccountRefreshMachine {
    enum Action: Equatable {
        /// Ask the limiter when this account could call next, taking nothing; answer `readyAt`.
        case checkAccount
        /// Reserve the call's slot in the platform's and the account's buckets; answer `readyAt`.
        case reserve
        /// Sleep until then; answer `timePassed`.
        case wait(until: Timestamp)
        /// Make this call; answer `callAnswered` or `callFailed`.
        case call(Call)
        /// Close the gate of the app or of this account for the time the platform asked (or the default).
        case pause(scope: PlatformError.RateLimitScope, retryAfterSeconds: Int?, code: String)
        /// Remember these metrics as retired for this platform and media type, in the coordinator and the store.
        case learnRetired(mediaType: String, metrics: [String])
        /// Take the account's token-refresh lock and read its stored credentials; answer `tokensLocked`.
        case lockTokens
        /// Ask the platform for a new token; answer `tokensIssued` or `tokenRequestFailed`.
        case requestTokens(TokenRequest)
        /// Store these tokens by a write cancellation cannot refuse, if the account's refresh token is still the one
        /// the request spent (a compare-and-swap: several daemons may share the account's row); answer `tokensStored`,
        /// `tokensSuperseded` (with what the store holds) or `tokenStoreFailed`.
        case storeTokens(IssuedTokens, replacing: String?)
        /// Release the token-refresh lock.
        case unlockTokens
        /// Mark the account so no run calls it again until it is registered with a fresh token.
        case loseAccount(status: AccountStatus, message: String)
        /// The account's remaining posts wait for the next run (they are counted skipped); for the log, and counted
        /// (`metricsd_refresh_deadline_deferrals_total`) when the run's deadline is why.
        case deferRest(reason: String, pastDeadline: Bool)
        /// This many more of the run's posts are done (processed or skipped).
        case progress(Int)
        /// Write these attempts in one transaction; answer `flushed`.
        case flush([RefreshAttempt])
        /// Write these attempts by a write cancellation cannot refuse: the drive is being abandoned.
        case flushDetached([RefreshAttempt])
        /// The task was cancelled while a platform call was in flight: stop (throw `CancellationError`).
        case stop
        /// The account is done.
        case finish(RefreshReport.Detail)
    }

    /// One platform call: a batch of the account's posts and everything needed to ask for them.
    struct Call: Hashable {
        var platform: Platform
        var posts: [DuePost]
        var accessToken: String
        /// The account's id on the platform (Instagram's user, Facebook's Page), for the usage headers.
        var externalAccountId: String
        /// Where the metrics known to be retired for these posts are kept (`retiredMetricsKey`).
        var retiredMetricsKey: String
    }

    enum TokenRequest: Hashable {
        /// TikTok's refresh grant. The refresh token sent is dead the moment TikTok answers.
        case tiktokGrant(refreshToken: String)
        /// Instagram's long-lived token extension (only for a token a day old or more, not yet expired).
        case instagramExtension(accessToken: String)
    }

    /// A new token from the platform, as the store keeps it.
    struct IssuedTokens: Hashable {
        var accessToken: String
        var accessTokenExpiresAt: Timestamp?
        /// TikTok's rotated refresh token; nil keeps the stored one (Instagram has none).
        var refreshToken: String?
        var refreshTokenExpiresAt: Timestamp?

        init(accessToken: String, accessTokenExpiresAt: Timestamp?, refreshToken: String? = nil, refreshTokenExpiresAt: Timestamp? = nil) {
            self.accessToken = accessToken
            self.accessTokenExpiresAt = accessTokenExpiresAt
            self.refreshToken = refreshToken
            self.refreshTokenExpiresAt = refreshTokenExpiresAt
        }

        init(_ pair: TikTokTokenPair) {
            self.init(
                accessToken: pair.accessToken, accessTokenExpiresAt: pair.accessTokenExpiresAt, refreshToken: pair.refreshToken,
                refreshTokenExpiresAt: pair.refreshTokenExpiresAt)
        }

        init(_ extended: RefreshedAccessToken) {
            self.init(accessToken: extended.accessToken, accessTokenExpiresAt: extended.expiresAt)
        }
    }

    /// Metric names that platforms have retired, for when a code-100 error does not name the culprit.
    static let knownRetired: Set<String> = [
        "impressions", "plays", "video_views", "engagement", "carousel_album_impressions", "carousel_album_reach",
        "carousel_album_engagement", "carousel_album_saved", "carousel_album_video_views", "exits", "taps_forward",
        "taps_back", "post_impressions", "post_impressions_unique",
    ]

    /// The key retired metrics are remembered under: Instagram's metric family, or "" for other platforms.
    static func retiredMetricsKey(_ post: DuePost) -> String {
        guard post.platform == .instagram else { return "" }
        return (post.mediaProductType ?? .feed).insightsFamily.rawValue
    }

    // MARK: State

    /// Why the token is being refreshed, which decides what a refresh that brings no new token means.
    private enum TokenRefreshCause: Hashable {
        /// Before the first call: the token expires soon, and still works until then.
        case expiringSoon
        /// TikTok rejected the token as expired: without a new one the account is lost.
        case rejected(PlatformError.TokenFailure)
    }

    /// What the machine waits for: the answer to the last action it returned.
    private enum State: Hashable {
        case notStarted
        case checkingAccount
        case waitingForAccount
        case reserving
        case waitingForSlot
        case calling
        case backingOff
        case lockingTokens(TokenRefreshCause)
        case requestingTokens(TokenRefreshCause)
        case storingTokens(IssuedTokens, TokenRefreshCause)
        case flushing([RefreshAttempt])
        /// `stop` was returned: only `interrupted()` is expected.
        case stopping
        case finished
    }

    let accountId: String
    let platform: Platform
    let workspaceId: String
    private let deadline: Timestamp
    private let configuration: RefreshConfiguration
    private let unitRandom: @Sendable () -> Double
    private var state = State.notStarted

    private let batches: [[DuePost]]
    /// The batch being called; `batches.count` once none is left.
    private var current = 0
    /// Retries of the current batch after transient failures.
    private var transientRetries = 0
    /// Whether the current batch was already retried without retired metrics.
    private var retriedWithoutRetired = false

    private var accessToken = ""
    private var refreshToken: String?
    private var externalAccountId = ""
    /// At most one refresh per account and run: a token refused right after a refresh is not refreshed again.
    private var tokenRefreshTried = false

    /// Attempts not yet handed to `flush`.
    private var attempts: [RefreshAttempt] = []
    private var lastFlush = Timestamp(milliseconds: 0)

    private var processed = 0
    private var updated = 0
    private var withoutData = 0
    private var skipped = 0
    /// The first `Detail.maximumErrorLines` error lines, and how many there were in all.
    private var errorLines: [String] = []
    private var errorCount = 0

    /// - Parameters:
    ///   - posts: the account's posts in the run, at least one (a run groups posts by account).
    ///   - unitRandom: a number in [0, 1) for the backoff's jitter.
    init(
        accountId: String, posts: [DuePost], deadline: Timestamp, configuration: RefreshConfiguration,
        unitRandom: @escaping @Sendable () -> Double
    ) {
        guard let first = posts.first else {
            preconditionFailure("an account is refreshed only for the posts it has")
        }
        self.accountId = accountId
        self.platform = first.platform
        self.workspaceId = first.workspaceId
        self.deadline = deadline
        self.configuration = configuration
        self.unitRandom = unitRandom
        let size = first.platform == .tiktok ? TikTokClient.maxVideoIDsPerQuery : 1
        batches = stride(from: 0, to: posts.count, by: size).map { Array(posts[$0..<min($0 + size, posts.count)]) }
    }

    /// The report so far (final once `finish` is returned).
    var detail: RefreshReport.Detail {
        RefreshReport.Detail(
            platform: platform, workspaceId: workspaceId, accountId: accountId, postsProcessed: processed, metricsUpdated: updated,
            postsSkipped: skipped, postsWithoutData: withoutData, errors: errorLines, errorCount: errorCount)
    }

    // MARK: Events

    /// The drive begins with the account's stored credentials (nil: the account is gone from the store).
    mutating func started(now: Timestamp, credentials: AccountCredentials?) -> [Action] {
        expect(.notStarted, "started")
        lastFlush = now
        guard let credentials else {
            // Removed between planning and now: nothing to call with, and nothing failed.
            let count = remainingPosts
            skipped += count
            current = batches.count
            return [.progress(count)] + finishing()
        }
        accessToken = credentials.accessToken
        refreshToken = credentials.refreshToken
        externalAccountId = credentials.externalAccountId
        if let expiresAt = credentials.tokenExpiresAt, refreshesBeforeFirstCall(expiresAt: expiresAt, now: now) {
            tokenRefreshTried = true
            state = .lockingTokens(.expiringSoon)
            return [.lockTokens]
        }
        return nextCall()
    }

    /// The limiter's answer to `checkAccount` or `reserve`.
    mutating func readyAt(_ at: Timestamp) -> [Action] {
        switch state {
        case .checkingAccount:
            if at > deadline { return deferRest(until: at) }
            state = .waitingForAccount
        case .reserving:
            if at > deadline { return deferRest(until: at) }
            state = .waitingForSlot
        default:
            preconditionFailure("readyAt(\(at)) while \(state)")
        }
        return [.wait(until: at)]
    }

    /// The time asked for by `wait` has come.
    mutating func timePassed() -> [Action] {
        switch state {
        case .waitingForAccount:
            state = .reserving
            return [.reserve]
        case .waitingForSlot:
            state = .calling
            return [.call(Call(
                platform: platform, posts: batches[current], accessToken: accessToken, externalAccountId: externalAccountId,
                retiredMetricsKey: Self.retiredMetricsKey(batches[current][0])))]
        case .backingOff:
            return nextCall()
        default:
            preconditionFailure("timePassed while \(state)")
        }
    }

    /// The call answered at `now` with the numbers of the posts it returned, by external post id.
    mutating func callAnswered(_ metrics: [String: PostMetrics], now: Timestamp) -> [Action] {
        expect(.calling, "callAnswered")
        let batch = batches[current]
        processed += batch.count
        var fetched: [(DuePost, Snapshot)] = []
        var noData: [DuePost] = []
        var missing: [DuePost] = []
        for post in batch {
            guard let answer = metrics[post.externalPostId] else {
                missing.append(post)
                continue
            }
            // Facebook answers counts (reactions, comments, shares) beside its insights, so only Instagram's empty
            // answer is no data at all.
            if platform == .instagram, answer.noDataYet {
                noData.append(post)
            } else {
                fetched.append((post, Snapshot(postId: post.postId, capturedAt: now, values: answer.values, metadata: answer.metadata)))
            }
        }
        updated += fetched.count
        withoutData += noData.count
        let schedule = configuration.schedule
        for (post, snapshot) in fetched {
            let reading = snapshot.values.mainCounter.map { VelocityRule.Reading(value: $0, at: snapshot.capturedAt) }
            attempts.append(RefreshAttempt(
                postId: post.postId, accountId: accountId, platform: platform, at: now, outcome: .fetched(snapshot),
                nextDueAt: schedule.nextDue(afterSuccessAt: now, postedAt: post.postedAt, previous: post.lastReading, current: reading)))
        }
        for post in noData {
            attempts.append(RefreshAttempt(
                postId: post.postId, accountId: accountId, platform: platform, at: now, outcome: .noData,
                nextDueAt: schedule.nextDue(afterSuccessAt: now, postedAt: post.postedAt, previous: nil, current: nil)))
        }
        for post in missing {
            let message = platform == .tiktok
                ? "TikTok did not return video \(post.externalPostId) (not this account's video, deleted, or a publish id)"
                : "\(platform.displayName) did not return post \(post.externalPostId)"
            record(post, .notReturned, message: message, at: now)
        }
        return batchDone(now: now)
    }

    /// The call failed at `now`, as the platform client classified it.
    mutating func callFailed(_ failure: PlatformError.Kind, now: Timestamp) -> [Action] {
        expect(.calling, "callFailed")
        switch failure {
        case .rateLimited(let scope, let retryAfterSeconds, let code):
            return [.pause(scope: scope, retryAfterSeconds: retryAfterSeconds, code: code)] + nextCall()
        case .tokenInvalid(let token):
            if platform == .tiktok, token.reason == .expired, !tokenRefreshTried, refreshToken != nil {
                tokenRefreshTried = true
                state = .lockingTokens(.rejected(token))
                return [.lockTokens]
            }
            return loseAccount(rejected: token)
        case .unsupportedMetric(let names, let identified, let message):
            let retired = identified ? names : names.filter(Self.knownRetired.contains)
            guard !retriedWithoutRetired, !retired.isEmpty else {
                return failBatch(.unsupportedMetric, message: message, at: now)
            }
            retriedWithoutRetired = true
            return [.learnRetired(mediaType: Self.retiredMetricsKey(batches[current][0]), metrics: retired)] + nextCall()
        case .transient(_, let message):
            guard let delay = configuration.backoff.delay(beforeRetry: transientRetries, unitRandom: unitRandom()) else {
                return failBatch(.transient, message: "\(message) (gave up after \(transientRetries + 1) attempts)", at: now)
            }
            transientRetries += 1
            state = .backingOff
            return [.wait(until: now.adding(milliseconds: delay))]
        case .skipPost(let reason, _, let message):
            let kind: RefreshFailureKind = switch reason {
            case .permission: .permission
            case .notFound: .notFound
            case .notReturned: .notReturned
            }
            return failBatch(kind, message: message, at: now)
        case .malformed(let message):
            return failBatch(.malformed, message: "malformed response: \(message)", at: now)
        case .invalidRequest(_, let message):
            return failBatch(.invalidRequest, message: message, at: now)
        case .cancelled:
            state = .stopping
            return [.stop]
        }
    }

    /// The token-refresh lock is held; `stored` is what the store holds now (nil if it could not be read).
    mutating func tokensLocked(stored: AccountCredentials?) -> [Action] {
        guard case .lockingTokens(let cause) = state else { preconditionFailure("tokensLocked while \(state)") }
        if let stored, stored.status == .connected, stored.accessToken != accessToken {
            // Another run refreshed the token since this one read it: its pair is the one that works now.
            accessToken = stored.accessToken
            refreshToken = stored.refreshToken
            return [.unlockTokens] + nextCall()
        }
        let request: TokenRequest
        switch platform {
        case .tiktok:
            guard let refreshToken else { return [.unlockTokens] + noNewToken(cause) }
            request = .tiktokGrant(refreshToken: refreshToken)
        case .instagram:
            request = .instagramExtension(accessToken: accessToken)
        case .facebook:
            // Page tokens from a long-lived user token do not expire; there is nothing to refresh them with.
            return [.unlockTokens] + noNewToken(cause)
        }
        state = .requestingTokens(cause)
        return [.requestTokens(request)]
    }

    /// The platform issued a new token: it is stored before it is used.
    mutating func tokensIssued(_ tokens: IssuedTokens) -> [Action] {
        guard case .requestingTokens(let cause) = state else { preconditionFailure("tokensIssued while \(state)") }
        state = .storingTokens(tokens, cause)
        return [.storeTokens(tokens, replacing: refreshToken)]
    }

    /// The platform refused, or could not be asked, for a new token.
    mutating func tokenRequestFailed(_ error: PlatformError) -> [Action] {
        guard case .requestingTokens(let cause) = state else { preconditionFailure("tokenRequestFailed while \(state)") }
        if case .cancelled = error.kind {
            state = .stopping
            return [.stop]
        }
        switch platform {
        case .tiktok:
            guard case .tokenInvalid(let token) = error.kind else {
                // A 5xx, a timeout or a rate limit at the token endpoint says nothing about the refresh token.
                return [.unlockTokens] + deferRest(reason: "token refresh failed for now (\(error)); retried next run")
            }
            let status: AccountStatus = token.reason == .needsReconnect ? .needsReconnect : .expired
            return [.loseAccount(status: status, message: "token refresh failed: \(error)"), .unlockTokens]
                + skipRest(line: "token refresh failed: \(error)")
        case .instagram, .facebook:
            return [.unlockTokens] + noNewToken(cause)
        }
    }

    /// The new tokens are stored: from now on they are the ones used.
    mutating func tokensStored() -> [Action] {
        guard case .storingTokens(let tokens, _) = state else { preconditionFailure("tokensStored while \(state)") }
        accessToken = tokens.accessToken
        if let rotated = tokens.refreshToken { refreshToken = rotated }
        return [.unlockTokens] + nextCall()
    }

    /// The store refused the new tokens: another refresh (another daemon whose hold on the account lapsed, or a
    /// reconnect) stored a newer pair since this one's request spent the old refresh token. The stored pair is the
    /// live one; the one issued here is dropped.
    mutating func tokensSuperseded(stored: AccountCredentials?) -> [Action] {
        guard case .storingTokens = state else { preconditionFailure("tokensSuperseded while \(state)") }
        guard let stored, stored.status == .connected else {
            return [.unlockTokens] + deferRest(reason: "newer tokens were stored for the account meanwhile, and it is no longer connected")
        }
        accessToken = stored.accessToken
        refreshToken = stored.refreshToken
        return [.unlockTokens] + nextCall()
    }

    /// The new tokens could not be stored.
    mutating func tokenStoreFailed(_ message: String) -> [Action] {
        guard case .storingTokens(_, let cause) = state else { preconditionFailure("tokenStoreFailed while \(state)") }
        guard platform == .tiktok else {
            // Instagram's old token still works: carry on with it.
            return [.unlockTokens] + noNewToken(cause)
        }
        // TikTok rotated the pair, so the stored refresh token is dead, and the new one exists only in memory.
        let line = "rotated tokens could not be stored: \(message)"
        return [.loseAccount(status: .needsReconnect, message: line), .unlockTokens] + skipRest(line: line)
    }

    /// The attempts handed to `flush` are written.
    mutating func flushed() -> [Action] {
        guard case .flushing = state else { preconditionFailure("flushed while \(state)") }
        return current < batches.count ? nextCall() : finishing()
    }

    /// Performing an action threw (a stop, or a store that fails): what was fetched and not yet written.
    mutating func interrupted() -> [Action] {
        var unwritten = attempts
        if case .flushing(let inFlight) = state { unwritten = inFlight + unwritten }
        attempts = []
        state = .finished
        return unwritten.isEmpty ? [] : [.flushDetached(unwritten)]
    }

    // MARK: Steps

    private func refreshesBeforeFirstCall(expiresAt: Timestamp, now: Timestamp) -> Bool {
        switch platform {
        case .tiktok:
            expiresAt <= now.adding(milliseconds: configuration.tokenRefreshLeadMilliseconds)
        case .instagram:
            // An expired Instagram token cannot be extended: the first call says so and the account is lost.
            expiresAt > now && expiresAt <= now.adding(milliseconds: configuration.instagramTokenRefreshLeadMilliseconds)
        case .facebook:
            false
        }
    }

    private var remainingPosts: Int {
        batches[current...].reduce(0) { $0 + $1.count }
    }

    private mutating func nextCall() -> [Action] {
        state = .checkingAccount
        return [.checkAccount]
    }

    /// A refresh brought no new token: before the first call the old one still works; after a rejection the
    /// account is lost.
    private mutating func noNewToken(_ cause: TokenRefreshCause) -> [Action] {
        switch cause {
        case .expiringSoon: nextCall()
        case .rejected(let token): loseAccount(rejected: token)
        }
    }

    private mutating func loseAccount(rejected token: PlatformError.TokenFailure) -> [Action] {
        let status: AccountStatus = token.reason == .needsReconnect ? .needsReconnect : .expired
        let line = "token \(status.rawValue): \(token.message)"
        return [.loseAccount(status: status, message: line)] + skipRest(line: line)
    }

    private mutating func deferRest(until: Timestamp) -> [Action] {
        deferRest(reason: "rate limited until \(until.iso8601), past this run's deadline; deferred to the next run", pastDeadline: true)
    }

    private mutating func deferRest(reason: String, pastDeadline: Bool = false) -> [Action] {
        [.deferRest(reason: reason, pastDeadline: pastDeadline)] + skipRest(line: reason)
    }

    /// Skips the current batch and all after it, with one line for the account: it is one cause.
    private mutating func skipRest(line: String) -> [Action] {
        let count = remainingPosts
        skipped += count
        current = batches.count
        note("Account \(accountId): \(line)")
        return [.progress(count)] + finishing()
    }

    private mutating func failBatch(_ kind: RefreshFailureKind, message: String, at now: Timestamp) -> [Action] {
        let batch = batches[current]
        processed += batch.count
        for post in batch {
            record(post, kind, message: message, at: now)
        }
        return batchDone(now: now)
    }

    private mutating func record(_ post: DuePost, _ kind: RefreshFailureKind, message: String, at now: Timestamp) {
        note("Post \(post.postId): \(message)")
        attempts.append(RefreshAttempt(
            postId: post.postId, accountId: accountId, platform: platform, at: now, outcome: .failed(kind, message: message),
            nextDueAt: configuration.schedule.nextDue(
                afterFailureAt: now, postedAt: post.postedAt, consecutiveFailures: post.consecutiveFailures + 1)))
    }

    /// The current batch is processed: on to the next, writing first when enough has gathered or enough time passed.
    private mutating func batchDone(now: Timestamp) -> [Action] {
        let count = batches[current].count
        current += 1
        transientRetries = 0
        retriedWithoutRetired = false
        var actions: [Action] = [.progress(count)]
        if attempts.count >= configuration.snapshotBatchSize
            || now.milliseconds(since: lastFlush) >= configuration.flushIntervalMilliseconds
        {
            lastFlush = now
            if !attempts.isEmpty {
                actions.append(flush())
                return actions
            }
        }
        return actions + (current < batches.count ? nextCall() : finishing())
    }

    private mutating func finishing() -> [Action] {
        if !attempts.isEmpty { return [flush()] }
        state = .finished
        return [.finish(detail)]
    }

    private mutating func flush() -> Action {
        let written = attempts
        attempts = []
        state = .flushing(written)
        return .flush(written)
    }

    private mutating func note(_ line: String) {
        errorCount += 1
        if errorLines.count < RefreshReport.Detail.maximumErrorLines { errorLines.append(line) }
    }

    private func expect(_ expected: State, _ event: String) {
        precondition(state == expected, "\(event) while \(state)")
    }
}
