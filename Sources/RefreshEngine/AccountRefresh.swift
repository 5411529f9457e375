import MetricsCore
import MetricsStore
import PlatformClients

/// Refreshes one account's posts, one call at a time, each call paced by the limiter.
///
/// What it does with each kind of failure is the heart of the engine:
/// - rate limited: pause the app or the account (the limiter's gate) and retry the same call once the gate
///   opens, while the run's deadline allows; past it, the posts are counted as skipped (deferred);
/// - token expired: TikTok refreshes with the refresh grant (the rotated pair is committed before use) and
///   retries; otherwise the account is marked expired / needs_reconnect and its remaining posts are skipped
///   (an Instagram token is extended before that can happen: a week before it expires);
/// - unsupported (retired) metric: learn and persist it for that platform and media type, retry once;
/// - transient: retry with exponential backoff and jitter, bounded;
/// - anything else (permission, not found, malformed answer): recorded for that post, and the run goes on.
struct AccountRefresh {
    let accountId: String
    let posts: [MetricsStore.DuePost]
    let runId: Int64
    let deadline: Timestamp
    let context: EngineContext
    let advance: @Sendable (Int) -> Void

    /// Metric names that platforms have retired, for when a code-100 error does not name the culprit.
    static let knownRetired: Set<String> = [
        "impressions", "plays", "video_views", "engagement", "carousel_album_impressions", "carousel_album_reach",
        "carousel_album_engagement", "carousel_album_saved", "carousel_album_video_views", "exits", "taps_forward",
        "taps_back", "post_impressions", "post_impressions_unique",
    ]

    /// The outcome of one call for the posts it covered.
    private enum CallOutcome {
        case fetched([Snapshot], failures: [(MetricsStore.DuePost, RefreshFailureKind, String)], noData: [MetricsStore.DuePost])
        case failed(kind: RefreshFailureKind, message: String)
        case skipped(reason: String)
        case accountLost(status: AccountStatus, message: String)
    }

    private final class State: @unchecked Sendable {
        var accessToken: String
        var refreshToken: String?
        var tokenRefreshed = false
        var accountLost: String?
        var deferralNoted = false
        /// Attempts not yet written; written when `snapshotBatchSize` gather or a second has passed since the
        /// last write, and whatever happens to the run (a stop included), so a fetch paid for is never lost.
        var attempts: [MetricsStore.RefreshAttempt] = []
        var lastFlush: Timestamp
        /// The first `Detail.maximumErrorLines` error lines, and how many there were in all.
        var errors: [String] = []
        var errorCount = 0

        func note(_ line: String) {
            errorCount += 1
            if errors.count < RefreshReport.Detail.maximumErrorLines { errors.append(line) }
        }
        var processed = 0
        var updated = 0
        var skipped = 0
        var withoutData = 0

        init(accessToken: String, refreshToken: String?, now: Timestamp) {
            self.accessToken = accessToken
            self.refreshToken = refreshToken
            self.lastFlush = now
        }
    }

