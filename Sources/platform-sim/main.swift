import ArgumentParser
import Foundation
import MetricsCore
import PlatformSimulator

/// Serves the Instagram, Facebook Pages and TikTok look-alike on loopback until killed.
@main
struct PlatformSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform-sim",
        abstract: "A local look-alike of the Instagram Graph, Facebook Pages and TikTok v2 APIs.",
        discussion: """
            Prints `listening on http://HOST:PORT` as its first line once it accepts connections.
            Control routes: GET /_sim/stats, POST /_sim/reset-stats, POST /_sim/seed, GET|POST /_sim/clock,
            POST|DELETE /_sim/faults, GET|PUT /_sim/config.

            Time: the system clock by default. --clock-speed F runs it F times faster (token lifetimes, call
            budgets, metric growth and publishing follow; a latency fault is real time, as the network is), so a
            60 makes an hour pass every real minute. --manual-clock stops it until POST /_sim/clock moves it; the
            two exclude each other. With "publishing": {"postsPerAccountPerDay": N} in the configuration, every
            account publishes new posts as its time passes.
            """)

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Address to bind (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(help: "JSON file: {\"simulator\": {...configuration...}, \"seed\": {...accounts, posts, generate...}}.")
    var config: String?

    @Flag(help: "Run on a manual clock that only POST /_sim/clock moves (instead of the system clock).")
    var manualClock = false

    @Option(help: "Run on a clock this many times faster than real time (token lifetimes, budgets, metric growth, publishing); not with --manual-clock. (default: 1)")
    var clockSpeed: Double?

    @Option(help: "The simulated time at start, ISO 8601, from which the manual clock moves when told and any other clock runs (default: the system time).")
    var startTime: String?

    @Option(help: "With --clock-speed: the real moment (ISO 8601) at which the sped-up clock read the real time, instead of this start. Processes given the same speed and anchor share one timeline to the millisecond, however far apart they start (metricsd has the same flag).")
    var clockAnchor: String?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let startTime, Timestamp(iso8601: startTime) == nil {
            throw ValidationError("--start-time must be ISO 8601, e.g. 2026-11-24T19:04:00Z")
        }
        if let clockAnchor {
            guard Timestamp(iso8601: clockAnchor) != nil else {
                throw ValidationError("--clock-anchor must be ISO 8601, e.g. 2026-11-24T19:04:00Z")
            }
            guard clockSpeed != nil, startTime == nil else {
                throw ValidationError("--clock-anchor goes with --clock-speed and without --start-time: the anchor fixes where the sped-up clock's timeline starts")
            }
        }
        if let clockSpeed {
            guard !manualClock else {
                throw ValidationError("--clock-speed and --manual-clock exclude each other: a manual clock moves only when told")
            }
            guard clockSpeed > 0, clockSpeed <= 1_000_000, clockSpeed.isFinite else {
                throw ValidationError("--clock-speed must be a number greater than 0 and at most 1000000 (1 is real time), not \(clockSpeed)")
            }
        }
    }

    /// The manual clock, a sped-up one, or the system clock; a start time moves the clock's start, not its pace.
    func makeClock() -> any WallClock {
        let start = startTime.flatMap { Timestamp(iso8601: $0) }
        if manualClock {
            return ManualClock(now: start ?? SystemClock().now)
        }
        let speed = clockSpeed ?? 1
        if let anchor = clockAnchor.flatMap({ Timestamp(iso8601: $0) }) {
            return ScaledClock(speed: speed, anchor: .at(anchor))
        }
        guard speed != 1 || start != nil else { return SystemClock() }
        let real = SystemClock()
        let now = real.now
        return ScaledClock(speed: speed, anchor: .init(real: now, scaled: start ?? now), real: real)
    }

    func run() async throws {
        var file = SimulatorConfigFile()
        if let config {
            let data = try Data(contentsOf: URL(fileURLWithPath: config))
            file = try JSONDecoder().decode(SimulatorConfigFile.self, from: data)
        }
        let clock = makeClock()
        let simulator = try await PlatformSimulator.start(
            configuration: file.simulator, clock: clock, host: host, port: port)
        if let seed = file.seed {
            try simulator.seed(seed)
        }
        print("listening on \(simulator.baseURL)")
        fflush(nil)  // all streams: a parent reading our first line must see it now
        try await simulator.waitUntilClosed()
    }
}
