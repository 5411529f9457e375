import JSON
import JSONRPC

/// How values read in human mode. Pure functions, shared by every table.
enum HumanFormat {
    /// What a table shows for a metric the platform does not report: a dash, never 0, as the wire's `null`.
    static let missing = "—"

    /// `1,234,567`: counters get large, and grouped digits are read at a glance.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// A metric cell: grouped digits, or the dash for null or absent.
    static func metric(_ value: JSON?) -> String {
        guard case .number(let number)? = value else { return missing }
        return number.int64.map(grouped) ?? number.literal
    }

    /// A text cell (ids, timestamps as the daemon wrote them): the dash for null or absent. Control
    /// characters become spaces: a platform's multi-line error message must not break the table's rows.
    static func text(_ value: JSON?) -> String {
        switch value {
        case .string(let text)?: text.isEmpty ? missing : singleLine(text)
        case .number(let number)?: number.literal
        case .bool(let flag)?: flag ? "yes" : "no"
        case nil, .null?: missing
        case let other?: JSONWriter.string(other)
        }
    }

    static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// `512 B`, `4.0 KiB`, `12.3 MiB`: binary units, as `ls -h` and `du -h` use.
    static func bytes(_ count: Int64) -> String {
        guard count >= 1024 else { return "\(count) B" }
        var value = Double(count)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" {
                let tenths = (value * 10).rounded()
                return "\(Int64(tenths) / 10).\(Int64(tenths) % 10) \(unit)"
            }
        }
        return "\(count) B"
    }

    /// `45s`, `3m 05s`, `2h 03m 05s`, `4d 2h 03m`: the two or three largest units, as `uptime` does.
    static func duration(seconds total: Int64) -> String {
        let days = total / 86_400
        let hours = total / 3_600 % 24
        let minutes = total / 60 % 60
        let seconds = total % 60
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if days > 0 { return "\(days)d \(hours)h \(two(minutes))m" }
        if hours > 0 { return "\(hours)h \(two(minutes))m \(two(seconds))s" }
        if minutes > 0 { return "\(minutes)m \(two(seconds))s" }
        return "\(seconds)s"
    }
}
