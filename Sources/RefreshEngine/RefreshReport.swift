import MetricsCore

/// What a run did: the original cron endpoint's response, plus `runId` and skipped counts.
public struct RefreshReport: Sendable, Equatable {
    public struct Tally: Sendable, Equatable {
        public var processed = 0
        public var updated = 0
        public var errors = 0
        /// Not attempted because the account's token stopped working, or deferred past the run's deadline.
        public var skipped = 0
        /// Processed, but the platform had no numbers for them yet (a fresh Instagram post): not updated, not failed.
        public var withoutData = 0

        public init() {}

        mutating func add(_ other: Tally) {
            processed += other.processed
            updated += other.updated
            errors += other.errors
            skipped += other.skipped
            withoutData += other.withoutData
        }
    }

    public struct Summary: Sendable, Equatable {
        public var totalPostsProcessed = 0
        public var totalMetricsUpdated = 0
        public var totalErrors = 0
        public var totalSkipped = 0
        public var totalWithoutData = 0
        public var byPlatform: [String: Tally] = Dictionary(uniqueKeysWithValues: Platform.allCases.map { ($0.rawValue, Tally()) })
    }

    /// One account's part of the run (a "platform connection" in the original's words).
    public struct Detail: Sendable, Equatable {
        public var platform: Platform
        public var workspaceId: String
        public var accountId: String
        public var postsProcessed: Int
        public var metricsUpdated: Int
        public var postsSkipped: Int
        /// Processed, but the platform had no numbers for them yet (a fresh Instagram post's `{"data":[]}`): counted
        /// here so they do not vanish between processed and updated.
        public var postsWithoutData: Int
        /// `"Post abc: <reason>"`, one per failed post (account-level failures name the account), the first
        /// `maximumErrorLines` of them: a run over an account whose every post fails stays a readable report.
        public var errors: [String]
        /// All the errors, listed or not.
        public var errorCount: Int

        public static let maximumErrorLines = 20

        public init(
            platform: Platform, workspaceId: String, accountId: String, postsProcessed: Int, metricsUpdated: Int, postsSkipped: Int,
            postsWithoutData: Int = 0, errors: [String], errorCount: Int? = nil
        ) {
            self.platform = platform
            self.workspaceId = workspaceId
            self.accountId = accountId
            self.postsProcessed = postsProcessed
            self.metricsUpdated = metricsUpdated
            self.postsSkipped = postsSkipped
            self.postsWithoutData = postsWithoutData
            self.errors = errors
            self.errorCount = errorCount ?? errors.count
        }
    }

    public var ok: Bool
    public var runId: Int64
    public var message: String
    public var summary: Summary
    public var details: [Detail]

    static func make(runId: Int64, ok: Bool, details: [Detail]) -> RefreshReport {
        var summary = Summary()
        for detail in details {
            var tally = Tally()
            tally.processed = detail.postsProcessed
            tally.updated = detail.metricsUpdated
            tally.errors = detail.errorCount
            tally.skipped = detail.postsSkipped
            tally.withoutData = detail.postsWithoutData
            summary.byPlatform[detail.platform.rawValue, default: Tally()].add(tally)
            summary.totalPostsProcessed += tally.processed
            summary.totalMetricsUpdated += tally.updated
            summary.totalErrors += tally.errors
            summary.totalSkipped += tally.skipped
            summary.totalWithoutData += tally.withoutData
        }
        return RefreshReport(
            ok: ok, runId: runId,
            message: "Refreshed metrics for \(summary.totalMetricsUpdated) posts across \(details.count) platform connections",
            summary: summary, details: details)
    }
}

/// How far a run is: sent to callers that asked for progress.
public struct RefreshProgress: Sendable, Equatable {
    public var runId: Int64
    public var done: Int
    public var total: Int
}