    func run() async throws -> RefreshReport.Detail {
        guard let first = posts.first else {
            // A run groups posts by account, so every account it refreshes has at least one.
            preconditionFailure("an account is refreshed only for the posts it has")
        }
        let platform = first.platform
        var detail = RefreshReport.Detail(
            platform: platform, workspaceId: first.workspaceId, accountId: accountId, postsProcessed: 0, metricsUpdated: 0,
            postsSkipped: 0, errors: [])
        guard let credentials = try await context.store.credentials(accountId: accountId) else {
            detail.postsSkipped = posts.count
            advance(posts.count)
            return detail
        }
        let state = State(accessToken: credentials.accessToken, refreshToken: credentials.refreshToken, now: context.clock.now)

        if let expiresAt = credentials.tokenExpiresAt {
            let now = context.clock.now
            switch platform {
            case .tiktok where expiresAt <= now.adding(milliseconds: context.configuration.tokenRefreshLeadMilliseconds):
                try await refreshToken(state, platform: platform)
            case .instagram where expiresAt > now
                && expiresAt <= now.adding(milliseconds: context.configuration.instagramTokenRefreshLeadMilliseconds):
                // An expired Instagram token cannot be extended; the first call says so and the account is marked.
                try await refreshToken(state, platform: platform)
            default:
                break
            }
        }

        let batches: [[MetricsStore.DuePost]] = platform == .tiktok
            ? stride(from: 0, to: posts.count, by: TikTokClient.maxVideoIDsPerQuery).map {
                Array(posts[$0..<min($0 + TikTokClient.maxVideoIDsPerQuery, posts.count)])
            }
            : posts.map { [$0] }

        do {
            for batch in batches {
                try Task.checkCancellation()
                if state.accountLost != nil {
                    state.skipped += batch.count
                    advance(batch.count)
                    continue
                }
                let outcome = try await fetch(batch, platform: platform, credentials: credentials, state: state)
                apply(outcome, batch: batch, platform: platform, state: state)
                advance(batch.count)
                let now = context.clock.now
                if state.attempts.count >= context.configuration.snapshotBatchSize
                    || now.milliseconds(since: state.lastFlush) >= context.configuration.flushIntervalMilliseconds
                {
                    try await flush(state)
                }
            }
            try await flush(state)
        } catch {
            // Stopped (shutdown, or every caller gone): what was fetched is written all the same, by a write the
            // cancellation cannot refuse.
            let (store, runId, attempts) = (context.store, runId, state.attempts)
            state.attempts = []
            if !attempts.isEmpty {
                try? await Task.detached { try await store.recordAttempts(runId: runId, attempts) }.value
            }
            throw error
        }

        detail.postsProcessed = state.processed
        detail.metricsUpdated = state.updated
        detail.postsSkipped = state.skipped
        detail.postsWithoutData = state.withoutData
        detail.errors = state.errors
        detail.errorCount = state.errorCount
        return detail
    }

    private func flush(_ state: State) async throws {
        state.lastFlush = context.clock.now
        guard !state.attempts.isEmpty else { return }
        let written = state.attempts
        state.attempts = []
        try await context.store.recordAttempts(runId: runId, written)
    }

    private func apply(_ outcome: CallOutcome, batch: [MetricsStore.DuePost], platform: Platform, state: State) {
        let now = context.clock.now
        switch outcome {
        case .fetched(let snapshots, let failures, let noData):
            state.processed += batch.count
            state.updated += snapshots.count
            state.withoutData += noData.count
            let byId = Dictionary(batch.map { ($0.postId, $0) }, uniquingKeysWith: { first, _ in first })
            let schedule = context.configuration.schedule
            for snapshot in snapshots {
                guard let post = byId[snapshot.postId] else { continue }
                let current = snapshot.values.mainCounter.map { VelocityRule.Reading(value: $0, at: snapshot.capturedAt) }
                state.attempts.append(MetricsStore.RefreshAttempt(
                    postId: post.postId, accountId: accountId, platform: platform, at: now, outcome: .fetched(snapshot),
                    nextDueAt: schedule.nextDue(afterSuccessAt: now, postedAt: post.postedAt, previous: post.lastReading, current: current)))
            }
            for post in noData {
                state.attempts.append(MetricsStore.RefreshAttempt(
                    postId: post.postId, accountId: accountId, platform: platform, at: now, outcome: .noData,
                    nextDueAt: schedule.nextDue(afterSuccessAt: now, postedAt: post.postedAt, previous: nil, current: nil)))
            }
            for (post, kind, message) in failures {
                record(post: post, kind: kind, message: message, platform: platform, at: now, state: state)
            }
        case .failed(let kind, let message):
            state.processed += batch.count
            for post in batch {
                record(post: post, kind: kind, message: message, platform: platform, at: now, state: state)
            }
        case .skipped(let reason):
            state.skipped += batch.count
            // One line per account, not per deferred batch: it is one cause, and errors count failures.
            if !state.deferralNoted {
                state.deferralNoted = true
                state.note("Account \(accountId): \(reason)")
            }
        case .accountLost(_, let message):
            state.skipped += batch.count
            state.note("Account \(accountId): \(message)")
        }
    }

