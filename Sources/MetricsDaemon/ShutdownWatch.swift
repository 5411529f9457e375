import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Bounds the daemon's shutdown: once it starts (`arm`), the process has `timeout` to finish; past it, the watch
/// logs what the daemon was still waiting for (the services that had not returned, the steps that had not ended)
/// and exits with `exitCode`.
///
/// Why a watch and not only careful awaits: a shutdown that waits on something nobody resumes (a continuation, a
/// pool waiting for a connection that never closes) leaves every thread idle in `epoll_wait` and the process alive
/// forever, with nothing in its log; systemd's stop timeout would SIGKILL it eventually, a test run or a script would
/// not. The deadline fires on a Dispatch timer, outside Swift's cooperative pool, so it fires even when every
/// cooperative thread is blocked.
public final class ShutdownWatch: Sendable {
    /// The status of a daemon that did not finish shutting down in time (1 is a failed start).
    public static let exitCode: Int32 = 3

    private struct Pending {
        let what: String
        let since: ContinuousClock.Instant
    }

    private struct State {
        var pending: [UInt64: Pending] = [:]
        var nextID: UInt64 = 0
        var armedAt: ContinuousClock.Instant?
        var finished = false
        var timer: (any DispatchSourceTimer)?
    }

    private let timeout: Duration
    private let logger: Logger
    private let state = Mutex(State())
    /// What ends the process when the deadline passes; tests replace it.
    private let expire: @Sendable (Int32) -> Void

    public init(timeout: Duration, logger: Logger, expire: @escaping @Sendable (Int32) -> Void = ShutdownWatch.exitNow) {
        self.timeout = timeout
        self.logger = logger
        self.expire = expire
    }

    /// Ends the process at once: `exit` would run atexit handlers and static destructors, which could wait on the
    /// very thing shutdown is stuck on; the log is flushed first.
    @Sendable public static func exitNow(_ status: Int32) {
        fflush(nil)
        _exit(status)
    }

    /// Runs `body`, counted as pending under `what` until it returns: what the deadline's log names.
    public func step<T>(_ what: String, _ body: () async throws -> T) async rethrows -> T {
        let token = begin(what)
        defer { end(token) }
        return try await body()
    }

    /// One pending step, between `begin` and `end`.
    public struct Token: Sendable {
        fileprivate let id: UInt64
    }

    /// Counts `what` as pending until `end`: for a step that is not one closure (the end of a scope).
    public func begin(_ what: String) -> Token {
        state.withLock { state in
            state.nextID += 1
            state.pending[state.nextID] = Pending(what: what, since: .now)
            return Token(id: state.nextID)
        }
    }

    public func end(_ token: Token) {
        _ = state.withLock { $0.pending.removeValue(forKey: token.id) }
    }

    /// Shutdown has begun: from now, the process has `timeout` to finish. Idempotent (the first call counts).
    public func arm() {
        let timer = state.withLock { state -> (any DispatchSourceTimer)? in
            guard state.armedAt == nil, !state.finished else { return nil }
            state.armedAt = .now
            let timer = DispatchSource.makeTimerSource(queue: .global())
            state.timer = timer
            return timer
        }
        guard let timer else { return }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(max(0, nanoseconds)))
        timer.setEventHandler { [self] in expired() }
        timer.resume()
        logger.info("shutting down", metadata: ["timeout": "\(timeout)"])
    }

    /// Shutdown is complete: the deadline no longer applies.
    public func finish() {
        let timer = state.withLock { state in
            state.finished = true
            defer { state.timer = nil }
            return state.timer
        }
        timer?.cancel()
    }

    /// What is still pending, oldest first, with how long each has waited: the deadline's log line, and what tests
    /// read.
    public var pending: [String] {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.pending.values.sorted { $0.since < $1.since }.map { "\($0.what) (\(Self.seconds(now - $0.since)) s)" }
        }
    }

    private func expired() {
        let finished = state.withLock { $0.finished }
        guard !finished else { return }
        let waiting = pending
        logger.critical(
            "shutdown did not finish within \(timeout); exiting",
            metadata: ["waiting for": .array(waiting.map { .string($0) })])
        expire(Self.exitCode)
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

/// A service counted by the watch while it runs: the deadline's log names the services that had not returned.
struct WatchedService: Service, CustomStringConvertible {
    let service: any Service
    let watch: ShutdownWatch

    var description: String { "\(service)" }

    func run() async throws {
        try await watch.step("service \(service)") { try await service.run() }
    }
}

/// Listed last in the outer service group, so its graceful shutdown is the first triggered: arms the watch the moment
/// shutdown begins (a signal), or when the group is cancelled (a service failed), and returns.
struct ShutdownWatchService: Service, CustomStringConvertible {
    let watch: ShutdownWatch

    var description: String { "ShutdownWatch" }

    func run() async throws {
        try? await gracefulShutdown()
        watch.arm()
    }
}
