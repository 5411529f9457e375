import JSON
import JSONRPC
import MetricsCore
import StorageContract
import Synchronization

/// Answers `health` without touching the database on every call.
///
/// Health checks and load balancers poll hard; the facts (database size, accounts by status, last run)
/// change rarely, so they are read at most once per `maximumAge` and whenever a write that changes them
/// calls `invalidate()`. Uptime is always current. The reply itself is kept too and rebuilt only when the
/// facts or the uptime's second change, so a poll costs a clock read and a lock.
final class HealthMonitor: Sendable {
    private struct Cached {
        var facts: Result<HealthFacts, any Error>
        var readAt: ContinuousClock.Instant
        var report: JSON
        var uptimeSeconds: Int64
    }

    private let store: any MetricsStorage
    private let startedAt = ContinuousClock.now
    private let maximumAge: Duration
    private let cache = Mutex<Cached?>(nil)

    init(store: any MetricsStorage, maximumAge: Duration = .seconds(1)) {
        self.store = store
        self.maximumAge = maximumAge
    }

    func invalidate() {
        cache.withLock { $0 = nil }
    }

    /// On SQLite: the facts, when stale, are read on the caller's thread, under the lock, so a burst of polls
    /// reads them once.
    func report(reads: any SynchronousReads) -> JSON {
        let now = ContinuousClock.now
        return cache.withLock { cached -> JSON in
            if let report = Self.fresh(&cached, now: now, startedAt: startedAt, maximumAge: maximumAge) { return report }
            return Self.record(Result { try reads.healthFacts() }, in: &cached, now: now, startedAt: startedAt)
        }
    }

    /// On a network database: stale facts are awaited outside the lock.
    func report() async -> JSON {
        let now = ContinuousClock.now
        if let report = cache.withLock({ Self.fresh(&$0, now: now, startedAt: startedAt, maximumAge: maximumAge) }) { return report }
        let facts: Result<HealthFacts, any Error>
        do {
            facts = .success(try await store.healthFacts())
        } catch {
            facts = .failure(error)
        }
        return cache.withLock { Self.record(facts, in: &$0, now: now, startedAt: startedAt) }
    }

    /// The cached reply while its facts are young enough, its uptime brought up to date.
    private static func fresh(_ cached: inout Cached?, now: ContinuousClock.Instant, startedAt: ContinuousClock.Instant, maximumAge: Duration) -> JSON? {
        guard var current = cached, now - current.readAt < maximumAge else { return nil }
        let uptimeSeconds = Int64((now - startedAt).components.seconds)
        if current.uptimeSeconds != uptimeSeconds {
            current.report = render(current.facts, uptimeSeconds: uptimeSeconds)
            current.uptimeSeconds = uptimeSeconds
            cached = current
        }
        return current.report
    }

    private static func record(
        _ facts: Result<HealthFacts, any Error>, in cached: inout Cached?, now: ContinuousClock.Instant, startedAt: ContinuousClock.Instant
    ) -> JSON {
        let uptimeSeconds = Int64((now - startedAt).components.seconds)
        let report = render(facts, uptimeSeconds: uptimeSeconds)
        cached = Cached(facts: facts, readAt: now, report: report, uptimeSeconds: uptimeSeconds)
        return report
    }

    private static func render(_ read: Result<HealthFacts, any Error>, uptimeSeconds: Int64) -> JSON {
        // A last run that cannot be rendered is a database that cannot be read, as far as a monitor cares.
        let facts = read.flatMap { facts in Result { (facts, try facts.lastRun.map { run throws(WireFormat.UnreadableRecord) in try WireFormat.run(run) }) } }
        var report: JSONObject = [
            "version": .string(DefaultLocations.version),
            "uptimeSeconds": .int(uptimeSeconds),
        ]
        switch facts {
        case .success(let (facts, lastRun)):
            let count = { (status: AccountStatus) in facts.accountsByStatus[status] ?? 0 }
            let troubled = count(.expired) + count(.needsReconnect)
            let lastRunFailed = facts.lastRun?.status == .failed
            report["status"] = .string(troubled > 0 || lastRunFailed ? "degraded" : "ok")
            report["database"] = [
                "ok": true, "sizeBytes": .int(facts.sizeBytes), "snapshotRows": .int(facts.snapshotRows),
                "lastRetention": facts.lastRetention.map { pass in
                    [
                        "startedAt": .string(pass.startedAt.iso8601), "finishedAt": .string(pass.finishedAt.iso8601),
                        "deletedSnapshots": .int(pass.deletedSnapshots),
                    ]
                } ?? .null,
            ]
            report["accounts"] = [
                "connected": .int(count(.connected)), "expired": .int(count(.expired)),
                "needsReconnect": .int(count(.needsReconnect)), "disconnected": .int(count(.disconnected)),
            ]
            report["lastRun"] = lastRun ?? .null
            report["posts"] = ["failing": .int(facts.failingPosts)]
        case .failure(let error):
            report["status"] = "failing"
            report["database"] = ["ok": false, "sizeBytes": nil, "error": .string(StorageUnavailable.reason(of: error) ?? "\(error)")]
            // Unknown, not zero: "0 expired" would read as a fact a monitor could act on.
            report["accounts"] = ["connected": nil, "expired": nil, "needsReconnect": nil, "disconnected": nil]
            report["lastRun"] = .null
            report["posts"] = ["failing": nil]
        }
        // Fixed key order makes the reply easy to read by eye and by `grep`.
        let order = ["status", "version", "uptimeSeconds", "database", "accounts", "lastRun", "posts"]
        return .object(JSONObject(members: order.compactMap { key in report[key].map { .init(key: key, value: $0) } }))
    }
}
