import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing

/// Runs the built `platform-sim` binary the way a person would, and talks to it over HTTP.
@Suite("platform-sim executable")
struct PlatformSimExecutableTests {
    static var binary: URL? {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [products, products.deletingLastPathComponent(), products.deletingLastPathComponent().deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("platform-sim")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// A `platform-sim` running with `arguments`, and the first line it printed.
    ///
    /// Started and waited for without blocking a thread (a `ChildProcess` and its output in a file, both polled): these
    /// tests are async, so they run on Swift's cooperative pool, two threads on the build machine, where a blocking read
    /// of the first line or a `Process.waitUntilExit` holds one of the two for as long as a loaded machine takes.
    struct Running {
        let process: ChildProcess
        /// `listening on http://…`, printed as soon as it accepts connections; empty if it died first.
        let firstLine: String

        var base: String { String(firstLine.dropFirst("listening on ".count)) }
    }

    struct CannotCreate: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `body` with a `platform-sim` started with `arguments`, and stops it afterwards (SIGTERM, then its exit is
    /// awaited), whether `body` succeeded or not.
    static func withSimulator<T>(_ binary: URL, _ arguments: [String], _ body: (Running) async throws -> T) async throws -> T {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("platform-sim-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw CannotCreate(description: "cannot create \(outputPath): \(String(cString: strerror(errno)))") }
        // Standard output only (what a person reads the address from); its errors go where this process's go.
        let process: ChildProcess
        do {
            defer { close(output) }
            process = try ChildProcess(executable: binary.path, arguments: arguments, stdout: output, stderr: 2)
        }
        func printed() -> String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
        do {
            // Up to the first newline; an exit before it means it died (then the line is what it printed, if anything).
            try await waitUntil("platform-sim prints its first line") { printed().contains("\n") || !process.isRunning }
            let first = printed().split(separator: "\n").first.map(String.init) ?? ""
            let result = try await body(Running(process: process, firstLine: first))
            process.terminate()
            _ = await process.exitStatus()
            return result
        } catch {
            process.terminate()
            _ = await process.exitStatus()
            throw error
        }
    }

    @Test("prints `listening on http://127.0.0.1:PORT` first and serves the control and platform routes",
          .enabled(if: binary != nil, "platform-sim is built by `swift build`"))
    func runsStandalone() async throws {
        let binary = try #require(Self.binary)
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("platform-sim-\(UUID().uuidString).json")
        try #"{"seed":{"accounts":[{"platform":"instagram","id":"17841400000000009","accessToken":"IGX"}],"posts":[{"id":"17900000000000009","account":"17841400000000009","createdAt":"2026-01-01T00:00:00Z","metrics":{"reach":12}}]}}"#
            .write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }

        try await Self.withSimulator(binary, ["--port", "0", "--config", config.path]) { simulator in
            #expect(simulator.firstLine.hasPrefix("listening on http://127.0.0.1:"))
            let base = simulator.base

            let insights = try await HTTPProbe.get("\(base)/v25.0/17900000000000009/insights?metric=reach&access_token=IGX")
            #expect(insights.status == 200)
            #expect(insights.body.contains(#"{"name":"reach","period":"lifetime","values":[{"value":12}]"#))
            let stats = try await HTTPProbe.get("\(base)/_sim/stats")
            #expect(stats.body.contains("\"instagram.insights\""))
        }
    }

    @Test("--clock-speed runs the simulator's clock from --start-time, that many times faster than real time",
          .enabled(if: binary != nil, "platform-sim is built by `swift build`"))
    func clockSpeed() async throws {
        let binary = try #require(Self.binary)
        let launched = Date()
        try await Self.withSimulator(binary, ["--port", "0", "--clock-speed", "3600", "--start-time", "2026-01-01T00:00:00Z"]) { simulator in
            let reply = try await HTTPProbe.get("\(simulator.base)/_sim/clock")
            let elapsed = Date().timeIntervalSince(launched)
            let clock = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
            #expect(clock?["manual"] as? Bool == false)
            let now = try #require(clock?["now"] as? Int64)
            let start: Int64 = 1_767_225_600_000
            // Anchored when it started, after `launched`: at most the real time since, 3600 times over.
            #expect(now >= start)
            #expect(now <= start + Int64(elapsed * 1000) * 3600 + 3600, "\(reply.body)")
        }
    }

    @Test("--clock-anchor puts the sped-up clock on the timeline that read the real time at the anchor",
          .enabled(if: binary != nil, "platform-sim is built by `swift build`"))
    func clockAnchor() async throws {
        let binary = try #require(Self.binary)
        // An anchor a real minute ago at speed 60: an hour of scaled time has passed, whenever the process started.
        let anchor = Int64(Date().timeIntervalSince1970) * 1000 - 60_000
        let anchorText = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(anchor) / 1000))
        try await Self.withSimulator(binary, ["--port", "0", "--clock-speed", "60", "--clock-anchor", anchorText]) { simulator in
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            let reply = try await HTTPProbe.get("\(simulator.base)/_sim/clock")
            let after = Int64(Date().timeIntervalSince1970 * 1000) + 1
            let clock = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
            let now = try #require(clock?["now"] as? Int64)
            #expect(now >= anchor + (before - anchor) * 60, "\(reply.body)")
            #expect(now <= anchor + (after - anchor) * 60, "\(reply.body)")
        }
    }

    @Test("--clock-speed must be positive and excludes --manual-clock", .enabled(if: binary != nil, "platform-sim is built by `swift build`"))
    func clockSpeedRefused() async throws {
        let binary = try #require(Self.binary)
        for (arguments, message) in [
            (["--clock-speed", "60", "--manual-clock"], "--clock-speed and --manual-clock exclude each other"),
            (["--clock-speed=0"], "--clock-speed must be a number greater than 0"),
            (["--clock-anchor", "2026-01-01T00:00:00Z"], "--clock-anchor goes with --clock-speed"),
        ] {
            // Awaited, not waited for: `ChildProcess.run` polls the exit, holding no thread of the pool meanwhile.
            let (status, text) = try await ChildProcess.run([binary.path] + arguments)
            #expect(status == 64, "\(arguments)")
            #expect(text.contains(message), "\(text)")
        }
    }
}
