import Foundation

#if canImport(Glibc)
import Glibc
import StorageContract
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid` on a thread of its own.
///
/// Not Foundation's `Process`: on Linux it learns that a child ended when a socket the child inherited closes, and
/// `pg_ctl start` leaves a server running that inherited that socket too, so the termination handler of
/// `pg_ctl start` would fire only when the server stops, and a test waiting for it would hang. `waitpid` answers when
/// the child itself exits, whatever its descendants hold open.
struct ChildProcess: Sendable {
    let pid: pid_t

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `arguments[0]` (a path) with the rest as its arguments, the environment of this process, standard
    /// input from `input` (a descriptor, else /dev/null), standard output and error to `outputPath` (else
    /// /dev/null), in a process group of its own when `ownGroup` (so a signal to this process's group spares it).
    static func spawn(_ arguments: [String], input: Int32? = nil, outputPath: String? = nil, ownGroup: Bool = false) throws(SpawnError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process's: a long-lived child (the server, the watchdog) holding a descriptor of it
        // would keep that open, such as the socket by which Foundation's `Process` learns that another child ended.
        // glibc has had the call since 2.34; Glibc's module does not export it, so it is looked up (and skipped on an
        // older glibc, where only close-on-exec descriptors are closed).
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if ownGroup {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw SpawnError(description: "cannot start \(arguments[0]): \(String(cString: strerror(status)))")
        }
        return ChildProcess(pid: pid)
    }

    /// Waits for the child to exit; its exit status (128 + the signal when a signal ended it).
    func wait() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let pid = self.pid
            // A blocking waitpid on a thread of its own: the cooperative pool must never block.
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                let low = status & 0x7f
                continuation.resume(returning: low == 0 ? (status >> 8) & 0xff : 128 + low)
            }
        }
    }

    /// Runs a command to its end: its exit status and what it printed.
    static func run(_ arguments: [String]) async throws(SpawnError) -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("metricsd-pg-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let child = try spawn(arguments, outputPath: outputPath)
        let status = await child.wait()
        return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }
}
