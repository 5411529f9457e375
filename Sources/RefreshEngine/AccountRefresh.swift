import MetricsCore
import PlatformClients
import StorageContract

/// Refreshes one account's posts in a run: performs what `AccountRefreshMachine` decides — sleeps on the
/// engine's clock, asks the coordinator, calls the platform, writes to the store — and tells the machine what
/// came of it. It decides nothing: the rules (pacing, retries, tokens, deadlines, writes) are the machine's.
struct AccountRefresh {
    typealias Action = AccountRefreshMachine.Action

    let accountId: String
    let posts: [DuePost]
    let runId: Int64
    let deadline: Timestamp
    let context: EngineContext
    let advance: @Sendable (Int) -> Void

    func run() async throws -> RefreshReport.Detail {
        var machine = AccountRefreshMachine(
            accountId: accountId, posts: posts, deadline: deadline, configuration: context.configuration, unitRandom: context.random)
        let credentials = try await context.store.credentials(accountId: accountId)
        var actions = machine.started(now: context.clock.now, credentials: credentials)
        // Held from `lockTokens` to `unlockTokens`, and released however the drive ends.
        var tokenLock: AsyncSemaphore?
        defer { tokenLock?.signal() }
        do {
            while !actions.isEmpty {
                let action = actions.removeFirst()
                if case .finish(let detail) = action { return detail }
                actions += try await perform(action, machine: &machine, tokenLock: &tokenLock)
            }
            preconditionFailure("the machine ends every drive with finish")
        } catch {
            // Stopped (shutdown, or every caller gone), or the store failed: what was fetched is saved all the same.
            for action in machine.interrupted() {
                _ = try? await perform(action, machine: &machine, tokenLock: &tokenLock)
            }
            throw error
        }
    }

    /// Performs one action and returns the machine's answer to what came of it (nothing, for actions that ask none).
    private func perform(_ action: Action, machine: inout AccountRefreshMachine, tokenLock: inout AsyncSemaphore?) async throws
        -> [Action]
    {
        let platform = machine.platform
        switch action {
        case .checkAccount:
            return machine.readyAt(await context.coordinator.earliestReady(platform: platform, accountId: accountId))
        case .reserve:
            return machine.readyAt(await context.coordinator.reserve(platform: platform, accountId: accountId))
        case .wait(let until):
            try await context.clock.sleep(until: until)
            return machine.timePassed()
        case .call(let call):
            try Task.checkCancellation()
            let slots = context.callSlots[platform]
            try await slots?.wait()
            let result: Result<[String: PostMetrics], PlatformError>
            do {
                result = .success(try await self.call(call))
            } catch {
                result = .failure(error)
            }
            slots?.signal()
            switch result {
            case .success(let metrics):
                return machine.callAnswered(metrics, now: context.clock.now)
            case .failure(let error):
                await context.coordinator.observe(error.usage, platform: platform, accountId: accountId)
                return machine.callFailed(error.kind, now: context.clock.now)
            }
        case .pause(let scope, let retryAfterSeconds, let code):
            context.logger.notice("rate limited; pausing", metadata: [
                "account": "\(accountId)", "scope": "\(scope.rawValue)", "code": "\(code)",
            ])
            await context.coordinator.rateLimited(scope: scope, retryAfterSeconds: retryAfterSeconds, platform: platform, accountId: accountId)
            return []
        case .learnRetired(let mediaType, let metrics):
            let fresh = await context.coordinator.learnRetired(platform: platform, mediaType: mediaType, metrics: metrics)
            if !fresh.isEmpty {
                context.logger.notice("platform retired metrics; dropping them", metadata: [
                    "platform": "\(platform.rawValue)", "mediaType": "\(mediaType)", "metrics": "\(fresh)",
                ])
                try? await context.store.rememberRetiredMetrics(platform: platform, mediaType: mediaType, metrics: fresh)
            }
            return []
        case .lockTokens:
            try Task.checkCancellation()
            let lock = await context.coordinator.tokenRefreshLock(accountId: accountId)
            try await lock.wait()
            tokenLock = lock
            let stored = try? await context.store.credentials(accountId: accountId)
            return machine.tokensLocked(stored: stored ?? nil)
        case .requestTokens(let request):
            return await requestTokens(request, machine: &machine)
        case .storeTokens(let tokens, let previousRefreshToken):
            return await storeTokens(tokens, replacing: previousRefreshToken, machine: &machine)
        case .unlockTokens:
            tokenLock?.signal()
            tokenLock = nil
            return []
        case .loseAccount(let status, let message):
            context.logger.warning("account stops being refreshed", metadata: ["account": "\(accountId)", "status": "\(status.rawValue)"])
            do {
                try await context.store.setAccountStatus(accountId: accountId, status: status, lastError: message)
            } catch {
                // Not fatal to the run, but the account's status is what the studio acts on: say it was not kept.
                context.logger.error("could not record the account's status", metadata: [
                    "account": "\(accountId)", "status": "\(status.rawValue)", "error": "\(failureSentence(error))",
                ])
            }
            return []
        case .deferRest(let reason, let pastDeadline):
            if pastDeadline { context.telemetry.deferredPastDeadline() }
            context.logger.notice("account's remaining posts deferred to the next run", metadata: [
                "account": "\(accountId)", "reason": "\(reason)",
            ])
            return []
        case .progress(let count):
            advance(count)
            return []
        case .flush(let attempts):
            try await context.store.recordAttempts(runId: runId, attempts)
            return machine.flushed()
        case .flushDetached(let attempts):
            // GRDB refuses writes from a cancelled task; a detached one is not cancelled.
            let (store, runId) = (context.store, runId)
            _ = try await Task.detached { try await store.recordAttempts(runId: runId, attempts) }.value
            return []
        case .stop:
            throw CancellationError()
        case .finish:
            preconditionFailure("finish ends the drive before it is performed")
        }
    }

