#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Sends `NotifyMessage`s to systemd: one datagram each to `$NOTIFY_SOCKET`, on a socket opened once.
///
/// A send never blocks and never fails the daemon: the socket is non-blocking, and a lost notification is logged
/// (systemd then times the start out, or the watchdog fires, which is what the unit asked for).
public final class SystemdNotifier: Sendable {
    private let target: NotifyTarget
    private let descriptor: CInt
    private let logger: Logger

    /// nil when the daemon does not run under a `Type=notify` unit (no `$NOTIFY_SOCKET`), or the socket cannot be made.
    public init?(environment: [String: String], logger: Logger) {
        guard let target = NotifyTarget.parse(environment["NOTIFY_SOCKET"]) else { return nil }
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else {
            logger.warning("cannot open a socket to notify systemd", metadata: ["error": "\(String(cString: strerror(errno)))"])
            return nil
        }
        self.target = target
        self.descriptor = descriptor
        self.logger = logger
    }

    deinit {
        close(descriptor)
    }

    public func send(_ message: NotifyMessage) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = target.addressBytes
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            logger.warning("$NOTIFY_SOCKET is too long for a Unix socket address")
            return
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        // An abstract address is exactly as long as its name (no terminating NUL); a path's length may include it.
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let text = Array(message.text.utf8)
        let sent = text.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, buffer.baseAddress, buffer.count, 0, $0, length)
                }
            }
        }
        if sent < 0 {
            logger.warning("cannot notify systemd", metadata: ["error": "\(String(cString: strerror(errno)))"])
        } else {
            logger.trace("notified systemd", metadata: ["message": "\(message.text)"])
        }
    }
}
