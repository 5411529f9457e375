import Foundation
import Logging
import PostgresNIO
import StorageContract
import Synchronization

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary folder, `pg_ctl start`
/// listening only on a Unix socket in that folder (no TCP), fsync off (nothing here needs to survive a crash of the
/// machine; commits stay synchronous, so a test that stops the server at once loses nothing it was told is written), run
/// as `nobody` when the process is root (PostgreSQL refuses to run as root), and one fresh database per caller so
/// tests run in parallel.
///
/// Cleanup does not depend on the test ending well: at start a watchdog shell is spawned whose standard input is a
/// pipe only this process holds open. When this process ends — normally, by a failed expectation, or by a crash —
/// the kernel closes the pipe, the watchdog's `read` returns, and it stops the cluster (`pg_ctl stop -m immediate`)
/// and deletes the folder. `stop()` does the same at once for a cluster a test owns.
public final class PostgresCluster: Sendable {
    /// Why there is no cluster: the binaries are missing (a skip, unless `METRICSD_REQUIRE_POSTGRES` is set).
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    public let directory: String
    public let socketDirectory: String
    public let port: Int
    private let binaries: Binaries
    private let watchdog: Watchdog
    private let stopped = Mutex(false)

    /// The superuser tests connect as (trust authentication on the private socket only).
    public static let superuser = "postgres"

    // MARK: Finding PostgreSQL

    struct Binaries: Sendable {
        var initdb: String
        var pgCtl: String
    }

