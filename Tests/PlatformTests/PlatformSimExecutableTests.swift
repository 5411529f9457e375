import Foundation
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
    struct Running {
        let process: Process
        /// Held while it runs: a closed pipe would end it with SIGPIPE on its next line.
        let output: Pipe
        /// `listening on http://…`, printed as soon as it accepts connections; empty if it died first.
        let firstLine: String

        var base: String { String(firstLine.dropFirst("listening on ".count)) }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    static func launch(_ binary: URL, _ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Read up to the first newline; EOF (an empty chunk) means it died.
        var line = Data()
        let handle = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let first = String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return Running(process: process, output: output, firstLine: first)
    }

    @Test("prints `listening on http://127.0.0.1:PORT` first and serves the control and platform routes",
          .enabled(if: binary != nil, "platform-sim is built by `swift build`"))
    func runsStandalone() async throws {
        let binary = try #require(Self.binary)
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("platform-sim-\(UUID().uuidString).json")
        try #"{"seed":{"accounts":[{"platform":"instagram","id":"17841400000000009","accessToken":"IGX"}],"posts":[{"id":"17900000000000009","account":"17841400000000009","createdAt":"2026-01-01T00:00:00Z","metrics":{"reach":12}}]}}"#
            .write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }

        let simulator = try Self.launch(binary, ["--port", "0", "--config", config.path])
        defer { simulator.stop() }
        #expect(simulator.firstLine.hasPrefix("listening on http://127.0.0.1:"))
        let base = simulator.base

        let insights = try await HTTPProbe.get("\(base)/v25.0/17900000000000009/insights?metric=reach&access_token=IGX")
        #expect(insights.status == 200)
        #expect(insights.body.contains(#"{"name":"reach","period":"lifetime","values":[{"value":12}]"#))
        let stats = try await HTTPProbe.get("\(base)/_sim/stats")
        #expect(stats.body.contains("\"instagram.insights\""))
    }

    @Test("--clock-speed runs the simulator's clock from --start-time, that many times faster than real time",
          .enabled(if: binary != nil, "platform-sim is built by `swift build`"))
    func clockSpeed() async throws {
        let binary = try #require(Self.binary)
        let launched = Date()
        let simulator = try Self.launch(binary, ["--port", "0", "--clock-speed", "3600", "--start-time", "2026-01-01T00:00:00Z"])
        defer { simulator.stop() }
        let base = simulator.base
        let reply = try await HTTPProbe.get("\(base)/_sim/clock")
        let elapsed = Date().timeIntervalSince(launched)
        let clock = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
        #expect(clock?["manual"] as? Bool == false)
        let now = try #require(clock?["now"] as? Int64)
        let start: Int64 = 1_767_225_600_000
        // Anchored when it started, after `launched`: at most the real time since, 3600 times over.
        #expect(now >= start)
        #expect(now <= start + Int64(elapsed * 1000) * 3600 + 3600, "\(reply.body)")
    }

    @Test("--clock-anchor puts the sped-up clock on the timeline that read the real time at the anchor",
          .enabled(if: binary != nil, "platform-sim is built by `swift build`"))
    func clockAnchor() async throws {
        let binary = try #require(Self.binary)
        // An anchor a real minute ago at speed 60: an hour of scaled time has passed, whenever the process started.
        let anchor = Int64(Date().timeIntervalSince1970) * 1000 - 60_000
        let anchorText = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(anchor) / 1000))
        let simulator = try Self.launch(binary, ["--port", "0", "--clock-speed", "60", "--clock-anchor", anchorText])
        defer { simulator.stop() }
        let base = simulator.base
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let reply = try await HTTPProbe.get("\(base)/_sim/clock")
        let after = Int64(Date().timeIntervalSince1970 * 1000) + 1
        let clock = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
        let now = try #require(clock?["now"] as? Int64)
        #expect(now >= anchor + (before - anchor) * 60, "\(reply.body)")
        #expect(now <= anchor + (after - anchor) * 60, "\(reply.body)")
    }

    @Test("--clock-speed must be positive and excludes --manual-clock", .enabled(if: binary != nil, "platform-sim is built by `swift build`"))
    func clockSpeedRefused() throws {
        let binary = try #require(Self.binary)
        for (arguments, message) in [
            (["--clock-speed", "60", "--manual-clock"], "--clock-speed and --manual-clock exclude each other"),
            (["--clock-speed=0"], "--clock-speed must be a number greater than 0"),
            (["--clock-anchor", "2026-01-01T00:00:00Z"], "--clock-anchor goes with --clock-speed"),
        ] {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 64, "\(arguments)")
            #expect(text.contains(message), "\(text)")
        }
    }
}
