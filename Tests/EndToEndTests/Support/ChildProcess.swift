import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A child process started with `posix_spawn` and reaped with `waitpid` on the thread that asks.
///
/// Not Foundation's `Process`: it learns of an exit from a SIGCHLD handler on a dispatch queue, and dispatch's
/// threads are the cooperative pool's (two on the build machine). Synchronous tests hold those threads while they
/// wait, so two tests waiting for exits (or one waiting for an exit while another closes a store) stalled a full
/// run for good. Here nothing but the waiting thread is needed. The child gets only the descriptors named here:
/// every other one is closed in it, so no pipe of another test's child leaks into it and holds that pipe open.
final class ChildProcess: @unchecked Sendable {
    let processIdentifier: pid_t
    private let status = Mutex<Int32?>(nil)

    /// `stdin`, `stdout`, `stderr`: descriptors the child gets as 0, 1, 2 (nil: /dev/null).
    init(executable: String, arguments: [String], environment: [String: String], stdin: CInt? = nil, stdout: CInt? = nil, stderr: CInt? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in [(stdin, CInt(0)), (stdout, CInt(1)), (stderr, CInt(2))] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        Self.closeFrom(&actions, 3)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw TestFailure("cannot start \(executable): \(String(cString: strerror(result)))") }
        processIdentifier = pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does not declare.
    private static let closeFrom: @Sendable (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> Void = {
        typealias Function = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return { _, _ in }
        }
        let function = unsafeBitCast(symbol, to: Function.self)
        return { actions, first in _ = function(actions, first) }
    }()

    /// The exit status once reaped: waits for it when `block`.
    private func reap(block: Bool) -> Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            while true {
                let result = waitpid(processIdentifier, &raw, block ? 0 : WNOHANG)
                if result == processIdentifier { break }
                if result == 0 { return nil }
                if errno == EINTR { continue }
                status = -1  // not our child any more (reaped elsewhere): gone, status unknown
                return status
            }
            // As Foundation reports it: the exit code, or the signal that ended it.
            let signal = raw & 0x7f
            status = signal == 0 ? (raw >> 8) & 0xff : signal
            return status
        }
    }

    var isRunning: Bool { reap(block: false) == nil }

    var terminationStatus: Int32 { reap(block: true) ?? -1 }

    func waitUntilExit() { _ = reap(block: true) }

    /// SIGTERM.
    func terminate() {
        if isRunning { kill(processIdentifier, SIGTERM) }
    }

    func signal(_ number: Int32) {
        if isRunning { kill(processIdentifier, number) }
    }

    /// A pipe whose ends are closed on exec (the child gets the one it needs through dup2 only).
    static func pipe() throws -> (read: CInt, write: CInt) {
        var ends: [CInt] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw TestFailure("pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// Everything until end of file.
    static func readAll(_ descriptor: CInt) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                bytes += buffer[..<count]
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return bytes
            }
        }
    }

    static func writeAll(_ descriptor: CInt, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}
