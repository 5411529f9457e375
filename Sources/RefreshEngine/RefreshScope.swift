import JSONRPC
import MetricsCore

/// What a run covers. Two requests with the same scope share one run.
public enum RefreshScope: Sendable, Hashable {
    /// Every workspace, optionally only some platforms.
    case all(platforms: Set<Platform>?)
    case workspace(String)

    /// Stable text for matching concurrent requests.
    public var key: String {
        switch self {
        case .all(nil): "all"
        case .all(let platforms?): "all:" + platforms.map(\.rawValue).sorted().joined(separator: ",")
        case .workspace(let id): "workspace:" + id
        }
    }

    /// How the run record stores the scope: `{"kind":"all","platforms":[…]}` or `{"kind":"workspace",…}`.
    public var json: String {
        let record: JSON = switch self {
        case .all(nil): ["kind": "all"]
        case .all(let platforms?): ["kind": "all", "platforms": .array(platforms.map(\.rawValue).sorted().map(JSON.string))]
        case .workspace(let id): ["kind": "workspace", "workspaceId": .string(id)]
        }
        return JSONWriter.string(record)
    }
}
