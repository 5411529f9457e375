import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JSONRPC
import PostgresTestSupport
import RPCClient
import Synchronization
import TestSupport
import Testing

/// Daemons on one PostgreSQL database stopped together (SIGTERM at the same moment), as a deploy or a host's
/// shutdown stops them: each must exit, promptly and with status 0, whether a shared run is under way or has just
/// ended, and while clients keep reading. One such stop once left a daemon idle forever, its socket removed and its
/// cluster left, waiting on something in its shutdown that nothing would resume; this runs that stop many times.
@Suite(.serialized, .ownThread, .enabled(if: PostgresCluster.shouldRun))
struct ClusterShutdownTests {
    /// A stop longer than this is a failure: a clean shutdown takes well under a second, the socket's drain of
    /// in-flight calls at most its grace period.
    static let exitDeadline: Double = 10

    /// Rates that make a refresh of the studio last a few seconds, so a stop can land inside it.
    static let limits = [
        "--account-rate", "instagram=20:20", "--account-rate", "facebook=20:20", "--account-rate", "tiktok=20:20",
        // Shorter than the test's deadline: a daemon stuck in its shutdown says what it waits for before the test gives up.
        "--shutdown-timeout", "8",
    ]

    enum Moment: CustomStringConvertible {
        case duringRefresh, afterRefresh
        var description: String { self == .duringRefresh ? "during a refresh" : "after a refresh" }
    }

    @Test(.timeLimit(.minutes(6)), arguments: [2, 3])
    func daemonsStoppedTogetherAllExitPromptly(daemonCount: Int) async throws {
        let studio = try await ClusterTests.studio(perPlatform: 2, posts: 12, tiktokExpired: false)
        let first = try ClusterTests.daemon(studio, Self.limits)
        try ClusterTests.register(studio, through: first)
        try first.terminate()
        for round in 1...5 {
            let moment: Moment = round % 2 == 1 ? .duringRefresh : .afterRefresh
            try await stopTogether(studio, daemonCount: daemonCount, moment: moment, round: round)
        }
    }

    /// Starts `daemonCount` daemons, refreshes, loads them with reads, and stops them all at once at `moment`.
    private func stopTogether(_ studio: ClusterTests.Studio, daemonCount: Int, moment: Moment, round: Int) async throws {
        let daemons = try (0..<daemonCount).map { _ in try ClusterTests.daemon(studio, Self.limits) }
        try await ClusterTests.waitUntilAllHeld(studio, by: daemons)
        switch moment {
        case .duringRefresh:
            let before = try ClusterTests.requestsByAccount(studio).values.reduce(0, +)
            let started = try daemons[0].result("refreshAll", ["wait": false])
            let runId = try #require(started["runId"])
            // Under way: the platforms have had calls of this run (or it is over already, on a fast machine).
            try waitUntilBlocking("the run is under way", timeout: 30) {
                if try ClusterTests.requestsByAccount(studio).values.reduce(0, +) > before + 10 { return true }
                return try daemons[0].result("runStatus", ["runId": runId])["status"] != "running"
            }
        case .afterRefresh:
            try daemons[0].result("refreshAll")
        }
        let readers = daemons.map { ReadLoad(socketPath: $0.socketPath) }
        try waitUntilBlocking("every reader has had an answer", timeout: 10) { readers.allSatisfy { $0.answers > 0 } }

        let stopped = ContinuousClock.now
        for daemon in daemons { kill(daemon.process.processIdentifier, SIGTERM) }
        var exits: [(status: Int32?, seconds: Double)] = []
        for daemon in daemons {
            let deadline = stopped + .milliseconds(Int64(Self.exitDeadline * 1000))
            try await waitUntil("daemon \(daemon.process.processIdentifier) exits", timeout: Self.exitDeadline + 1) {
                !daemon.process.isRunning || ContinuousClock.now >= deadline
            }
            let elapsed = ContinuousClock.now - stopped
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if daemon.process.isRunning {
                exits.append((nil, seconds))
                Issue.record("""
                    round \(round) (\(daemons.count) daemons, \(moment)): daemon \(daemon.process.processIdentifier) still running \
                    \(Self.exitDeadline) s after SIGTERM
                    \(Self.stacks(of: daemon.process.processIdentifier))
                    log: \(daemon.stderrText().suffix(4000))
                    """)
                daemon.process.signal(SIGKILL)
            } else {
                let status = daemon.process.terminationStatus
                exits.append((status, seconds))
                #expect(
                    status == 0,
                    "round \(round) (\(daemons.count) daemons, \(moment)): exit status \(status); log: \(daemon.stderrText().suffix(4000))")
            }
        }
        readers.forEach { $0.stop() }
        print("ClusterShutdownTests round \(round): \(daemons.count) daemons \(moment), exits "
            + exits.map { "\($0.status.map(String.init) ?? "none") in \(String(format: "%.2f", $0.seconds)) s" }.joined(separator: ", "))
    }

    /// Every thread's stack of a stuck daemon, when gdb is installed: what it waits for.
    static func stacks(of pid: pid_t) -> String {
        let gdb = "/usr/bin/gdb"
        guard FileManager.default.isExecutableFile(atPath: gdb) else { return "(no gdb for its stacks)" }
        let output = try? runProcess(URL(fileURLWithPath: gdb), ["-batch", "-p", "\(pid)", "-ex", "thread apply all bt"])
        return "stacks:\n" + (output.map { String($0.stdout.suffix(12_000)) } ?? "(gdb failed)")
    }
}

/// Reads on a daemon, one call after another on one connection from a thread of its own (the client blocks), until
/// stopped or the daemon goes away: the read load under which the daemons are stopped.
final class ReadLoad: Sendable {
    private let state = Mutex((answers: 0, stopped: false))

    init(socketPath: String) {
        let thread = Thread { [self] in
            guard let connection = try? RPCConnection(socketPath: socketPath, timeoutSeconds: 15) else { return }
            while !state.withLock({ $0.stopped }) {
                guard (try? connection.call("latestMetrics", params: ["workspaceId": "w", "limit": 200])) != nil else { return }
                state.withLock { $0.answers += 1 }
                // Paced (about 200 calls a second a daemon): load, not a flood that starves the tests running beside
                // this one of the machine's two cores.
                usleep(5_000)
            }
        }
        thread.start()
    }

    var answers: Int { state.withLock { $0.answers } }

    func stop() { state.withLock { $0.stopped = true } }
}
