import Logging
import MetricsCore
import ServiceLifecycle
import StorageContract

/// Runs a retention pass a minute after start, then every hour (on the daemon's clock), until graceful shutdown.
/// A pass is small transactions end to end (`SQLiteStore.retentionPass`), so it never stalls reads or refreshes.
struct RetentionService: Service, CustomStringConvertible {
    let store: any MetricsStorage
    let policy: RetentionPolicy
    let clock: any WallClock
    let logger: Logger

    /// What swift-service-lifecycle logs for this service: its name, not a dump of the store.
    var description: String { "RetentionService" }

    static let firstPassDelayMilliseconds: Int64 = 60_000
    static let intervalMilliseconds: Int64 = 3_600_000

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                var next = clock.now.adding(milliseconds: Self.firstPassDelayMilliseconds)
                while true {
                    try await clock.sleep(until: next)
                    do {
                        let pass = try await store.retentionPass(policy)
                        logger.info("retention pass", metadata: [
                            "deleted": "\(pass.deletedSnapshots)", "transactions": "\(pass.transactions)",
                            "milliseconds": "\(pass.finishedAt.milliseconds(since: pass.startedAt))",
                        ])
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        logger.error("retention pass failed", metadata: ["error": "\(failureSentence(error))"])
                    }
                    next = clock.now.adding(milliseconds: Self.intervalMilliseconds)
                }
            }
        } catch is CancellationError {
            // Shutdown: a pass cut short leaves the database consistent; the next start does the rest.
        }
    }
}
