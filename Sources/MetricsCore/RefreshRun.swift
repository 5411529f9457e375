/// How a refresh run started.
public enum RefreshTrigger: String, Sendable, Codable, CaseIterable {
    case schedule
    case rpc
}

public enum RefreshRunStatus: String, Sendable, Codable, CaseIterable {
    case running
    case completed
    case interrupted
    case failed
}

/// The record of one refresh run, as `health.lastRun`, `runStatus` and `listRuns` show it.
/// `scope` and `summary` are JSON text written by the refresh engine and passed through verbatim.
public struct RefreshRunInfo: Sendable, Hashable {
    public var id: Int64
    public var trigger: RefreshTrigger
    public var scope: String
    public var status: RefreshRunStatus
    public var startedAt: Timestamp
    public var finishedAt: Timestamp?
    public var summary: String?

    public init(
        id: Int64, trigger: RefreshTrigger, scope: String, status: RefreshRunStatus, startedAt: Timestamp,
        finishedAt: Timestamp?, summary: String?
    ) {
        self.id = id
        self.trigger = trigger
        self.scope = scope
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.summary = summary
    }
}
