import Foundation

/// Where the password comes from, as libpq looks for it: the URL, else `PGPASSWORD`, else the password file
/// (`PGPASSFILE`, or `~/.pgpass`). Never from a flag of its own: a password on a command line is visible to every
/// user in `ps`.
enum PostgresPassword {
    static func resolve(for url: PostgresURL, environment: [String: String], homeDirectory: String?) -> String? {
        if let password = url.password { return password }
        if let password = environment["PGPASSWORD"] { return password }
        let path = environment["PGPASSFILE"] ?? homeDirectory.map { $0 + "/.pgpass" }
        guard let path, let text = readPrivateFile(path) else { return nil }
        let (host, port): (String, String) = switch url.endpoint {
        case .tcp(let host, let port): (host, String(port))
        case .unixSocket(let socket):
            // libpq matches a socket connection against "localhost" or the socket's directory.
            (String(socket[..<(socket.range(of: "/.s.PGSQL.", options: .backwards)?.lowerBound ?? socket.endIndex)]),
             String(socket.split(separator: ".").last ?? "5432"))
        }
        let isSocket = if case .unixSocket = url.endpoint { true } else { false }
        return password(in: text, host: host, alsoHost: isSocket ? "localhost" : nil, port: port, database: url.database, user: url.user)
    }

    /// The password of the first line of a `.pgpass` text matching the connection: `host:port:database:user:password`,
    /// `*` matching anything in the first four fields, `\:` and `\\` as escapes, `#` starting a comment line.
    static func password(in text: String, host: String, alsoHost: String?, port: String, database: String, user: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(line)
            guard fields.count == 5 else { continue }
            func matches(_ field: String, _ value: String?) -> Bool { field == "*" || (value != nil && field == value) }
            if matches(fields[0], host) || (alsoHost != nil && matches(fields[0], alsoHost)),
               matches(fields[1], port), matches(fields[2], database), matches(fields[3], user)
            {
                return fields[4]
            }
        }
        return nil
    }

    private static func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    /// The file's text, or nil when it is missing or readable by others (libpq ignores such a file, as here).
    private static func readPrivateFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o077 == 0 else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }
}
