import Foundation

/// A `postgres://` (or `postgresql://`) URL as libpq reads one, taken apart:
///
///     postgres://[user[:password]@][host][:port][/dbname][?param=value&…]
///
/// - `host` is a name, an IPv4 address, `[an IPv6 address]`, or a Unix-socket directory: percent-encoded in the host
///   place (`postgres://%2Frun%2Fpostgresql/metrics`) or given as `?host=/run/postgresql`. Without one, the Unix
///   socket in `/var/run/postgresql` (Debian's libpq default).
/// - `port` defaults to 5432 (it also names the socket file, `.s.PGSQL.5432`); `dbname` to the user; `user` to the
///   user running the process.
/// - Params: `host`, `port`, `user`, `password`, `dbname`, `sslmode` (`disable`, `prefer` — the default —,
///   `require`, `verify-ca`, `verify-full`), `sslrootcert` (a PEM file of trusted roots for the `verify-` modes),
///   `connect_timeout` (seconds), `application_name`. Any other param is refused rather than silently ignored.
///
/// Parsed by hand rather than with `URLComponents`: a percent-encoded socket directory in the host place is what
/// libpq documents, and Foundation's URL parsers differ between platforms on exactly that.
public struct PostgresURL: Sendable, Hashable {
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        /// The socket file itself (`<directory>/.s.PGSQL.<port>`).
        case unixSocket(path: String)
    }

    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var user: String
    /// Only as the URL gave it; `PostgresPassword` looks further (`PGPASSWORD`, the password file).
    public var password: String?
    public var endpoint: Endpoint
    public var database: String
    public var sslMode: SSLMode
    public var sslRootCertificate: String?
    public var connectTimeoutSeconds: Int?
    public var applicationName: String?

    /// A URL as wrong as the parser can tell: what is wrong, never the password.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { "database URL: \(reason)" }
    }

    static let defaultSocketDirectory = "/var/run/postgresql"
    static let knownParams: Set<String> = [
        "host", "port", "user", "password", "dbname", "sslmode", "sslrootcert", "connect_timeout", "application_name",
    ]

    public init(_ text: String, defaultUser: String = PostgresURL.processUser()) throws(ParseError) {
        func fail(_ reason: String) -> ParseError { ParseError(reason: reason) }
        guard let schemeEnd = text.range(of: "://") else {
            throw fail("expected postgres://user@host:port/dbname")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw fail("unknown scheme \"\(scheme)\" (expected postgres:// or postgresql://)")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        if rest.contains("#") { throw fail("a fragment (#…) has no meaning here") }

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        // The last @ ends the user info: a password may itself hold an unencoded @.
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }

        var user: String?
        var password: String?
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], "user")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], "password")
            } else {
                user = try Self.decode(userInfo, "user")
            }
        }

        // host[:port], [v6][:port], or a percent-encoded socket directory.
        var host: String?
        var port: Int?
        var hostPort = rest
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("an IPv6 host needs its closing ]") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = hostPort[hostPort.index(after: close)...]
            if !hostPort.isEmpty {
                guard hostPort.hasPrefix(":") else { throw fail("unexpected text after the IPv6 host") }
                port = try Self.port(hostPort.dropFirst())
            }
        } else {
            if let colon = hostPort.lastIndex(of: ":") {
                port = try Self.port(hostPort[hostPort.index(after: colon)...])
                hostPort = hostPort[..<colon]
            }
            if !hostPort.isEmpty { host = try Self.decode(hostPort, "host") }
        }
        if hostPort.contains(",") { throw fail("several hosts are not supported") }

        var database = path.isEmpty ? nil : try Self.decode(path, "dbname")
        var sslMode: SSLMode?
        var rootCertificate: String?
        var connectTimeout: Int?
        var applicationName: String?
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else { throw fail("param \"\(pair)\" has no value") }
            let name = try Self.decode(pair[..<equals], "param name")
            let value = try Self.decode(pair[pair.index(after: equals)...], name == "password" ? "password" : "param \(name)")
            switch name {
            case "host": host = value
            case "port": port = try Self.port(Substring(value))
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw fail("unknown sslmode \"\(value)\" (expected \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                sslMode = mode
            case "sslrootcert": rootCertificate = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds >= 0 else { throw fail("connect_timeout must be a whole number of seconds") }
                connectTimeout = seconds
            case "application_name": applicationName = value
            default:
                throw fail("unknown param \"\(name)\" (known: \(Self.knownParams.sorted().joined(separator: ", ")))")
            }
        }

        let resolvedPort = port ?? 5432
        let resolvedUser = user.flatMap { $0.isEmpty ? nil : $0 } ?? defaultUser
        guard !resolvedUser.isEmpty else { throw fail("no user, and the process's user has no name") }
        let resolvedHost = host.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultSocketDirectory
        if resolvedHost.hasPrefix("/") {
            endpoint = .unixSocket(path: (resolvedHost.hasSuffix("/") ? resolvedHost : resolvedHost + "/") + ".s.PGSQL.\(resolvedPort)")
            // TLS does not apply to a Unix socket (libpq ignores sslmode there too); asking to verify one is a mistake.
            if sslMode == .verifyCA || sslMode == .verifyFull || sslMode == .require {
                throw fail("sslmode=\(sslMode!.rawValue) needs a TCP host; \(resolvedHost) is a Unix-socket directory")
            }
        } else {
            endpoint = .tcp(host: resolvedHost, port: resolvedPort)
        }
        self.user = resolvedUser
        self.password = password
        self.database = database.flatMap { $0.isEmpty ? nil : $0 } ?? resolvedUser
        self.sslMode = sslMode ?? (host?.hasPrefix("/") ?? true ? .disable : .prefer)
        self.sslRootCertificate = rootCertificate
        self.connectTimeoutSeconds = connectTimeout
        self.applicationName = applicationName
    }

    /// The URL without its password: what logs, `health` and errors may show.
    public var redacted: String {
        var text = "postgres://\(Self.encode(user))@"
        var params: [String] = []
        switch endpoint {
        case .tcp(let host, let port):
            text += host.contains(":") ? "[\(host)]:\(port)" : "\(Self.encode(host)):\(port)"
        case .unixSocket(let path):
            let directory = String(path[..<(path.range(of: "/.s.PGSQL.", options: .backwards)?.lowerBound ?? path.endIndex)])
            params.append("host=\(Self.encode(directory.isEmpty ? "/" : directory))")
            if let port = path.split(separator: ".").last, port != "5432" { text += ":\(port)" }
        }
        text += "/\(Self.encode(database))"
        if case .tcp = endpoint { params.append("sslmode=\(sslMode.rawValue)") }
        return params.isEmpty ? text : text + "?" + params.joined(separator: "&")
    }

    private static func decode(_ text: Substring, _ what: String) throws(ParseError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw ParseError(reason: "the \(what) has a malformed %-escape")
        }
        // PostgreSQL cannot carry NUL in a startup packet or a name.
        guard !decoded.contains("\u{0}") else { throw ParseError(reason: "the \(what) contains NUL") }
        return decoded
    }

    private static func port(_ text: Substring) throws(ParseError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw ParseError(reason: "port \"\(text)\" is not a number from 1 to 65535")
        }
        return port
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/:@?#&=")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The name of the user running the process (libpq's default user).
    public static func processUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return ProcessInfo.processInfo.environment["USER"] ?? ""
    }
}
