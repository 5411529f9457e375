import ArgumentParser

/// How log entries are written (`--log-format`): `text`, swift-log's stream format for people, or `json`, one
/// object per line (`JSONLogHandler`) for log shippers and `jq`.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
