/// A studio workspace: the unit `refreshWorkspace` refreshes. Ids are the caller's own strings.
public struct Workspace: Sendable, Hashable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
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