    /// The platform call for one batch: the numbers it returned, by external post id.
    private func call(_ call: AccountRefreshMachine.Call) async throws(PlatformError) -> [String: PostMetrics] {
        switch call.platform {
        case .instagram:
            let post = call.posts[0]
            let excluded = await context.coordinator.retiredMetrics(platform: .instagram, mediaType: call.retiredMetricsKey)
            let response = try await context.clients.instagram.insights(
                mediaID: post.externalPostId, productType: post.mediaProductType ?? .feed, accessToken: call.accessToken,
                options: InstagramMetricOptions(excluded: excluded), accountID: call.externalAccountId)
            await context.coordinator.observe(response.usage, platform: .instagram, accountId: accountId)
            return [post.externalPostId: response.value]
        case .facebook:
            let post = call.posts[0]
            let excluded = await context.coordinator.retiredMetrics(platform: .facebook, mediaType: call.retiredMetricsKey)
            let response = try await context.clients.facebook.postMetrics(
                postID: post.externalPostId, accessToken: call.accessToken, pageID: call.externalAccountId, excludedMetrics: excluded)
            await context.coordinator.observe(response.usage, platform: .facebook, accountId: accountId)
            return [post.externalPostId: response.value]
        case .tiktok:
            let response = try await context.clients.tiktok.videoQuery(ids: call.posts.map(\.externalPostId), accessToken: call.accessToken)
            return response.value.metrics
        }
    }

    private func requestTokens(_ request: AccountRefreshMachine.TokenRequest, machine: inout AccountRefreshMachine) async -> [Action] {
        do {
            switch request {
            case .tiktokGrant(let refreshToken):
                let pair = try await context.clients.tiktok.refreshToken(refreshToken).value
                return machine.tokensIssued(AccountRefreshMachine.IssuedTokens(pair))
            case .instagramExtension(let accessToken):
                let extended = try await context.clients.instagram.refreshLongLivedToken(accessToken).value
                return machine.tokensIssued(AccountRefreshMachine.IssuedTokens(extended))
            }
        } catch {
            context.logger.warning("token refresh failed", metadata: [
                "account": "\(accountId)", "platform": "\(machine.platform.rawValue)", "error": "\(failureSentence(error))",
            ])
            return machine.tokenRequestFailed(error)
        }
    }

    /// Detached: GRDB refuses writes from a cancelled task, and a shutdown arriving now must not lose the only
    /// token that still works.
    private func storeTokens(
        _ tokens: AccountRefreshMachine.IssuedTokens, replacing previousRefreshToken: String?, machine: inout AccountRefreshMachine
    ) async -> [Action] {
        let (store, accountId) = (context.store, accountId)
        let stored: Bool
        do {
            stored = try await Task.detached {
                try await store.rotateTokens(
                    accountId: accountId, replacing: previousRefreshToken, accessToken: tokens.accessToken,
                    accessTokenExpiresAt: tokens.accessTokenExpiresAt, refreshToken: tokens.refreshToken,
                    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt)
            }.value
        } catch {
            context.logger.critical("could not store new tokens", metadata: [
                "account": "\(accountId)", "platform": "\(machine.platform.rawValue)", "error": "\(failureSentence(error))",
            ])
            return machine.tokenStoreFailed(failureSentence(error))
        }
        guard stored else {
            context.logger.notice("newer tokens were stored meanwhile; using those", metadata: [
                "account": "\(accountId)", "platform": "\(machine.platform.rawValue)",
            ])
            return machine.tokensSuperseded(stored: try? await store.credentials(accountId: accountId))
        }
        context.logger.info("stored a new access token", metadata: [
            "account": "\(accountId)", "platform": "\(machine.platform.rawValue)",
            "expiresAt": "\(tokens.accessTokenExpiresAt.map(\.iso8601) ?? "unknown")",
        ])
        return machine.tokensStored()
    }
}
