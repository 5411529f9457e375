import JSONRPC
import MetricsCore
import MetricsStore
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
        let progress = ProgressBroadcast(clock: context.clock, intervalMilliseconds: context.configuration.progressIntervalMilliseconds)
        let runID = Task {
            try await context.store.startRun(trigger: trigger, scope: scope.json, at: context.clock.now)
        }
        let report = Task {
            // Leave the coordinator before the report is handed out (not from a detached task that races the
            // callers), so a request made once this run finished starts a new run instead of joining this one.
            do {
                let id = try await runID.value
                let report = try await execute(runId: id, scope: scope, progress: progress, context: context)
                await context.coordinator.finished(scope)
                return report
            } catch {
                await context.coordinator.finished(scope)
                throw error
            }
        }
        return RunExecution(scope: scope, progress: progress, runID: runID, report: report)
    }

    private static func execute(runId: Int64, scope: RefreshScope, progress: ProgressBroadcast, context: EngineContext) async throws
        -> RefreshReport
    {
        let logger = context.logger
        do {
            let posts: [MetricsStore.DuePost]
            switch scope {
            case .all(let platforms):
                posts = try await context.store.duePosts(
                    workspaceId: nil, platforms: platforms, postedSince: context.configuration.window.oldestPostedAt(now: context.clock.now))
            case .workspace(let id):
                posts = try await context.store.duePosts(
                    workspaceId: id, platforms: nil, postedSince: context.configuration.window.oldestPostedAt(now: context.clock.now))
            }
            var accounts: [(String, [MetricsStore.DuePost])] = []
            for post in posts {
                if accounts.last?.0 == post.accountId {
                    accounts[accounts.count - 1].1.append(post)
                } else {
                    accounts.append((post.accountId, [post]))
                }
            }
            logger.info("refresh run started", metadata: [
                "run": "\(runId)", "scope": "\(scope.key)", "posts": "\(posts.count)", "accounts": "\(accounts.count)",
            ])
            let done = Mutex(0)
            let total = posts.count
            progress.update(runId: runId, done: 0, total: total, force: true)
            let advance: @Sendable (Int) -> Void = { count in
                let now = done.withLock { value -> Int in
                    value += count
                    return value
                }
                progress.update(runId: runId, done: now, total: total)
            }
            let deadline = context.clock.now.adding(milliseconds: context.configuration.runDeadlineMilliseconds)
            var details: [RefreshReport.Detail] = []
            // Every account at once: each waits on its own rate, and calls in flight are bounded per platform
            // (CallSlots), so a sleeping account holds nothing another needs.
            context.accountsInProgress.add(accounts.count)
            try await withThrowingTaskGroup(of: RefreshReport.Detail.self) { group in
                for (accountId, posts) in accounts {
                    group.addTask {
                        defer { context.accountsInProgress.finished() }
                        return try await AccountRefresh(
                            accountId: accountId, posts: posts, runId: runId, deadline: deadline, context: context, advance: advance
                        ).run()
                    }
                }
                while let detail = try await group.next() {
                    details.append(detail)
                }
            }
            details.sort { ($0.workspaceId, $0.platform.rawValue, $0.accountId) < ($1.workspaceId, $1.platform.rawValue, $1.accountId) }
            let report = RefreshReport.make(runId: runId, ok: true, details: details)
            try await context.store.finishRun(id: runId, status: .completed, summary: encode(report), at: context.clock.now)
            progress.update(runId: runId, done: total, total: total, force: true)
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
                logger.error("refresh run failed", metadata: ["run": "\(runId)", "error": "\(error)"])
            }
            // Recorded even though this task may be cancelled: a detached write is not.
            let store = context.store
            let at = context.clock.now
            let summary = status == .failed ? JSONWriter.string(["error": .string("\(error)")]) : nil
            try? await Task.detached { try await store.finishRun(id: runId, status: status, summary: summary, at: at) }.value
            throw error
        }
    }

    static func encode(_ report: RefreshReport) -> String {
        JSONWriter.string(report.json)
    }
}
