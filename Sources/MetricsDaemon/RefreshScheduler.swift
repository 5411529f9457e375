import Logging
import MetricsCore
import RefreshEngine
import ServiceLifecycle

/// The built-in schedule: a `refreshAll` soon after start, then every interval, like the original cron
/// (every 6 hours by default). A run still going when the next is due is joined, never doubled.
struct RefreshScheduler: Service {
    let engine: RefreshEngine
    let intervalSeconds: Int64
    let firstRunDelaySeconds: Int64
    let clock: any WallClock
    let logger: Logger
    /// Runs before each scheduled refresh (post discovery, when configured).
    let beforeEachRun: @Sendable () async -> Void

    func run() async throws {
        var next = clock.now.adding(milliseconds: firstRunDelaySeconds * 1000)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let due = next
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: due) }
            } catch {
                return
            }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            next = next.adding(milliseconds: intervalSeconds * 1000)
            await beforeEachRun()
            do {
                let handle = try await engine.start(.all(platforms: nil), trigger: .schedule)
                let report = try await handle.report()
                logger.info("scheduled refresh done", metadata: ["run": "\(report.runId)", "message": "\(report.message)"])
            } catch let error as RefreshEngineError where error.kind == .shuttingDown {
                return
            } catch is CancellationError {
                // The engine stopped the run for shutdown; it is recorded as interrupted and logged by the engine.
                return
            } catch {
                logger.error("scheduled refresh failed", metadata: ["error": "\(error)"])
            }
            // A run longer than the interval: the next one starts right away rather than piling up.
            if next < clock.now { next = clock.now }
        }
    }
}
