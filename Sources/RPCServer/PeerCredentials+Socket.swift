#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONRPC
import NIOCore

extension PeerCredentials {
    /// Asks the kernel who is on the other end of `channel`, once, when the connection opens: the answer
    /// describes the process that connected, whatever it claims later. Nil when the channel is not a local
    /// socket (an embedded test channel) or the platform has no way to tell.
    ///
    /// NIO hands out no file descriptor, but its channels read any socket option, and both ways of asking
    /// are socket options: `SO_PEERCRED` on Linux, `LOCAL_PEERCRED` (what `getpeereid` uses) and
    /// `LOCAL_PEERPID` on Darwin.
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials?> {
        guard let socket = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        #if os(Linux)
        let credentials: EventLoopFuture<LinuxPeerCredentials> = socket.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return credentials
            .map { PeerCredentials(uid: $0.uid, gid: $0.gid, pid: $0.pid) }
            .recover { _ in nil }
        #elseif canImport(Darwin)
        let credentials: EventLoopFuture<xucred> = socket.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_LOCAL), name: SocketOptionName(LOCAL_PEERCRED))
        let pid: EventLoopFuture<pid_t> = socket.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_LOCAL), name: SocketOptionName(LOCAL_PEERPID))
        return credentials.and(pid.map(Optional.some).recover { _ in nil })
            .map { credentials, pid in PeerCredentials(uid: credentials.cr_uid, gid: credentials.cr_groups.0, pid: pid) }
            .recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }
}

#if os(Linux)
/// `struct ucred` from `<sys/socket.h>`, which glibc only declares under `_GNU_SOURCE`; same layout.
private struct LinuxPeerCredentials: Sendable {
    var pid: pid_t
    var uid: uid_t
    var gid: gid_t
}
#endif
