import Foundation
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
        struct Record: Encodable {
            var kind: String
            var platforms: [String]?
            var workspaceId: String?
        }
        let record = switch self {
        case .all(let platforms): Record(kind: "all", platforms: platforms?.map(\.rawValue).sorted())
        case .workspace(let id): Record(kind: "workspace", workspaceId: id)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
