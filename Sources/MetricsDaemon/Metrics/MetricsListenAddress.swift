/// Where `GET /metrics` is served (`--metrics-listen`): `PORT` alone means loopback (`127.0.0.1:PORT`), so the
/// metrics leave the host only when an address is written out (`0.0.0.0:9464`, `[::]:9464`, `10.0.0.5:9464`).
public struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public var host: String
    /// 0: any free port, which the daemon logs once bound.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `9464`, `127.0.0.1:9464`, `localhost:9464`, `[::1]:9464`.
    public static func parse(_ text: String) throws(Problem) -> MetricsListenAddress {
        func port(_ digits: Substring) throws(Problem) -> Int {
            guard let port = Int(digits), (0...65_535).contains(port), digits.allSatisfy(\.isASCII) else {
                throw Problem(description: "--metrics-listen \(text): the port must be a number from 0 to 65535")
            }
            return port
        }
        if !text.contains(":") {
            return MetricsListenAddress(host: "127.0.0.1", port: try port(text[...]))
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Problem(description: "--metrics-listen \(text): write an IPv6 address as [ADDRESS]:PORT")
            }
            let host = text[text.index(after: text.startIndex)..<close]
            guard !host.isEmpty else { throw Problem(description: "--metrics-listen \(text): the address is empty") }
            return MetricsListenAddress(host: String(host), port: try port(text[text.index(close, offsetBy: 2)...]))
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw Problem(description: "--metrics-listen \(text): expected PORT, HOST:PORT or [IPV6]:PORT")
        }
        guard !parts[0].isEmpty else { throw Problem(description: "--metrics-listen \(text): the address is empty") }
        return MetricsListenAddress(host: String(parts[0]), port: try port(parts[1]))
    }

    /// As a URL's authority: `127.0.0.1:9464`, `[::1]:9464`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
