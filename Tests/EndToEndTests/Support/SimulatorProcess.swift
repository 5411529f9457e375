import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSONRPC

/// A real `platform-sim` process on a loopback port, for tests that need the daemon and the simulator as
/// separate processes (so one can be killed while the other keeps its state).
final class SimulatorProcess: @unchecked Sendable {
    let process = Process()
    let baseURL: String
    private let output = Pipe()

    /// Starts `platform-sim --port 0 --config FILE [--manual-clock]` and waits for its `listening on` line.
    init(config: JSON, directory: URL, manualClock: Bool) throws {
        let configPath = directory.appendingPathComponent("sim.json")
        try Data(JSONWriter.serialize(config)).write(to: configPath)
        process.executableURL = DaemonProcess.executable("platform-sim")
        process.arguments = ["--port", "0", "--config", configPath.path] + (manualClock ? ["--manual-clock"] : [])
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var firstLine = Data()
        let reader = output.fileHandleForReading
        while !firstLine.contains(0x0A) {
            let chunk = reader.availableData
            guard !chunk.isEmpty else { throw TestFailure("platform-sim exited before listening") }
            firstLine.append(chunk)
        }
        let line = String(decoding: firstLine.prefix { $0 != 0x0A }, as: UTF8.self)
        guard line.hasPrefix("listening on ") else { throw TestFailure("unexpected first line from platform-sim: \(line)") }
        baseURL = String(line.dropFirst("listening on ".count))
    }

    deinit {
        if process.isRunning {
            process.terminate()
            // Bounded: see DaemonProcess's deinit.
            try? waitUntil("platform-sim exits", timeout: 10) { !process.isRunning }
        }
    }

    /// A control call (`/_sim/...`), answered as JSON.
    func control(_ method: String, _ path: String, body: JSON? = nil) throws -> JSON {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(JSONWriter.serialize(body))
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<Data, any Error> = .failure(TestFailure("no answer"))
        URLSession.shared.dataTask(with: request) { data, _, error in
            result = data.map { .success($0) } ?? .failure(error ?? TestFailure("no data"))
            done.signal()
        }.resume()
        done.wait()
        return try JSONParser.parse(Array(try result.get()))
    }

    /// Requests the simulator has seen on an endpoint (`tiktok.oauthToken`, `tiktok.videoQuery`, …).
    func requests(_ endpoint: String) throws -> Int64 {
        guard case .number(let count)? = try control("GET", "/_sim/stats")["endpoints"]?[endpoint]?["requests"] else { return 0 }
        return count.int64 ?? 0
    }
}
