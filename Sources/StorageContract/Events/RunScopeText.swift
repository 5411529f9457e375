import JSON

/// Which workspace a run's event belongs to, from the scope text the engine stores with the run
/// (`{"kind":"workspace","workspaceId":…}`): a run over one workspace is that workspace's news; any other run spans
/// workspaces (nil), and only callers limited to no workspace see it.
public enum RunScopeText {
    public static func workspaceId(_ scope: String?) -> String? {
        guard let scope, let json = try? JSONParser.parse(scope), case .string(let id)? = json["workspaceId"] else { return nil }
        return id
    }
}
