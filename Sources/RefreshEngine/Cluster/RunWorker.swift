import JSON
import Logging
import MetricsCore
import StorageContract

/// Does this daemon's part of the cluster's shared runs: claims the accounts' work it may do (accounts it holds, or
/// that no one holds), refreshes each as any run would (`AccountRefresh`), and leaves the account's report entry on
/// its work row for whoever waits for the run.
///
/// It polls: a claim is one indexed query, and at four a second a `refreshAll` on any daemon starts everywhere
/// within a quarter of a second, with no notification channel to lose.
struct RunWorker {
    let membership: ClusterMembership
    let context: EngineContext
    static let pollInterval: Duration = .milliseconds(250)

    func run() async throws {
        let capacity = max(1, context.configuration.maximumAccountsInFlight)
        // A database away for a while fails every poll: said once when it starts and once when it ends, not four
        // times a second.
        var failing = false
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isCancelled {
                // The same window as any run's (the planner's runs and these share it).
                let room = capacity - context.accountsInProgress.count
                if room > 0 {
                    let work: [RunWork]
                    do {
                        work = try await membership.store.claimRunWork(
                            memberId: membership.member.id, limit: min(room, 64), leaseMilliseconds: membership.leaseMilliseconds)
                        if failing {
                            context.logger.info("claiming shared run work again")
                            failing = false
                        }
                    } catch {
                        context.logger.log(
                            level: failing ? .debug : .warning, "could not claim shared run work", metadata: ["error": "\(failureSentence(error))"])
                        failing = true
                        work = []
                    }
                    for item in work {
                        context.accountsInProgress.enter([item.accountId])
                        group.addTask {
                            defer { context.accountsInProgress.leave(item.accountId) }
                            try await perform(item)
                        }
                    }
                }
                try await Task.sleep(for: Self.pollInterval)
            }
        }
    }

    /// One account of a shared run. A stop (shutdown) leaves the work claimed: once this daemon has left the
    /// cluster, another claims it again, and refreshes what is still due.
    private func perform(_ work: RunWork) async throws {
        do {
            let posts = try await context.store.postsInScope(accountId: work.accountId, postedSince: work.postedSince, dueAt: work.dueAt)
            var detail: JSON = .null
            if !posts.isEmpty {
                detail = try await AccountRefresh(
                    accountId: work.accountId, posts: posts, runId: work.runId, deadline: work.deadline, context: context, advance: { _ in }
                ).run().json
            }
            // Written even if a stop arrives now: the account's posts are fetched and recorded.
            let (store, memberId) = (membership.store, membership.member.id)
            let text = JSONWriter.string(detail)
            try await Task.detached {
                try await store.finishRunWork(runId: work.runId, accountId: work.accountId, memberId: memberId, detail: text)
            }.value
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The store failed: the work stays claimed, and is claimed again once this daemon's hold lapses.
            context.logger.error("shared run work failed", metadata: [
                "run": "\(work.runId)", "account": "\(work.accountId)", "error": "\(failureSentence(error))",
            ])
        }
    }
}
