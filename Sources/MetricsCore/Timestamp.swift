/// A moment as whole milliseconds since the Unix epoch, UTC.
///
/// Milliseconds because that is the wire's precision (`2026-11-24T19:04:00.123Z`) and the store's key
/// (`captured_at` is unique per post): a `Date` (a `Double`) would not round-trip either exactly.
/// Parsing and formatting are done by hand: they sit on the read path of every request that carries a time.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(seconds: Int64) {
        self.milliseconds = seconds * 1000
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    public func adding(milliseconds delta: Int64) -> Timestamp {
        Timestamp(milliseconds: milliseconds + delta)
    }

    public func adding(seconds delta: Double) -> Timestamp {
        Timestamp(milliseconds: milliseconds + Int64((delta * 1000).rounded()))
    }

    public func adding(days: Int) -> Timestamp {
        adding(milliseconds: Int64(days) * 86_400_000)
    }

    /// Milliseconds from `earlier` to `self` (negative when `earlier` is later).
    public func milliseconds(since earlier: Timestamp) -> Int64 {
        milliseconds - earlier.milliseconds
    }

    public var description: String { iso8601 }

    // MARK: ISO 8601

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, always UTC, always three fraction digits.
    ///
    /// Written straight into the string's storage: it is on the path of every metric a read returns.
    public var iso8601: String {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        guard (0...9999).contains(year) else {
            // Outside what four digits hold: the year in full, still unambiguous if unusual.
            return String(year) + Self.format(year: 0, month: month, day: day, msOfDay: msOfDay).dropFirst(4)
        }
        return Self.format(year: year, month: month, day: day, msOfDay: msOfDay)
    }

    private static func format(year: Int64, month: Int64, day: Int64, msOfDay: Int64) -> String {
        String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int64, width: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(year, width: 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, width: 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, width: 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(msOfDay / 3_600_000, width: 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(msOfDay / 60_000 % 60, width: 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(msOfDay / 1000 % 60, width: 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(msOfDay % 1000, width: 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Accepts `YYYY-MM-DDTHH:MM:SS`, an optional fraction (kept to the millisecond, truncated), and a zone of
    /// `Z`, `±HH:MM` or `±HHMM` (Instagram writes `+0000`). A lower-case `t`/`z` or a space separator is
    /// accepted as RFC 3339 allows. Returns nil for anything else, including impossible dates.
    public init?(iso8601 text: some StringProtocol) {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        func expect(_ allowed: UInt8...) -> Bool {
            guard index < bytes.count, allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")),
              let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2), expect(UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")),
              let hour = digits(2), expect(UInt8(ascii: ":")),
              let minute = digits(2), expect(UInt8(ascii: ":")),
              let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second < 60
        else { return nil }

        var millis: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            var fractionDigits = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if fractionDigits < 3 {
                    millis = millis * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                }
                fractionDigits += 1
                index += 1
            }
            guard fractionDigits > 0 else { return nil }
            for _ in fractionDigits..<max(fractionDigits, 3) { millis *= 10 }
        }

        var offsetMinutes: Int64 = 0
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let zoneHours = digits(2) else { return nil }
            _ = expect(UInt8(ascii: ":"))
            guard let zoneMinutes = digits(2), zoneHours < 24, zoneMinutes < 60 else { return nil }
            offsetMinutes = sign * (zoneHours * 60 + zoneMinutes)
        default:
            return nil
        }
        guard index == bytes.count else { return nil }

        let days = Self.days(fromCivil: year, month, day)
        let secondsOfDay = hour * 3600 + minute * 60 + second
        self.milliseconds = (days * 86_400 + secondsOfDay - offsetMinutes * 60) * 1000 + millis
    }

    // Howard Hinnant's civil-calendar algorithms: exact for the proleptic Gregorian calendar, no tables.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension Int64 {
    /// Division rounding towards minus infinity, so times before 1970 format correctly.
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