    private func record(post: MetricsStore.DuePost, kind: RefreshFailureKind, message: String, platform: Platform, at: Timestamp, state: State) {
        state.note("Post \(post.postId): \(message)")
        let failures = post.consecutiveFailures + 1
        state.attempts.append(MetricsStore.RefreshAttempt(
            postId: post.postId, accountId: accountId, platform: platform, at: at, outcome: .failed(kind, message: message),
            nextDueAt: context.configuration.schedule.nextDue(afterFailureAt: at, postedAt: post.postedAt, consecutiveFailures: failures)))
    }

    // MARK: One call, with its retries

    private func fetch(
        _ batch: [MetricsStore.DuePost], platform: Platform, credentials: MetricsStore.AccountCredentials, state: State
    ) async throws -> CallOutcome {
        var transientRetries = 0
        var metricRetried = false
        while true {
            // Wait out this account's own pause and bucket first, taking nothing: only then take a slot from
            // the platform's bucket, so one paused account never holds the platform's other accounts back.
            let ready = await context.coordinator.earliestReady(platform: platform, accountId: accountId)
            if ready > deadline {
                return .skipped(reason: "rate limited until \(ready.iso8601), past this run's deadline; deferred to the next run")
            }
            try await context.clock.sleep(until: ready)
            let at = await context.coordinator.reserve(platform: platform, accountId: accountId)
            if at > deadline {
                return .skipped(reason: "rate limited until \(at.iso8601), past this run's deadline; deferred to the next run")
            }
            try await context.clock.sleep(until: at)
            let slots = context.callSlots[platform]
            try await slots?.wait()
            let outcome: Result<CallOutcome, PlatformError>
            do {
                outcome = .success(try await call(batch, platform: platform, credentials: credentials, state: state))
            } catch {
                outcome = .failure(error)
            }
            slots?.signal()
            do {
                return try outcome.get()
            } catch {
                await context.coordinator.observe(error.usage, platform: platform, accountId: accountId)
                switch error.kind {
                case .rateLimited(let scope, let retryAfter, let code):
                    context.logger.notice("rate limited; pausing", metadata: [
                        "account": "\(accountId)", "scope": "\(scope.rawValue)", "code": "\(code)",
                    ])
                    await context.coordinator.rateLimited(
                        scope: scope, retryAfterSeconds: retryAfter, platform: platform, accountId: accountId)
                    continue
                case .tokenInvalid(let failure):
                    if platform == .tiktok, failure.reason == .expired, !state.tokenRefreshed, state.refreshToken != nil {
                        if try await refreshToken(state, platform: platform) { continue }
                    }
                    if state.accountLost == nil {
                        let status: AccountStatus = failure.reason == .needsReconnect ? .needsReconnect : .expired
                        await loseAccount(status: status, message: "token \(status.rawValue): \(failure.message)", state: state)
                    }
                    return .accountLost(status: .expired, message: state.accountLost ?? "token rejected")
                case .unsupportedMetric(let names, let identified, let message):
                    let retired = identified ? names : names.filter(Self.knownRetired.contains)
                    guard !metricRetried, !retired.isEmpty else {
                        return .failed(kind: .unsupportedMetric, message: message)
                    }
                    metricRetried = true
                    let mediaType = Self.mediaTypeKey(batch.first)
                    let fresh = await context.coordinator.learnRetired(platform: platform, mediaType: mediaType, metrics: retired)
                    if !fresh.isEmpty {
                        context.logger.notice("platform retired metrics; dropping them", metadata: [
                            "platform": "\(platform.rawValue)", "mediaType": "\(mediaType)", "metrics": "\(fresh)",
                        ])
                        try? await context.store.rememberRetiredMetrics(platform: platform, mediaType: mediaType, metrics: fresh)
                    }
                    continue
                case .transient(_, let message):
                    guard let delay = context.configuration.backoff.delay(beforeRetry: transientRetries, unitRandom: context.random()) else {
                        return .failed(kind: .transient, message: "\(message) (gave up after \(transientRetries + 1) attempts)")
                    }
                    transientRetries += 1
                    try await context.clock.sleep(milliseconds: delay)
                    continue
                case .skipPost(let reason, _, let message):
                    let kind: RefreshFailureKind = switch reason {
                    case .permission: .permission
                    case .notFound: .notFound
                    case .notReturned: .notReturned
                    }
                    return .failed(kind: kind, message: message)
                case .malformed(let message):
                    return .failed(kind: .malformed, message: "malformed response: \(message)")
                case .invalidRequest(_, let message):
                    return .failed(kind: .invalidRequest, message: message)
                case .cancelled:
                    throw CancellationError()
                }
            }
        }
    }

