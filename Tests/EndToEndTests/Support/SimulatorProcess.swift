import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JSON
import JSONRPC
import TestSupport

/// A real `platform-sim` process on a loopback port, for tests that need the daemon and the simulator as
/// separate processes (so one can be killed while the other keeps its state).
final class SimulatorProcess: @unchecked Sendable {
    let process: ChildProcess
    let baseURL: String
    /// Kept open while the simulator runs: it may print more, and a closed pipe would end it with SIGPIPE.
    private let output: CInt

    /// Starts `platform-sim --port 0 --config FILE [--manual-clock]` and waits for its `listening on` line.
    init(config: JSON, directory: URL, manualClock: Bool) throws {
        let configPath = directory.appendingPathComponent("sim.json")
        try Data(JSONWriter.serialize(config)).write(to: configPath)
        let pipe = try ChildProcess.pipe()
        process = try ChildProcess(
            executable: DaemonProcess.executable("platform-sim").path,
            arguments: ["--port", "0", "--config", configPath.path] + (manualClock ? ["--manual-clock"] : []),
            environment: ProcessInfo.processInfo.environment, stdout: pipe.write)
        close(pipe.write)
        output = pipe.read
        var firstLine: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(output, &byte, 1)
            guard count == 1 else { throw TestFailure("platform-sim exited before listening") }
            if byte == 0x0A { break }
            firstLine.append(byte)
        }
        let line = String(decoding: firstLine, as: UTF8.self)
        guard line.hasPrefix("listening on ") else { throw TestFailure("unexpected first line from platform-sim: \(line)") }
        baseURL = String(line.dropFirst("listening on ".count))
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        close(output)
    }

    /// A control call (`/_sim/...`), answered as JSON.
    func control(_ method: String, _ path: String, body: JSON? = nil) throws -> JSON {
        let answer = try HTTPAnswer.get(baseURL + path, method: method, body: body.map { JSONWriter.serialize($0) })
        return try JSONParser.parse(Array(answer.body.utf8))
    }

    /// Requests the simulator has seen on an endpoint (`tiktok.oauthToken`, `tiktok.videoQuery`, …).
    func requests(_ endpoint: String) throws -> Int64 {
        guard case .number(let count)? = try control("GET", "/_sim/stats")["endpoints"]?[endpoint]?["requests"] else { return 0 }
        return count.int64 ?? 0
    }
}
