/// Where `$NOTIFY_SOCKET` points: a datagram socket in the file system (`/run/systemd/notify`) or in Linux's
/// abstract namespace (`@name`, with a leading NUL in the address instead of the `@`).
public enum NotifyTarget: Sendable, Equatable {
    case path(String)
    case abstract(String)

    /// nil when the variable is unset or names no Unix socket (sd_notify also speaks `vsock:`, which a daemon on
    /// the same host never gets; it is ignored rather than misread as a path).
    public static func parse(_ value: String?) -> NotifyTarget? {
        guard let value, !value.isEmpty else { return nil }
        if value.hasPrefix("/") { return .path(value) }
        if value.hasPrefix("@"), value.count > 1 { return .abstract(String(value.dropFirst())) }
        return nil
    }

    /// `sun_path`'s bytes: the path, or a NUL then the abstract name.
    var addressBytes: [UInt8] {
        switch self {
        case .path(let path): Array(path.utf8)
        case .abstract(let name): [0] + Array(name.utf8)
        }
    }
}