    /// The key retired metrics are remembered under: Instagram's metric family, or "" for other platforms.
    static func mediaTypeKey(_ post: MetricsStore.DuePost?) -> String {
        guard let post, post.platform == .instagram else { return "" }
        return (post.mediaProductType ?? .feed).insightsFamily.rawValue
    }

    private func call(
        _ batch: [MetricsStore.DuePost], platform: Platform, credentials: MetricsStore.AccountCredentials, state: State
    ) async throws(PlatformError) -> CallOutcome {
        let token = state.accessToken
        switch platform {
        case .instagram:
            let post = batch[0]
            let excluded = await context.coordinator.retiredMetrics(platform: .instagram, mediaType: Self.mediaTypeKey(post))
            let response = try await context.clients.instagram.insights(
                mediaID: post.externalPostId, productType: post.mediaProductType ?? .feed, accessToken: token,
                options: InstagramMetricOptions(excluded: excluded), accountID: credentials.externalAccountId)
            await context.coordinator.observe(response.usage, platform: platform, accountId: accountId)
            if response.value.noDataYet {
                return .fetched([], failures: [], noData: [post])
            }
            return .fetched([snapshot(post, response.value)], failures: [], noData: [])
        case .facebook:
            let post = batch[0]
            let excluded = await context.coordinator.retiredMetrics(platform: .facebook, mediaType: "")
            let response = try await context.clients.facebook.postMetrics(
                postID: post.externalPostId, accessToken: token, pageID: credentials.externalAccountId, excludedMetrics: excluded)
            await context.coordinator.observe(response.usage, platform: platform, accountId: accountId)
            return .fetched([snapshot(post, response.value)], failures: [], noData: [])
        case .tiktok:
            let response = try await context.clients.tiktok.videoQuery(ids: batch.map(\.externalPostId), accessToken: token)
            let result = response.value
            var snapshots: [Snapshot] = []
            var failures: [(MetricsStore.DuePost, RefreshFailureKind, String)] = []
            for post in batch {
                if let metrics = result.metrics[post.externalPostId] {
                    snapshots.append(snapshot(post, metrics))
                } else {
                    failures.append((post, .notReturned,
                                     "TikTok did not return video \(post.externalPostId) (not this account's video, deleted, or a publish id)"))
                }
            }
            return .fetched(snapshots, failures: failures, noData: [])
        }
    }

    private func snapshot(_ post: MetricsStore.DuePost, _ metrics: PostMetrics) -> Snapshot {
        Snapshot(postId: post.postId, capturedAt: context.clock.now, values: metrics.values, metadata: metrics.metadata)
    }

    // MARK: Tokens

    /// Gets the account a fresh access token: TikTok's refresh grant, or Instagram's long-lived token
    /// extension. The new token is committed BEFORE it is used: TikTok's old refresh token is dead the moment
    /// TikTok answers, so a crash after this point must find the new one on disk.
    ///
    /// One refresh per account at a time, across runs: two overlapping runs (the schedule and a
    /// `refreshWorkspace`) would otherwise both spend the same refresh token, and the second would be refused
    /// and lose the account although the first stored a good pair. Whoever comes second uses that pair.
    @discardableResult
    private func refreshToken(_ state: State, platform: Platform) async throws -> Bool {
        state.tokenRefreshed = true
        let lock = await context.coordinator.tokenRefreshLock(accountId: accountId)
        try await lock.wait()
        defer { lock.signal() }
        let refreshed: Bool
        if let stored = try? await context.store.credentials(accountId: accountId), stored.status == .connected,
           stored.accessToken != state.accessToken
        {
            // Another run refreshed the token since this one read it.
            state.accessToken = stored.accessToken
            state.refreshToken = stored.refreshToken
            refreshed = true
        } else {
            switch platform {
            case .tiktok: refreshed = await rotateTikTokPair(state)
            case .instagram: refreshed = await extendInstagramToken(state)
            case .facebook: refreshed = false  // page tokens from a long-lived user token do not expire
            }
        }
        return refreshed
    }

