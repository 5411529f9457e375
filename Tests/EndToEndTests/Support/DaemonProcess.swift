import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JSON
import JSONRPC
import RPCClient
import Synchronization
import TestSupport
import Testing

/// A real `metricsd` process on a temporary socket and database, for tests that talk to it as users do.
///
/// The binary is the one `swift build` put beside this test bundle. Readiness is a condition (the socket
/// answers `health`), waited for with a deadline: no sleeps.
final class DaemonProcess: @unchecked Sendable {
    let directory: URL
    let socketPath: String
    let databasePath: String
    let logPath: String
    let process: ChildProcess

    /// The directory holding the package's built executables (`metricsd`, `metricsctl`, `platform-sim`).
    static var productsDirectory: URL {
        // The test runner binary lives in the products directory (or in an .xctest bundle inside it).
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("metricsd").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }

    static func executable(_ name: String) -> URL {
        productsDirectory.appendingPathComponent(name)
    }

    /// Starts `metricsd` with `arguments` added to `--socket`/`--database` in a fresh temporary directory
    /// (or `directory`, to restart on the same files), and waits until it answers. `launcher`, given the socket's
    /// path, is a command that runs metricsd (`systemd-socket-activate -l PATH`).
    init(
        arguments: [String] = [], directory: URL? = nil, environment: [String: String] = [:], waitUntilReady: Bool = true,
        launcher: ((String) -> [String])? = nil
    ) throws {
        let directory = try directory ?? Self.makeTemporaryDirectory()
        self.directory = directory
        socketPath = directory.appendingPathComponent("d.sock").path
        databasePath = directory.appendingPathComponent("metrics.sqlite").path
        logPath = directory.appendingPathComponent("metricsd.log").path
        // A file, not a pipe: nobody drains a pipe while a test runs, and a full pipe would block the daemon.
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw TestFailure("cannot create \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        // A shutdown bound below `terminate`'s wait: a daemon stuck in its shutdown logs what it was waiting for (and
        // exits 3) before the test gives up on it, so the failure names the cause. A test's own flag comes later and wins.
        let daemonArguments = ["--socket", socketPath, "--database", databasePath, "--log-level", "debug", "--shutdown-timeout", "15"]
            + arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        if let launcher = launcher?(socketPath), let command = launcher.first {
            process = try ChildProcess(
                executable: command, arguments: Array(launcher.dropFirst()) + [Self.executable("metricsd").path] + daemonArguments,
                environment: env, stderr: log)
        } else {
            process = try ChildProcess(
                executable: Self.executable("metricsd").path, arguments: daemonArguments, environment: env, stderr: log)
        }
        if waitUntilReady {
            try waitForHealth()
        }
    }

    static func makeTemporaryDirectory() throws -> URL {
        // Short paths: a Unix socket path must fit in 107 bytes.
        let url = URL(fileURLWithPath: "/tmp/md-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func waitForHealth(timeout: TimeInterval = 20) throws {
        try waitUntilBlocking("metricsd answers health on \(socketPath)", timeout: timeout) {
            guard process.isRunning else {
                throw TestFailure("metricsd exited with status \(process.terminationStatus): \(stderrText())")
            }
            guard let connection = try? RPCConnection(socketPath: socketPath, timeoutSeconds: 2) else { return false }
            return (try? connection.call("health").get()) != nil
        }
    }

    func connect(timeoutSeconds: Double = 30) throws -> RPCConnection {
        try RPCConnection(socketPath: socketPath, timeoutSeconds: timeoutSeconds)
    }

    /// One call on a fresh connection. Every answer is checked against Schemas/openrpc.json: a result or an
    /// error the document does not describe fails the calling test, whatever the test itself asserts.
    func call(_ method: String, _ params: JSON? = nil) throws -> Result<JSON, RPCError> {
        let outcome = try connect().call(method, params: params)
        Self.checkAgainstSchema(method: method, outcome: outcome)
        return outcome
    }

    static let schema = Result { try OpenRPCSchema.loadProjectDocument() }

    static func checkAgainstSchema(method: String, outcome: Result<JSON, RPCError>) {
        let schema: OpenRPCSchema
        do {
            schema = try Self.schema.get()
        } catch {
            Issue.record("Schemas/openrpc.json cannot be loaded: \(error)")
            return
        }
        let violations = switch outcome {
        case .success(let result): schema.validateResult(of: method, result)
        case .failure(let error): schema.validateError(of: method, error.json)
        }
        for violation in violations {
            Issue.record("\(method): reply does not match Schemas/openrpc.json: \(violation)")
        }
    }

    /// One call that must succeed.
    @discardableResult
    func result(_ method: String, _ params: JSON? = nil) throws -> JSON {
        switch try call(method, params) {
        case .success(let result): return result
        case .failure(let error): throw TestFailure("\(method) failed: \(error) \(error.data.map(JSONWriter.string) ?? "")")
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func terminate(timeout: TimeInterval = 20) throws -> Int32 {
        if process.isRunning {
            process.terminate()
        }
        do {
            try waitUntilBlocking("metricsd exits", timeout: timeout) { !process.isRunning }
        } catch let error as WaitTimeout {
            throw TestFailure("\(error); its log ends:\n\(stderrText().suffix(4000))")
        }
        return process.terminationStatus
    }

    /// SIGKILL: the crash case.
    func kill() throws {
        process.signal(SIGKILL)
        try waitUntilBlocking("metricsd dies", timeout: 10) { !process.isRunning }
    }

    /// What the daemon logged so far.
    func stderrText() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    deinit {
        if process.isRunning {
            process.signal(SIGKILL)
            process.waitUntilExit()
        }
        if ProcessInfo.processInfo.environment["METRICSD_TEST_KEEP"] == nil { try? FileManager.default.removeItem(at: directory) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs an executable to completion, with stdin, returning its exit status and output.
@discardableResult
func runProcess(_ executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws
    -> (status: Int32, stdout: String, stderr: String)
{
    try BlockingOnTheCooperativePool.check("\(executable.lastPathComponent) exits")
    ignoreSIGPIPE
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    let input = try ChildProcess.pipe()
    let output = try ChildProcess.pipe()
    let errors = try ChildProcess.pipe()
    let process: ChildProcess
    do {
        process = try ChildProcess(
            executable: executable.path, arguments: arguments, environment: env, stdin: input.read, stdout: output.write,
            stderr: errors.write)
    } catch {
        for end in [input.read, input.write, output.read, output.write, errors.read, errors.write] { close(end) }
        throw error
    }
    close(input.read)
    close(output.write)
    close(errors.write)
    // stderr is drained beside stdout, so a child that writes much of both never blocks on a full pipe.
    let errorBytes = Mutex<[UInt8]>([])
    let drained = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        let bytes = ChildProcess.readAll(errors.read)
        errorBytes.withLock { $0 = bytes }
        drained.signal()
    }
    if let stdin {
        ChildProcess.writeAll(input.write, Array(stdin.utf8))
    }
    close(input.write)
    // A cancelled test (its time limit passed) kills the child rather than wait for its output forever.
    let stdout = ChildProcess.readAll(output.read, killingOnCancel: process)
    close(output.read)
    drained.wait()
    close(errors.read)
    let status = process.terminationStatus
    return (status, String(decoding: stdout, as: UTF8.self), String(decoding: errorBytes.withLock { $0 }, as: UTF8.self))
}

/// A write to a child that already exited must fail with EPIPE, not end the test process.
private let ignoreSIGPIPE: Void = {
    signal(SIGPIPE, SIG_IGN)
}()
