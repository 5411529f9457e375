#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONRPC
import Logging
import Synchronization

/// The daemon's access policy at run time: what each call's peer may do, the file reloaded on SIGHUP (a bad file
/// keeps the policy in force and says why), and denials logged (uid, pid, method, never params) and counted.
final class AccessControl: Sendable {
    private let path: String?
    private let logger: Logger
    private let policy: Mutex<AccessPolicy?>
    /// Supplementary groups by uid, looked up once (reading /etc/group is not for every call); cleared on reload.
    private let groups = Mutex<[UInt32: [UInt32]]>([:])
    private let denials = Atomic<Int>(0)
    private let onDenial: @Sendable (String) -> Void

    /// Reads the file now (a problem stops start-up); no path: no policy, every caller unrestricted.
    init(path: String?, logger: Logger, onDenial: @escaping @Sendable (String) -> Void = { _ in }) throws(AccessPolicyFile.Problem) {
        self.path = path
        self.logger = logger
        self.onDenial = onDenial
        policy = Mutex(try path.map { path throws(AccessPolicyFile.Problem) in try AccessPolicyFile.load(path: path) })
    }

    /// Without a file, for tests and for the daemon without `--access`.
    static func unrestricted(logger: Logger) -> AccessControl {
        // A nil path never fails to load.
        try! AccessControl(path: nil, logger: logger)
    }

    var hasPolicy: Bool { policy.withLock { $0 != nil } }

    /// Reads the file again; on a problem the policy in force stays, and the reason is logged.
    func reload() {
        guard let path else { return }
        do {
            let fresh = try AccessPolicyFile.load(path: path)
            policy.withLock { $0 = fresh }
            groups.withLock { $0.removeAll() }
            logger.notice("access policy reloaded", metadata: ["file": "\(path)", "rules": "\(fresh.rules.count)"])
        } catch {
            logger.error("access policy not reloaded; the previous one stays in force", metadata: ["file": "\(path)", "reason": "\(error)"])
        }
    }

    /// What this call's peer may do. No peer (a call not from a socket: tests) and no policy are unrestricted.
    func grant(_ context: CallContext) -> AccessPolicy.Grant {
        guard let peer = context.peer, let policy = policy.withLock({ $0 }) else { return .unrestricted }
        let supplementary = policy.needsGroups ? groups(of: peer.uid, gid: peer.gid) : []
        return policy.grant(uid: peer.uid, gid: peer.gid, groups: supplementary)
    }

    /// The call's grant, or -32007 when its role does not reach the method.
    func authorize(_ method: String, _ context: CallContext) throws(AccessDenied) -> AccessPolicy.Grant {
        let grant = grant(context)
        guard MethodAccess.permits(grant, method) else { throw denied(method, context, workspaceId: nil) }
        return grant
    }

    /// -32007 when the grant does not cover `workspaceId`.
    func require(_ grant: AccessPolicy.Grant, workspace workspaceId: String, _ method: String, _ context: CallContext) throws(AccessDenied) {
        guard grant.allows(workspace: workspaceId) else { throw denied(method, context, workspaceId: workspaceId) }
    }

    private func denied(_ method: String, _ context: CallContext, workspaceId: String?) -> AccessDenied {
        denials.add(1, ordering: .relaxed)
        onDenial(method)
        logger.notice("permission denied", metadata: [
            "uid": "\(context.peer.map { String($0.uid) } ?? "-")", "pid": "\(context.peer?.pid.map(String.init) ?? "-")",
            "method": "\(method)",
        ])
        return AccessDenied(method: method, workspaceId: workspaceId)
    }

    var denialCount: Int { denials.load(ordering: .relaxed) }

    private func groups(of uid: UInt32, gid: UInt32) -> [UInt32] {
        if let known = groups.withLock({ $0[uid] }) { return known }
        var found: [UInt32] = []
        if let user = getpwuid(uid_t(uid)) {
            var count: Int32 = 64
            var list = [gid_t](repeating: 0, count: Int(count))
            if getgrouplist(user.pointee.pw_name, gid_t(gid), &list, &count) >= 0 {
                found = list.prefix(Int(count)).map { UInt32($0) }
            }
        }
        groups.withLock { $0[uid] = found }
        return found
    }

    /// The user name of a uid, if the system knows one.
    static func userName(_ uid: UInt32) -> String? {
        getpwuid(uid_t(uid)).map { String(cString: $0.pointee.pw_name) }
    }
}

/// A call outside the caller's role or workspaces: -32007 with `data: {method, workspaceId?}`.
struct AccessDenied: Error, Equatable, CustomStringConvertible {
    var method: String
    var workspaceId: String?

    var description: String {
        workspaceId.map { "permission denied: \(method) on workspace \($0)" } ?? "permission denied: \(method)"
    }
}
