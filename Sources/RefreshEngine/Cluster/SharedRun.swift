import JSON
import MetricsCore
import StorageContract

/// A run over a scope in a cluster, as the daemon a caller asked sees it: it records the run and a work row per
/// account (or joins the run already refreshing the same scope, on any daemon), then waits while the members that
/// hold the accounts refresh them (`RunWorker`), reports progress from the entries they leave, and writes the
/// report. Every post in scope is fetched once, by whoever holds its account, and the report lists every account.
///
/// A daemon that stops while waiting leaves the run to the others: their workers finish the accounts, and the
/// first member to tick after the last one is done writes the report (`sweepOrphans`).
enum SharedRun {
    static let pollInterval: Duration = .milliseconds(250)

    /// Starts (or joins) the shared run for `scope`; its id once recorded.
    static func start(
        scope: RefreshScope, trigger: RefreshTrigger, cluster: any ClusterStorage, memberId: String, context: EngineContext
    ) async throws -> (start: SharedRunStart, total: Int) {
        let now = context.clock.now
        let postedSince = context.configuration.window.oldestPostedAt(now: now)
        let dueAt = scope.dueOnly ? now : nil
        let (workspaceIds, platforms) = scope.coverage
        if case .workspace(let id, _) = scope, try await context.store.workspace(id: id) == nil {
            throw StoreError.notFound(.workspace, id: id, input: .workspaceId)
        }
        let accounts = try await context.store.accountsInScope(workspaceIds: workspaceIds, platforms: platforms)
        let total = try await context.store.countPostsInScope(
            workspaceIds: workspaceIds, platforms: platforms, postedSince: postedSince, dueAt: dueAt)
        let start = try await cluster.startSharedRun(SharedRunRequest(
            trigger: trigger, scope: scope.json, scopeKey: scope.key, memberId: memberId, accountIds: accounts.map(\.accountId),
            postedSince: postedSince, dueAt: dueAt, deadline: now.adding(milliseconds: context.configuration.runDeadlineMilliseconds),
            startedAt: now))
        context.logger.info(start.isJoined ? "joined a shared refresh run" : "shared refresh run started", metadata: [
            "run": "\(start.runId)", "scope": "\(scope.key)", "posts": "\(total)", "accounts": "\(accounts.count)",
        ])
        return (start, total)
    }

    /// Waits for the run's accounts, sending progress, and (when this daemon started it) records the report.
    static func wait(
        for start: SharedRunStart, total: Int, cluster: any ClusterStorage, progress: ProgressBroadcast, context: EngineContext
    ) async throws -> RefreshReport {
        let runId = start.runId
        progress.update(runId: runId, done: 0, total: total, force: true)
        while true {
            let state = try await cluster.sharedRunState(runId: runId)
            let details = try details(of: state)
            let done = details.reduce(0) { $0 + $1.postsProcessed + $1.postsSkipped }
            progress.update(runId: runId, done: done, total: max(total, done), force: state.isComplete)
            // The starter records the run once every account is done; a call that joined answers once it is
            // recorded (by the starter, or by a sweep if the starter died), so `runStatus` on any daemon agrees with
            // the answer it got.
            let recorded = state.status != .running
            if recorded || (!start.isJoined && state.isComplete) {
                let report = RefreshReport.make(runId: runId, ok: true, details: details)
                if !recorded {
                    try await context.store.finishRun(id: runId, status: .completed, summary: RunExecution.encode(report), at: context.clock.now)
                    context.logger.info("refresh run finished", metadata: [
                        "run": "\(runId)", "updated": "\(report.summary.totalMetricsUpdated)", "errors": "\(report.summary.totalErrors)",
                        "skipped": "\(report.summary.totalSkipped)",
                    ])
                }
                return report
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Writes the report of each shared run whose starter left the cluster, once all its accounts are done.
    static func sweepOrphans(cluster: any ClusterStorage, context: EngineContext) async throws {
        for runId in try await cluster.orphanedSharedRuns() {
            let state = try await cluster.sharedRunState(runId: runId)
            guard state.isComplete, state.status == .running else { continue }
            let report = RefreshReport.make(runId: runId, ok: true, details: try details(of: state))
            try await context.store.finishRun(id: runId, status: .completed, summary: RunExecution.encode(report), at: context.clock.now)
            context.logger.notice("finished a shared run its starter left", metadata: ["run": "\(runId)"])
        }
    }

    /// The report entries left so far, in the report's order (accounts without posts in scope leave none).
    static func details(of state: SharedRunState) throws -> [RefreshReport.Detail] {
        var details: [RefreshReport.Detail] = []
        for text in state.details {
            let json = try JSONParser.parse(text)
            if !json.isNull { details.append(try RefreshReport.Detail(json: json)) }
        }
        details.sort { ($0.workspaceId, $0.platform.rawValue, $0.accountId) < ($1.workspaceId, $1.platform.rawValue, $1.accountId) }
        return details
    }
}

extension SharedRunStart {
    var isJoined: Bool {
        if case .joined = self { true } else { false }
    }
}

extension RefreshScope {
    /// The workspaces (nil: all) and platforms (nil: all) a scope over workspaces covers.
    var coverage: (workspaceIds: Set<String>?, platforms: Set<Platform>?) {
        switch self {
        case .all(let platforms, _): (nil, platforms)
        case .workspace(let id, _): ([id], nil)
        case .workspaces(let ids, let platforms, _): (ids, platforms)
        case .planned(let work): (Set(work.accounts.map(\.account.workspaceId)), nil)
        }
    }
}