    private func rotateTikTokPair(_ state: State) async -> Bool {
        guard let refreshToken = state.refreshToken else { return false }
        do {
            let pair = try await context.clients.tiktok.refreshToken(refreshToken).value
            try await commitTokens(
                accessToken: pair.accessToken, expiresAt: pair.accessTokenExpiresAt, refreshToken: pair.refreshToken,
                refreshTokenExpiresAt: pair.refreshTokenExpiresAt)
            state.accessToken = pair.accessToken
            state.refreshToken = pair.refreshToken
            context.logger.info("refreshed TikTok access token", metadata: ["account": "\(accountId)"])
            return true
        } catch let error as PlatformError {
            guard case .tokenInvalid(let failure) = error.kind else {
                // A 5xx, a timeout or a rate limit at the token endpoint says nothing about the refresh token:
                // the account stays connected, sits this run out, and is tried again next run.
                state.accountLost = "token refresh failed for now (\(error)); retried next run"
                context.logger.warning("TikTok token refresh failed; skipping the account this run", metadata: [
                    "account": "\(accountId)", "error": "\(error)",
                ])
                return false
            }
            let status: AccountStatus = failure.reason == .needsReconnect ? .needsReconnect : .expired
            await loseAccount(status: status, message: "token refresh failed: \(error)", state: state)
            return false
        } catch {
            // The platform rotated the pair but it could not be stored: stop using the account rather than
            // carry on with a refresh token that exists only in memory.
            context.logger.critical("could not store rotated TikTok tokens", metadata: ["account": "\(accountId)", "error": "\(error)"])
            await loseAccount(status: .needsReconnect, message: "rotated tokens could not be stored: \(error)", state: state)
            return false
        }
    }

    /// Instagram's old token keeps working until its own expiry, so a failed extension costs nothing now:
    /// the run goes on with the old token and the next run tries again, while a week of runs remains.
    private func extendInstagramToken(_ state: State) async -> Bool {
        do {
            let extended = try await context.clients.instagram.refreshLongLivedToken(state.accessToken).value
            try await commitTokens(
                accessToken: extended.accessToken, expiresAt: extended.expiresAt, refreshToken: nil, refreshTokenExpiresAt: nil)
            state.accessToken = extended.accessToken
            context.logger.info("extended Instagram access token", metadata: [
                "account": "\(accountId)", "expiresAt": "\(extended.expiresAt)",
            ])
            return true
        } catch {
            context.logger.warning("Instagram token extension failed; the current token is used until it expires", metadata: [
                "account": "\(accountId)", "error": "\(error)",
            ])
            return false
        }
    }

    /// Detached: GRDB refuses writes from a cancelled task, and a shutdown arriving now must not lose the only
    /// token that still works.
    private func commitTokens(
        accessToken: String, expiresAt: Timestamp?, refreshToken: String?, refreshTokenExpiresAt: Timestamp?
    ) async throws {
        let (store, accountId) = (context.store, accountId)
        try await Task.detached {
            try await store.rotateTokens(
                accountId: accountId, accessToken: accessToken, accessTokenExpiresAt: expiresAt,
                refreshToken: refreshToken, refreshTokenExpiresAt: refreshTokenExpiresAt)
        }.value
    }

    private func loseAccount(status: AccountStatus, message: String, state: State) async {
        state.accountLost = message
        context.logger.warning("account stops being refreshed", metadata: ["account": "\(accountId)", "status": "\(status.rawValue)"])
        try? await context.store.setAccountStatus(accountId: accountId, status: status, lastError: message)
    }
}
