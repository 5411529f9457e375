/// A studio workspace: the unit `refreshWorkspace` refreshes. Ids are the caller's own strings.
public struct Workspace: Sendable, Hashable {
    public var id: String
    public var name: String
    /// An IANA time-zone name: "a day" of the history reads is this zone's calendar day.
    public var timeZone: String

    public init(id: String, name: String, timeZone: String = "UTC") {
        self.id = id
        self.name = name
        self.timeZone = timeZone
    }
}

/// A workspace as metricsd keeps it: what was registered, and when.
public struct WorkspaceSummary: Sendable, Hashable {
    public var workspace: Workspace
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(workspace: Workspace, createdAt: Timestamp, updatedAt: Timestamp) {
        self.workspace = workspace
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
