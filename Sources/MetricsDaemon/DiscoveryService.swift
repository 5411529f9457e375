import Logging
import MetricsCore
import RefreshEngine
import ServiceLifecycle
import StorageContract

/// Post discovery (`--sync-posts`) as a service of its own: lists each connected account this daemon may plan when
/// `DiscoverySchedule` says it is due, a few at a time, until graceful shutdown.
///
/// Beside the planner, not inside its passes: listing 500 accounts one after another held a pass for as long as
/// that took, and every post due meanwhile waited (on the bench's accelerated clock, 169 young posts overdue at
/// once).
struct DiscoveryService: Service, CustomStringConvertible {
    let store: any MetricsStorage
    let engine: RefreshEngine
    let clock: any WallClock
    let logger: Logger

    var description: String { "DiscoveryService" }

    /// Listings at once: a listing waiting on a paused account holds one of these, not the whole pass.
    static let concurrentListings = 8
    /// The longest the service sleeps: accounts are connected and registered meanwhile.
    static let maximumSleepMilliseconds: Int64 = 60_000

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    let next = try await pass()
                    let wake = clock.now.adding(milliseconds: Self.maximumSleepMilliseconds)
                    try await clock.sleep(until: min(next ?? wake, wake))
                }
            }
        } catch is CancellationError {
            // Shutdown: a listing cut short is simply done again after the restart.
        } catch let error as RefreshEngineError where error.kind == .shuttingDown {
            // The engine stopped taking listings first: the same shutdown.
        }
    }

    /// Lists every due account; returns when the next listing is due.
    private func pass() async throws -> Timestamp? {
        let connected: [String]
        do {
            connected = try await store.accountIds(status: .connected)
        } catch {
            logger.warning("post discovery could not read the accounts", metadata: ["error": "\(failureSentence(error))"])
            return nil
        }
        // In a cluster, each daemon discovers the posts of the accounts it holds.
        let (due, next) = await engine.discoveryDue(among: connected.filter { engine.mayPlan(accountId: $0) })
        guard !due.isEmpty else { return next }
        let registered = try await withThrowingTaskGroup(of: Int.self) { group in
            var registered = 0
            for (index, accountId) in due.enumerated() {
                if index >= Self.concurrentListings { registered += try await group.next() ?? 0 }
                group.addTask { try await list(accountId) }
            }
            for try await count in group { registered += count }
            return registered
        }
        logger.log(level: registered > 0 ? .info : .debug, "post discovery", metadata: [
            "accounts": "\(due.count)", "registered": "\(registered)",
        ])
        // The accounts just listed are next due at least an interval from now, after `next` or with it.
        return next
    }

    /// Lists one account; returns how many posts it registered (0 when the listing failed: logged, and tried again
    /// an interval later, `DiscoverySchedule`).
    private func list(_ accountId: String) async throws -> Int {
        do {
            return try await engine.syncPosts(accountId: accountId, incremental: true).registered
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as RefreshEngineError where error.kind == .shuttingDown {
            throw error
        } catch {
            logger.warning("post discovery failed", metadata: ["account": "\(accountId)", "error": "\(failureSentence(error))"])
        }
        return 0
    }
}
