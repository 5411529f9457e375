import Foundation
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// One HTTP/1.1 request over a plain blocking socket to a loopback server (the metrics listener, the simulator's
/// control routes), and its whole answer.
///
/// Not URLSession: its callbacks run on dispatch queues that share the cooperative pool's threads, which the
/// synchronous tests waiting for those callbacks hold (two on the build machine).
struct HTTPAnswer {
    var status: Int
    var contentType: String?
    var body: String

    static func get(_ url: String, method: String = "GET", body: [UInt8]? = nil, timeout: TimeInterval = 10) throws -> HTTPAnswer {
        guard let parsed = URL(string: url), let host = parsed.host, let port = parsed.port else {
            throw TestFailure("not a URL with a host and port: \(url)")
        }
        let path = parsed.path.isEmpty ? "/" : parsed.path + (parsed.query.map { "?" + $0 } ?? "")
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var wait = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
            throw TestFailure("not an IPv4 address: \(host)")
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect \(url): \(String(cString: strerror(errno)))") }

        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        if let body {
            request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        ChildProcess.writeAll(descriptor, Array((request + "\r\n").utf8) + (body ?? []))

        // Headers, then exactly Content-Length bytes (a HEAD answer has none), else everything until the close.
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        func more() throws -> Bool {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 { throw TestFailure("reading the answer from \(url): \(String(cString: strerror(errno)))") }
            received += buffer[..<max(count, 0)]
            return count > 0
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = received.indices.dropLast(3).first { received[$0..<$0 + 4].elementsEqual(separator) }
            if headerEnd == nil, try !more() { throw TestFailure("the answer from \(url) ended inside its headers") }
        }
        let head = String(decoding: received[..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = head.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestFailure("no status line from \(url): \(head)") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyStart = headerEnd! + 4
        let length = method == "HEAD" ? 0 : headers["content-length"].flatMap(Int.init)
        while length.map({ received.count - bodyStart < $0 }) ?? true, try more() {}
        let bytes = received[bodyStart...].prefix(length ?? Int.max)
        return HTTPAnswer(status: status, contentType: headers["content-type"], body: String(decoding: bytes, as: UTF8.self))
    }
}

/// Prometheus' own linter for the exposition format (`promtool check metrics`, Debian's prometheus package,
/// installed by scripts/setup).
enum Promtool {
    static let path = "/usr/bin/promtool"

    static func check(_ exposition: String) throws -> (status: Int32, output: String) {
        try run(["check", "metrics"], stdin: exposition)
    }

    /// `promtool` with `arguments` (files relative to the current directory are the caller's to make absolute).
    static func run(_ arguments: [String], stdin: String = "") throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: run scripts/setup (it installs Debian's prometheus package)")
        }
        let run = try runProcess(URL(fileURLWithPath: path), arguments, stdin: stdin)
        return (run.status, run.stdout + run.stderr)
    }
}

extension DaemonProcess {
    /// The URL the daemon logged for its metrics listener (`--metrics-listen …:0` takes a free port).
    func metricsURL(timeout: TimeInterval = 10) throws -> String {
        var found: String?
        try waitUntilBlocking("metricsd logs its metrics URL", timeout: timeout) {
            let log = stderrText()
            guard let range = log.range(of: #"http://[^ "]+/metrics"#, options: .regularExpression) else { return false }
            found = String(log[range])
            return true
        }
        return found!
    }
}