    /// `initdb` and `pg_ctl` on PATH, else in Debian's `/usr/lib/postgresql/<version>/bin` (newest version).
    static let binaries: Binaries? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        func onPath(_ name: String) -> String? {
            path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        if let initdb = onPath("initdb"), let pgCtl = onPath("pg_ctl") {
            return Binaries(initdb: initdb, pgCtl: pgCtl)
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: "\(bin)/initdb"), FileManager.default.isExecutableFile(atPath: "\(bin)/pg_ctl") {
                return Binaries(initdb: "\(bin)/initdb", pgCtl: "\(bin)/pg_ctl")
            }
        }
        return nil
    }()

    /// Whether PostgreSQL tests must run: set by scripts/test (and so CI), so a machine without PostgreSQL fails
    /// instead of silently skipping them.
    public static var isRequired: Bool {
        let value = ProcessInfo.processInfo.environment["METRICSD_REQUIRE_POSTGRES"] ?? ""
        return !value.isEmpty && value != "0"
    }

    /// Whether PostgreSQL tests run here: the binaries exist, or they are required (and then fail without them).
    public static var shouldRun: Bool { binaries != nil || isRequired }

    /// What a skipped test says.
    public static let skipMessage =
        "PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin: PostgreSQL tests skipped "
        + "(scripts/setup installs them; set METRICSD_REQUIRE_POSTGRES=1 to fail instead)"

    // MARK: The shared cluster

    private static let sharedCluster = SharedCluster()

    /// The start is one task every caller awaits: an actor method that awaited the start itself would let a second
    /// caller in while the first waits (actor reentrancy), and every parallel test would initdb its own cluster.
    private final class SharedCluster: Sendable {
        private let start = Mutex<Task<PostgresCluster, any Error>?>(nil)

        func get() async throws -> PostgresCluster {
            let task = start.withLock { start in
                if let start { return start }
                let task = Task { try await PostgresCluster.start() }
                start = task
                return task
            }
            return try await task.value
        }
    }

    /// One cluster per test process, started by the first caller; stopped and deleted when the process ends.
    public static func shared() async throws -> PostgresCluster {
        try await sharedCluster.get()
    }

    // MARK: Starting and stopping

    /// Starts a new cluster (its own folder, socket and watchdog).
    public static func start() async throws -> PostgresCluster {
        guard let binaries else {
            throw Unavailable(description: skipMessage)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metricsd-pg-\(UUID().uuidString.prefix(8))").path
        // The socket path must stay under the 107 bytes a Unix socket address holds: keep the folder short.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Owner-only and traversable, whatever the process umask is now: another test may have it at 0o177 for a
        // moment (RPCServer binds its socket so), and a folder made then has no x bit, which its owner needs.
        guard chmod(directory, 0o700) == 0 else {
            throw Unavailable(description: "cannot chmod \(directory): \(String(cString: strerror(errno)))")
        }
        let owner = geteuid() == 0 ? "nobody" : nil
        if let owner {
            guard let entry = getpwnam(owner) else { throw Unavailable(description: "no user \(owner) to run PostgreSQL as") }
            guard chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
                throw Unavailable(description: "cannot give \(directory) to \(owner): \(String(cString: strerror(errno)))")
            }
        }
        let watchdog = try Watchdog(directory: directory, binaries: binaries, owner: owner)
        let cluster = PostgresCluster(directory: directory, binaries: binaries, watchdog: watchdog, owner: owner)
        do {
            try await cluster.run([
                binaries.initdb, "-D", cluster.dataDirectory, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C",
                "--no-instructions",
            ])
            try cluster.writeSettings()
            try await cluster.startServer()
            return cluster
        } catch {
            await cluster.stop()
            throw error
        }
    }

    private let owner: String?

    private init(directory: String, binaries: Binaries, watchdog: Watchdog, owner: String?) {
        self.directory = directory
        self.socketDirectory = directory
        self.port = 5432
        self.binaries = binaries
        self.watchdog = watchdog
        self.owner = owner
    }

    var dataDirectory: String { directory + "/data" }
    var logFile: String { directory + "/server.log" }

    /// No TCP at all, the socket in the cluster's own folder, and nothing spent on durability.
    private func writeSettings() throws {
        let settings = """

            listen_addresses = ''
            unix_socket_directories = '\(socketDirectory)'
            fsync = off
            synchronous_commit = on
            full_page_writes = off
            max_connections = 500
            shared_buffers = 64MB
            log_min_messages = warning

            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
    }

    /// Starts the server and waits (`pg_ctl -w`: until it accepts connections, or its own timeout) for it.
    public func startServer() async throws {
        try await run([binaries.pgCtl, "start", "-w", "-t", "60", "-D", dataDirectory, "-l", logFile])
    }

    /// Stops the server at once (`-m immediate`: no checkpoint, no waiting for clients), keeping the folder: for
    /// tests of an unreachable database.
    public func stopServer() async throws {
        try await run([binaries.pgCtl, "stop", "-w", "-m", "immediate", "-D", dataDirectory])
    }

    /// Stops the server and deletes the folder (the watchdog would do it at exit; this does it now).
    public func stop() async {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        // Closing our end of the watchdog's pipe makes it stop the server and delete the folder; wait for it.
        await watchdog.finish()
    }

    // MARK: Databases

    /// A `postgres://` URL of the superuser on the private socket, for `database`.
    public func url(database: String) -> String {
        let host = socketDirectory.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketDirectory
        return "postgres://\(Self.superuser)@\(host):\(port)/\(database)"
    }

    /// Creates a fresh database with a unique name and returns its name.
    public func createDatabase(prefix: String = "t") async throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        _ = try await withAdminConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: Self.logger).collect()
        }
        return name
    }

    /// Drops a database, disconnecting whoever is still in it.
    public func dropDatabase(_ name: String) async throws {
        _ = try await withAdminConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"), logger: Self.logger).collect()
        }
    }

    /// A fresh database for the duration of `body`, dropped afterwards whether `body` succeeded or not.
    public func withDatabase<T>(_ body: (_ url: String) async throws -> T) async throws -> T {
        let name = try await createDatabase()
        do {
            let result = try await body(url(database: name))
            try? await dropDatabase(name)
            return result
        } catch {
            try? await dropDatabase(name)
            throw error
        }
    }

    /// A direct connection to `database` as the superuser, closed after `body`.
    public func withConnection<T>(database: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let configuration = PostgresConnection.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: Self.superuser, password: nil, database: database)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Self.logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func withAdminConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection(database: "postgres", body)
    }

    public static let logger = Logger(label: "metricsd.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    // MARK: Processes

    /// Runs a PostgreSQL binary (as `nobody` when root), failing with its output when it fails.
    private func run(_ arguments: [String]) async throws {
        let command = owner.map { ["/usr/sbin/runuser", "-u", $0, "--"] + arguments } ?? arguments
        let (status, output) = try await ChildProcess.run(command)
        guard status == 0 else {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)).map { "\nserver log:\n" + $0.suffix(2000) } ?? ""
            throw Unavailable(description: "\(arguments.prefix(2).joined(separator: " ")) failed (\(status)): \(output)\(log)")
        }
    }
}

/// A shell that waits for end-of-file on a pipe only this process holds, then stops the cluster and deletes its
/// folder: it runs when this process ends however it ends, or when `finish()` closes the pipe. It has a process
/// group of its own, so a Ctrl-C or a `kill` of the test's group leaves it to clean up.
private final class Watchdog: Sendable {
    private let writeEnd: Int32
    private let exited: Task<Int32, Never>

    init(directory: String, binaries: PostgresCluster.Binaries, owner: String?) throws {
        var fds: [Int32] = [0, 0]
        // Close-on-exec from the start, so no child of this process (postgres included) keeps the pipe open: a socket
        // pair made with SOCK_CLOEXEC rather than pipe() then fcntl(), where a process another thread spawned in
        // between would inherit the write end (Glibc's module does not export pipe2).
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw PostgresCluster.Unavailable(description: "socketpair: \(String(cString: strerror(errno)))")
        }
        let asOwner = owner.map { "/usr/sbin/runuser -u \($0) -- " } ?? ""
        let script = """
            read _ignored
            if [ -f '\(directory)/data/postmaster.pid' ]; then \(asOwner)'\(binaries.pgCtl)' stop -m immediate -D '\(directory)/data' >/dev/null 2>&1; fi
            rm -rf '\(directory)'
            """
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(["/bin/sh", "-c", script], input: fds[0], ownGroup: true)
        } catch {
            close(fds[0])
            close(fds[1])
            throw PostgresCluster.Unavailable(description: error.description)
        }
        close(fds[0])
        writeEnd = fds[1]
        exited = Task { await child.exitStatus() }
    }

    /// Closes the pipe and waits for the watchdog to have stopped the cluster and deleted its folder.
    func finish() async {
        close(writeEnd)
        _ = await exited.value
    }
}
