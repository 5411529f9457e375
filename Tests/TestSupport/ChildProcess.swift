import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A child process started with `posix_spawn` and reaped with a non-blocking `waitpid`, polled: the one way the
/// tests, the PostgreSQL test cluster and the store benchmark start and wait for processes.
///
/// Not Foundation's `Process`: on Linux it learns of an exit from a SIGCHLD handler on a dispatch queue, whose
/// threads are the cooperative pool's (two on the build machine), and by a socket the child inherits, which
/// `pg_ctl start` passes on to the server it leaves running, so a wait for `pg_ctl` would last as long as the server.
/// `waitpid` answers when the child itself exits.
///
/// Polled rather than a blocking `waitpid`: a blocked `waitpid` cannot be interrupted, so a test whose child never
/// exits would hang past its `.timeLimit`. Every wait here checks for cancellation and, when cancelled, kills the
/// child (SIGKILL) and reaps it, so a cancelled test ends and leaves no process behind. The reaping lock is never
/// held while waiting: another thread may ask `isRunning` or send a signal meanwhile.
///
/// The child gets only the descriptors named here (every other one is closed in it), so no pipe or socket of another
/// test's child leaks into it and holds that open.
public final class ChildProcess: Sendable {
    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    public let processIdentifier: pid_t
    /// The exit status once reaped: the exit code, or the number of the signal that ended it (as Foundation's).
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`, `environment` (nil: this process's), and `stdin`, `stdout`, `stderr` as
    /// its 0, 1, 2 (nil: /dev/null); in a process group of its own when `ownGroup` (a signal to this process's group
    /// then spares it).
    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil, stdin: CInt? = nil, stdout: CInt? = nil,
        stderr: CInt? = nil, ownGroup: Bool = false
    ) throws(SpawnError) {
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
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if ownGroup {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(result)))") }
        processIdentifier = pid
    }

    /// `arguments[0]` (a path) with the rest, standard output and error appended to `outputPath` (else /dev/null).
    public static func spawn(_ arguments: [String], input: CInt? = nil, outputPath: String? = nil, ownGroup: Bool = false) throws(SpawnError)
        -> ChildProcess
    {
        var output: CInt?
        if let outputPath {
            let descriptor = open(outputPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw SpawnError(description: "cannot open \(outputPath): \(String(cString: strerror(errno)))") }
            output = descriptor
        }
        defer { output.map { _ = close($0) } }
        return try ChildProcess(
            executable: arguments[0], arguments: Array(arguments.dropFirst()), stdin: input, stdout: output, stderr: output,
            ownGroup: ownGroup)
    }

    /// Runs a command to its end: its exit status and what it printed (standard output and error together).
    public static func run(_ arguments: [String]) async throws(SpawnError) -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("metricsd-child-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let child = try spawn(arguments, outputPath: outputPath)
        let status = await child.exitStatus()
        return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does not declare; on an
    /// older glibc only close-on-exec descriptors are closed.
    private static let closeFrom: @Sendable (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> Void = {
        typealias Function = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return { _, _ in }
        }
        let function = unsafeBitCast(symbol, to: Function.self)
        return { actions, first in _ = function(actions, first) }
    }()

    // MARK: Waiting

    /// The exit status if the child has exited (reaping it), else nil. Never blocks.
    private func reap() -> Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            while true {
                let result = waitpid(processIdentifier, &raw, WNOHANG)
                if result == processIdentifier { break }
                if result == 0 { return nil }
                if errno == EINTR { continue }
                status = -1  // not our child any more (reaped elsewhere): gone, status unknown
                return status
            }
            let signal = raw & 0x7f
            status = signal == 0 ? (raw >> 8) & 0xff : signal
            return status
        }
    }

    public var isRunning: Bool { reap() == nil }

    /// Waits (blocking this thread, for synchronous tests on a thread of their own) for the exit status. A cancelled
    /// task kills the child and still returns its status.
    public var terminationStatus: Int32 {
        var pause = PollPause()
        while true {
            if let status = reap() { return status }
            if Task.isCancelled { kill(processIdentifier, SIGKILL) }
            usleep(pause.next())
        }
    }

    public func waitUntilExit() { _ = terminationStatus }

    /// Waits for the exit status without holding a thread. A cancelled task kills the child (SIGKILL) and still
    /// returns its status, so nothing outlives the test that started it.
    public func exitStatus() async -> Int32 {
        var pause = PollPause()
        while true {
            if let status = reap() { return status }
            do {
                try await Task.sleep(for: .microseconds(pause.next()))
            } catch {
                kill(processIdentifier, SIGKILL)
                return terminationStatus
            }
        }
    }

    /// SIGTERM.
    public func terminate() { signal(SIGTERM) }

    public func signal(_ number: Int32) {
        if isRunning { kill(processIdentifier, number) }
    }

    // MARK: Pipes

    /// A one-way channel whose ends are closed on exec from the moment they exist (the child gets the one it needs
    /// through dup2 only). A socket pair made with SOCK_CLOEXEC, not pipe() then fcntl(): a process another thread
    /// spawns in between (Foundation's `Process` in another suite) would inherit the write end, and `readAll` would
    /// wait for an end of file that never comes while that process lives. Glibc's module does not export pipe2.
    public static func pipe() throws(SpawnError) -> (read: CInt, write: CInt) {
        var ends: [CInt] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw SpawnError(description: "socketpair: \(String(cString: strerror(errno)))")
        }
        // One-way, as a pipe: the reader's end never writes, the writer's never reads.
        shutdown(ends[0], Int32(SHUT_WR))
        shutdown(ends[1], Int32(SHUT_RD))
        return (ends[0], ends[1])
    }

    /// Everything until end of file. When the calling task is cancelled meanwhile, `writer` (the child writing it) is
    /// killed, so the end of file comes.
    public static func readAll(_ descriptor: CInt, killingOnCancel writer: ChildProcess? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&ready, 1, 100) == 0 {
                if Task.isCancelled, let writer { kill(writer.processIdentifier, SIGKILL) }
                continue
            }
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                bytes += buffer[..<count]
            } else if count < 0, errno == EINTR || errno == EAGAIN {
                continue
            } else {
                return bytes
            }
        }
    }

    public static func writeAll(_ descriptor: CInt, _ bytes: [UInt8]) {
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

/// The pauses between polls of a child: short at first (most commands end in milliseconds), growing to 20 ms (a
/// daemon or a cluster's watchdog may live for minutes).
private struct PollPause {
    private var microseconds: UInt32 = 500

    mutating func next() -> UInt32 {
        defer { microseconds = min(microseconds * 2, 20_000) }
        return microseconds
    }
}
