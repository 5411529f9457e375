import MetricsCore

public enum Upsert: String, Sendable {
    case created
    case updated
}

public struct UpsertPostsResult: Sendable, Equatable {
    /// Also for the other backends of this package (the memberwise one would be internal).
    package init(created: Int, updated: Int) {
        self.created = created
        self.updated = updated
    }

    public var created: Int
    public var updated: Int
}
