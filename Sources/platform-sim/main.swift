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
            """)

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Address to bind (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(help: "JSON file: {\"simulator\": {...configuration...}, \"seed\": {...accounts, posts, generate...}}.")
    var config: String?

    @Flag(help: "Run on a manual clock that only POST /_sim/clock moves (instead of the system clock).")
    var manualClock = false

    @Option(help: "Start time of the manual clock, ISO 8601 (default: the system time).")
    var startTime: String?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let startTime, Timestamp(iso8601: startTime) == nil {
            throw ValidationError("--start-time must be ISO 8601, e.g. 2026-11-24T19:04:00Z")
        }
    }

    func run() async throws {
        var file = SimulatorConfigFile()
        if let config {
            let data = try Data(contentsOf: URL(fileURLWithPath: config))
            file = try JSONDecoder().decode(SimulatorConfigFile.self, from: data)
        }
        let clock: any WallClock = manualClock
            ? ManualClock(now: startTime.flatMap { Timestamp(iso8601: $0) } ?? SystemClock().now)
            : SystemClock()
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
