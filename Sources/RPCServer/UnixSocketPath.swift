#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks a socket path before binding: the errors here are the ones an operator can act on.
public enum UnixSocketPath {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// `sun_path` holds 108 bytes on Linux (104 on macOS), one of them the terminating NUL.
    public static var maximumLength: Int {
        MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
    }

    /// Makes `path` ready to bind: refuses a too-long path, a live daemon's socket and anything that is not
    /// a socket; removes a stale socket file left by a daemon that died. The directory must exist.
    public static func prepare(_ path: String) throws(Problem) {
        let length = path.utf8.count
        guard length > 0 else { throw Problem(description: "the socket path is empty") }
        guard length <= maximumLength else {
            throw Problem(description:
                "socket path is \(length) bytes, but this OS allows at most \(maximumLength) for a Unix socket: \(path) (choose a shorter path, e.g. under /run or /tmp)")
        }

        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw Problem(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        if isAnswering(path) {
            throw Problem(description: "another daemon is already listening on \(path)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw Problem(description: "cannot remove stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether something accepts connections at `path` right now.
    public static func isAnswering(_ path: String) -> Bool {
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        guard var address = makeAddress(path) else { return false }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    static func makeAddress(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count <= maximumLength else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return address
    }
}
