import MetricsCore

/// The walk every backend's retention pass makes, written once: per workspace, where its history is cut
/// (`RetentionPolicy.cutoffs`), then its posts a transaction at a time in key order until none are left, then its
/// totals older than the oldest day kept. A backend supplies the two transactions in its own SQL.
package struct RetentionSweep {
    /// A workspace's cuts: raw snapshots before `rawCutoff` thinned, everything before `cutoff` (day `oldestDay`)
    /// deleted.
    package struct Cuts: Sendable {
        package var rawCutoff: Timestamp?
        package var cutoff: Timestamp?
        package var oldestDay: Int64?
    }

    package var policy: RetentionPolicy
    package var clock: any WallClock

    package init(policy: RetentionPolicy, clock: any WallClock) {
        self.policy = policy
        self.clock = clock
    }

    /// Sweeps `workspaces`. `retain` is one transaction over the workspace's next posts after a key: it returns the
    /// last key it handled (nil when none were left) and the snapshots it deleted; `dropTotals` deletes the
    /// workspace's totals before a day. Returns the snapshots deleted and the transactions made.
    package func run(
        over workspaces: [(id: String, calendar: LocalCalendar)],
        retain: (_ workspaceId: String, _ afterKey: Int64, _ cuts: Cuts) async throws -> (lastKey: Int64?, deleted: Int64),
        dropTotals: (_ workspaceId: String, _ beforeDay: Int64) async throws -> Void
    ) async throws -> (deleted: Int64, transactions: Int) {
        var deleted: Int64 = 0
        var transactions = 0
        for workspace in workspaces {
            guard let (rawCutoff, cutoff, oldestDay) = policy.cutoffs(calendar: workspace.calendar, now: clock.now) else { continue }
            let cuts = Cuts(rawCutoff: rawCutoff, cutoff: cutoff, oldestDay: oldestDay)
            var after: Int64 = .min
            while true {
                try Task.checkCancellation()
                let (last, removed) = try await retain(workspace.id, after, cuts)
                deleted += removed
                transactions += 1
                guard let last else { break }
                after = last
            }
            if let oldestDay {
                transactions += 1
                try await dropTotals(workspace.id, oldestDay)
            }
        }
        return (deleted, transactions)
    }
}
