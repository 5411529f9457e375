import MetricsCore

/// The two ways the Graph API writes times: `2019-09-26T22:36:43+0000` in payloads, and the RFC 850-like
/// `Thursday, 29-Jul-21 10:00:00 UTC` in the expired-session message.
enum GraphTime {
    static func payload(_ time: Timestamp) -> String {
        String(time.iso8601.prefix(19)) + "+0000"
    }

    static func sessionMessage(_ time: Timestamp) -> String {
        let iso = Array(time.iso8601.utf8)  // YYYY-MM-DDTHH:MM:SS.mmmZ
        guard iso.count >= 19 else { return time.iso8601 }
        let text = String(decoding: iso, as: UTF8.self)
        let year = text.dropFirst(2).prefix(2)
        let month = Int(text.dropFirst(5).prefix(2)) ?? 1
        let day = text.dropFirst(8).prefix(2)
        let clock = text.dropFirst(11).prefix(8)
        let days = time.milliseconds >= 0 ? time.milliseconds / 86_400_000 : (time.milliseconds - 86_399_999) / 86_400_000
        // 1970-01-01 was a Thursday.
        let weekday = weekdays[Int(((days % 7) + 7 + 4) % 7)]
        return "\(weekday), \(day)-\(months[max(0, min(11, month - 1))])-\(year) \(clock) UTC"
    }

    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}
