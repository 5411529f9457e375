/// What the daemon tells systemd over `$NOTIFY_SOCKET` (sd_notify(3)): one datagram of `KEY=VALUE` lines.
public enum NotifyMessage: Sendable, Equatable {
    /// The socket listens: a `Type=notify` unit is started, and units ordered after it may go.
    case ready(status: String)
    /// Graceful shutdown began: systemd shows the unit as deactivating instead of reading the exit as a crash.
    case stopping
    /// The event loops and the engine answered: the watchdog's timer starts over.
    case watchdog
    /// A line for `systemctl status`.
    case status(String)

    /// The datagram's text. A status is one line: a newline inside it would start a new assignment.
    public var text: String {
        switch self {
        case .ready(let status): "READY=1\nSTATUS=\(Self.oneLine(status))"
        case .stopping: "STOPPING=1\nSTATUS=stopping"
        case .watchdog: "WATCHDOG=1"
        case .status(let text): "STATUS=\(Self.oneLine(text))"
        }
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
