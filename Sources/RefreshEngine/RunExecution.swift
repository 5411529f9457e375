import JSON
import MetricsCore
import StorageContract
import Synchronization

/// One refresh run: records it, plans it (the posts in scope, by account), refreshes accounts concurrently
/// up to the configured bound, and records the outcome. Callers that ask for the same scope while it runs
/// share it: they await the same `report` and subscribe to the same `progress`.
final class RunExecution: Sendable {
    let scope: RefreshScope
    let progress: ProgressBroadcast
    /// The run's id, known once its row is written (before any platform call).
    let runID: Task<Int64, any Error>
    let report: Task<RefreshReport, any Error>

    private init(scope: RefreshScope, progress: ProgressBroadcast, runID: Task<Int64, any Error>, report: Task<RefreshReport, any Error>) {
        self.scope = scope
        self.progress = progress
        self.runID = runID
        self.report = report
    }

    static func start(scope: RefreshScope, trigger: RefreshTrigger, context: EngineContext) -> RunExecution {
        if let membership = context.cluster, !scope.isPlanned {
            return startShared(scope: scope, trigger: trigger, membership: membership, context: context)
        }
        // In progress from this moment, not from when the run task gets going: the planner must not plan these
        // accounts again meanwhile, and a test on virtual time must not move the clock under a run about to start.
        // A run over a scope does not know its accounts yet: it holds a placeholder until it does.
        switch scope {
        case .planned(let work): context.accountsInProgress.enter(work.accounts.map(\.account.accountId))
        default: context.accountsInProgress.enter([AccountsInProgress.placeholder])
        }
        let progress = ProgressBroadcast(clock: context.clock, intervalMilliseconds: context.configuration.progressIntervalMilliseconds)
        let runID = Task {
            try await context.store.startRun(trigger: trigger, scope: scope.json, at: context.clock.now)
        }
        let report = Task {
            // Real time, not the engine's clock: the histogram tells an operator how long runs hold the process.
            let started = ContinuousClock.now
            // Leave the coordinator before the report is handed out (not from a detached task that races the
            // callers), so a request made once this run finished starts a new run instead of joining this one.
            do {
                let id: Int64
                do {
                    id = try await runID.value
                } catch {
                    // Never executed: give back what `start` entered.
                    switch scope {
                    case .planned(let work): work.accounts.forEach { context.accountsInProgress.leave($0.account.accountId) }
                    default: context.accountsInProgress.leave(AccountsInProgress.placeholder)
                    }
                    throw error
                }
                let report = try await execute(runId: id, scope: scope, progress: progress, context: context)
                await context.coordinator.finished(scope)
                context.telemetry.runFinished(trigger: trigger, status: .completed, duration: ContinuousClock.now - started)
                return report
            } catch {
                await context.coordinator.finished(scope)
                context.telemetry.runFinished(
                    trigger: trigger, status: error is CancellationError ? .interrupted : .failed,
                    duration: ContinuousClock.now - started)
                throw error
            }
        }
        return RunExecution(scope: scope, progress: progress, runID: runID, report: report)
    }

    /// A run over a scope in a cluster: recorded (or joined) in the shared database, its accounts refreshed by the
    /// members that hold them (see `SharedRun`). Nothing is entered in progress here: the workers enter what they do.
    private static func startShared(
        scope: RefreshScope, trigger: RefreshTrigger, membership: ClusterMembership, context: EngineContext
    ) -> RunExecution {
        let progress = ProgressBroadcast(clock: context.clock, intervalMilliseconds: context.configuration.progressIntervalMilliseconds)
        let cluster = membership.store
        let start = Task {
            try await SharedRun.start(scope: scope, trigger: trigger, cluster: cluster, memberId: membership.member.id, context: context)
        }
        let runID = Task { try await start.value.start.runId }
        let report = Task {
            do {
                let (started, total) = try await start.value
                let report = try await SharedRun.wait(for: started, total: total, cluster: cluster, progress: progress, context: context)
                await context.coordinator.finished(scope)
                return report
            } catch {
                await context.coordinator.finished(scope)
                throw error
            }
        }
        return RunExecution(scope: scope, progress: progress, runID: runID, report: report)
    }

    /// One account's work in a run: its posts already chosen (the planner's), or to be read when its turn comes.
    private enum AccountSource: Sendable {
        case given(PlannedWork.Account)
        case scoped(ScopedAccount)

        var accountId: String {
            switch self {
            case .given(let work): work.account.accountId
            case .scoped(let account): account.accountId
            }
        }
    }

