#if canImport(Glibc)
import Glibc
private let systemBind = Glibc.bind
#elseif canImport(Darwin)
import Darwin
private let systemBind = Darwin.bind
#endif

/// The daemon's listening socket, made by hand so that its file is never more open than asked, without touching the
/// process's umask (which every thread shares: a file another thread created meanwhile would get it too).
///
/// Linux gives a Unix socket's file the mode of the socket itself when it binds (less the umask), so the socket is
/// made owner-only with `fchmod` before `bind`; the file is then given its group and widened to the asked mode
/// before anyone can connect, since NIO calls `listen` only when it adopts the descriptor (`withBoundSocket`).
enum OwnerOnlySocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A bound, not yet listening stream socket at `path`, its file of `mode` and `group` (nil: the process's).
    static func bind(path: String, mode: UInt32, group: UInt32?) throws(Failure) -> CInt {
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "cannot make a socket: \(String(cString: strerror(errno)))") }
        var bound = false
        func fail(_ what: String) -> Failure {
            let failure = Failure(description: "\(what): \(String(cString: strerror(errno)))")
            close(descriptor)
            if bound { unlink(path) }
            return failure
        }
        guard fchmod(descriptor, 0o600) == 0 else { throw fail("cannot make the socket owner-only") }
        guard var address = UnixSocketPath.makeAddress(path) else {
            close(descriptor)
            throw Failure(description: "the socket path does not fit a Unix socket address: \(path)")
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemBind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw fail("cannot listen on \(path)") }
        bound = true
        if let group, chown(path, uid_t.max, gid_t(group)) != 0 { throw fail("cannot give \(path) to group \(group)") }
        guard chmod(path, mode_t(mode)) == 0 else { throw fail("cannot set mode of \(path)") }
        return descriptor
    }
}
