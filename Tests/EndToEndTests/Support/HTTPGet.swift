import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request and its whole answer, for tests that scrape `--metrics-listen`.
struct HTTPAnswer {
    var status: Int
    var contentType: String?
    var body: String

    static func get(_ url: String, method: String = "GET", timeout: TimeInterval = 10) throws -> HTTPAnswer {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: timeout)
        request.httpMethod = method
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<HTTPAnswer, any Error> = .failure(TestFailure("no answer from \(url)"))
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let response = response as? HTTPURLResponse {
                result = .success(HTTPAnswer(
                    status: response.statusCode, contentType: response.value(forHTTPHeaderField: "Content-Type"),
                    body: String(decoding: data ?? Data(), as: UTF8.self)))
            } else {
                result = .failure(error ?? TestFailure("no HTTP answer from \(url)"))
            }
            done.signal()
        }.resume()
        done.wait()
        return try result.get()
    }
}

/// Prometheus' own linter for the exposition format (`promtool check metrics`, Debian's prometheus package,
/// installed by scripts/setup).
enum Promtool {
    static func check(_ exposition: String) throws -> (status: Int32, output: String) {
        let path = "/usr/bin/promtool"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: run scripts/setup (it installs Debian's prometheus package)")
        }
        let run = try runProcess(URL(fileURLWithPath: path), ["check", "metrics"], stdin: exposition)
        return (run.status, run.stdout + run.stderr)
    }
}

extension DaemonProcess {
    /// The URL the daemon logged for its metrics listener (`--metrics-listen …:0` takes a free port).
    func metricsURL(timeout: TimeInterval = 10) throws -> String {
        var found: String?
        try waitUntil("metricsd logs its metrics URL", timeout: timeout) {
            let log = stderrText()
            guard let range = log.range(of: #"http://[^ "]+/metrics"#, options: .regularExpression) else { return false }
            found = String(log[range])
            return true
        }
        return found!
    }
}
