#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The listening socket systemd passes a socket-activated daemon (sd_listen_fds(3)): `$LISTEN_PID` names this
/// process and `$LISTEN_FDS` counts the descriptors from 3 on. metricsd serves one socket, so it takes exactly one.
public enum SocketActivation {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: CInt = 3

    /// The descriptor to serve, or nil when the environment passes none to this process (variables inherited
    /// from a parent that was activated name another pid and are ignored, as sd_listen_fds does).
    public static func descriptor(environment: [String: String], processID: Int32) throws(Problem) -> CInt? {
        guard let pid = environment["LISTEN_PID"], let count = environment["LISTEN_FDS"] else { return nil }
        guard Int32(pid) == processID else { return nil }
        guard let number = Int(count), number >= 0 else {
            throw Problem(description: "LISTEN_FDS=\(count) is not a number of descriptors")
        }
        switch number {
        case 0: return nil
        case 1: return firstDescriptor
        default:
            throw Problem(description: "systemd passed \(number) sockets (LISTEN_FDS); metricsd serves one: give its .socket unit one ListenStream=")
        }
    }

    /// Checks that `descriptor` is a listening Unix stream socket, marks it close-on-exec, and returns the path it
    /// is bound to (for logs and `STATUS=`), or nil for an unnamed or abstract socket.
    public static func adopt(_ descriptor: CInt) throws(Problem) -> String? {
        var type: CInt = 0
        var listening: CInt = 0
        var size = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &size) == 0 else {
            throw Problem(description: "descriptor \(descriptor) from systemd is not a socket: \(String(cString: strerror(errno)))")
        }
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        size = socklen_t(MemoryLayout<CInt>.size)
        guard type == stream, getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening != 0 else {
            throw Problem(description: "descriptor \(descriptor) from systemd is not a listening stream socket (ListenStream=)")
        }
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0, address.sun_family == sa_family_t(AF_UNIX) else {
            throw Problem(description: "descriptor \(descriptor) from systemd is not a Unix socket: metricsd speaks over a Unix socket only")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let path = withUnsafeBytes(of: address.sun_path) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return path.isEmpty ? nil : path
    }
}
