import JSONRPC

/// Who may call what, from the peer credentials the kernel gives for a Unix-socket connection (the way
/// PostgreSQL's `peer` authentication and systemd's varlink services decide).
///
/// Rules come from `--access FILE`, first match wins; each names a uid, a user, a gid or a group, a role, and
/// optionally the workspaces it is limited to. Root and the daemon's own uid are always `admin`. A caller no rule
/// matches may call only `health`, `rpc.discover` and `whoami`. Without a file there is no policy: whoever can open
/// the socket (its file mode decides: owner only, or its group with `--group-access`/`--socket-group`) may call
/// every method, as before. A pure value: names are resolved to ids when the file is read, so matching is arithmetic.
public struct AccessPolicy: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable, Comparable {
        case reader, writer, admin

        public static func < (lhs: Role, rhs: Role) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public struct Rule: Sendable, Equatable {
        public enum Subject: Sendable, Equatable {
            case uid(UInt32)
            /// The caller's primary gid, or one of the groups its user belongs to.
            case gid(UInt32)
        }

        public var subject: Subject
        public var role: Role
        /// nil: every workspace.
        public var workspaces: Set<String>?
        /// Where the rule is in the file (`rules[2]`), for messages.
        public var position: Int

        public init(subject: Subject, role: Role, workspaces: Set<String>? = nil, position: Int) {
            self.subject = subject
            self.role = role
            self.workspaces = workspaces
            self.position = position
        }
    }

    public var rules: [Rule]
    /// The daemon's own uid: always admin.
    public var daemonUID: UInt32

    public init(rules: [Rule], daemonUID: UInt32) {
        self.rules = rules
        self.daemonUID = daemonUID
    }

    /// What a caller may do: its role (nil when no rule matched) and the workspaces it is limited to (nil: all).
    public struct Grant: Sendable, Equatable {
        public var role: Role?
        public var workspaces: Set<String>?

        public init(role: Role?, workspaces: Set<String>?) {
            self.role = role
            self.workspaces = workspaces
        }

        /// Everything: no policy, root, the daemon's own uid, or an unscoped admin rule.
        public static let unrestricted = Grant(role: .admin, workspaces: nil)

        public func allows(workspace: String) -> Bool {
            workspaces?.contains(workspace) ?? true
        }

        /// Whether the caller sees every workspace (nothing to filter).
        public var seesAll: Bool { workspaces == nil }
    }

    /// The grant of a caller; `groups` are the supplementary groups of its user (looked up by the caller of this
    /// function, since it is I/O), checked after the primary gid.
    public func grant(uid: UInt32, gid: UInt32, groups: [UInt32] = []) -> Grant {
        if uid == 0 || uid == daemonUID { return .unrestricted }
        for rule in rules {
            let matches = switch rule.subject {
            case .uid(let id): id == uid
            case .gid(let id): id == gid || groups.contains(id)
            }
            if matches { return Grant(role: rule.role, workspaces: rule.workspaces) }
        }
        return Grant(role: nil, workspaces: nil)
    }

    /// Whether any rule names a group (then the caller's supplementary groups are worth looking up).
    public var needsGroups: Bool {
        rules.contains { if case .gid = $0.subject { true } else { false } }
    }
}
