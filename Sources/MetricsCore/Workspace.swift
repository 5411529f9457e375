/// A studio workspace: the unit `refreshWorkspace` refreshes. Ids are the caller's own strings.
public struct Workspace: Sendable, Hashable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}
