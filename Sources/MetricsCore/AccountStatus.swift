/// Whether metricsd may call a platform with an account's token.
///
/// Only `connected` accounts are refreshed. `expired` and `needsReconnect` are set by the refresh when the
/// platform rejects the token and are cleared when a sibling service registers a fresh token.
public enum AccountStatus: String, CaseIterable, Sendable, Codable, Hashable {
    case connected
    case expired
    case needsReconnect = "needs_reconnect"
    case disconnected
}