    private static func execute(runId: Int64, scope: RefreshScope, progress: ProgressBroadcast, context: EngineContext) async throws
        -> RefreshReport
    {
        let logger = context.logger
        let now = context.clock.now
        let postedSince = context.configuration.window.oldestPostedAt(now: now)
        let dueAt = scope.dueOnly ? now : nil
        let isPlanned = if case .planned = scope { true } else { false }
        var holdsPlaceholder = !isPlanned
        defer { if holdsPlaceholder { context.accountsInProgress.leave(AccountsInProgress.placeholder) } }
        var left: Set<String> = []
        defer { for id in left { context.accountsInProgress.leave(id) } }
        do {
            let sources: [AccountSource]
            let total: Int
            switch scope {
            case .all(let platforms, _):
                sources = try await context.store.accountsInScope(workspaceId: nil, platforms: platforms).map(AccountSource.scoped)
                total = try await context.store.countPostsInScope(
                    workspaceId: nil, platforms: platforms, postedSince: postedSince, dueAt: dueAt)
            case .workspace(let id, _):
                sources = try await context.store.accountsInScope(workspaceId: id, platforms: nil).map(AccountSource.scoped)
                total = try await context.store.countPostsInScope(workspaceId: id, platforms: nil, postedSince: postedSince, dueAt: dueAt)
            case .workspaces(let ids, let platforms, _):
                sources = try await context.store.accountsInScope(workspaceIds: ids, platforms: platforms).map(AccountSource.scoped)
                total = try await context.store.countPostsInScope(workspaceIds: ids, platforms: platforms, postedSince: postedSince, dueAt: dueAt)
            case .planned(let work):
                sources = work.accounts.map(AccountSource.given)
                total = work.postCount
            }
            // Every account of the run counts as in progress from now (a planned run's since it started): the
            // planner leaves them alone, and the count never dips while later accounts wait for a place in the window.
            if !isPlanned {
                context.accountsInProgress.enter(sources.map(\.accountId))
                context.accountsInProgress.leave(AccountsInProgress.placeholder)
                holdsPlaceholder = false
            }
            left = Set(sources.map(\.accountId))
            logger.info("refresh run started", metadata: [
                "run": "\(runId)", "scope": "\(scope.key)", "posts": "\(total)", "accounts": "\(sources.count)",
            ])
            let done = Mutex(0)
            progress.update(runId: runId, done: 0, total: total, force: true)
            let advance: @Sendable (Int) -> Void = { count in
                let now = done.withLock { value -> Int in
                    value += count
                    return value
                }
                progress.update(runId: runId, done: now, total: max(total, now))
            }
            let deadline = now.adding(milliseconds: context.configuration.runDeadlineMilliseconds)
            var details: [RefreshReport.Detail] = []
            // Accounts through a window of `maximumAccountsInFlight`: each reads its posts when its turn comes and
            // lets them go when it is done, so memory follows the window, not the size of the scope. The window is
            // wide because an account spends most of a run waiting for its own rate, and a narrow one would leave
            // later accounts queued behind sleepers (measured: 2x the minimum time under per-account limits);
            // calls in flight are bounded separately, per platform (`callSlots`).
            try await withThrowingTaskGroup(of: (String, RefreshReport.Detail?).self) { group in
                var pending = sources.makeIterator()
                func startNext() -> Bool {
                    guard let source = pending.next() else { return false }
                    group.addTask {
                        let work: PlannedWork.Account
                        switch source {
                        case .given(let given):
                            work = given
                        case .scoped(let account):
                            work = PlannedWork.Account(
                                account: account,
                                posts: try await context.store.postsInScope(accountId: account.accountId, postedSince: postedSince, dueAt: dueAt))
                        }
                        guard !work.posts.isEmpty else { return (source.accountId, nil) }
                        let detail = try await AccountRefresh(
                            accountId: work.account.accountId, posts: work.posts, runId: runId, deadline: deadline, context: context,
                            advance: advance
                        ).run()
                        return (source.accountId, detail)
                    }
                    return true
                }
                for _ in 0..<max(1, context.configuration.maximumAccountsInFlight) where !startNext() { break }
                while let (accountId, detail) = try await group.next() {
                    left.remove(accountId)
                    context.accountsInProgress.leave(accountId)
                    if let detail { details.append(detail) }
                    _ = startNext()
                }
            }
            details.sort { ($0.workspaceId, $0.platform.rawValue, $0.accountId) < ($1.workspaceId, $1.platform.rawValue, $1.accountId) }
            let report = RefreshReport.make(runId: runId, ok: true, details: details)
            try await context.store.finishRun(id: runId, status: .completed, summary: encode(report), at: context.clock.now)
            let finalCount = done.withLock { $0 }
            progress.update(runId: runId, done: finalCount, total: finalCount, force: true)
            logger.info("refresh run finished", metadata: [
                "run": "\(runId)", "updated": "\(report.summary.totalMetricsUpdated)", "errors": "\(report.summary.totalErrors)",
                "skipped": "\(report.summary.totalSkipped)",
            ])
            return report
        } catch {
            let status: RefreshRunStatus = error is CancellationError ? .interrupted : .failed
            if status == .interrupted {
                // Shutdown (or every caller gone): expected, and the posts left are simply due next run.
                logger.notice("refresh run interrupted", metadata: ["run": "\(runId)"])
            } else {
                logger.error("refresh run failed", metadata: ["run": "\(runId)", "error": "\(failureSentence(error))"])
            }
            // Recorded even though this task may be cancelled: a detached write is not.
            let store = context.store
            let at = context.clock.now
            let summary = status == .failed ? JSONWriter.string(["error": .string(failureSentence(error))]) : nil
            do {
                try await Task.detached { try await store.finishRun(id: runId, status: status, summary: summary, at: at) }.value
            } catch {
                logger.error("could not record the run's end", metadata: ["run": "\(runId)", "error": "\(failureSentence(error))"])
            }
            throw error
        }
    }

    static func encode(_ report: RefreshReport) -> String {
        JSONWriter.string(report.json)
    }
}
