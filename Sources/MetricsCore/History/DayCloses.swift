/// Each local day's last point of one post's time-ordered points: what a day's rollup holds. Both backends rebuild
/// rollups with it when a workspace's time zone moves the days; it streams, so a post's history is never held whole.
///
///     var closes = DayCloses<Row>(calendar: calendar)
///     for row in rows { if let closed = closes.add(row, at: row.capturedAt) { write(closed) } }
///     if let closed = closes.finish() { write(closed) }
public struct DayCloses<Point> {
    public let calendar: LocalCalendar
    private var pending: (day: Int64, point: Point)?

    public init(calendar: LocalCalendar) {
        self.calendar = calendar
    }

    /// The next point, at or after the previous one; returns the previous day's last point once this one starts a
    /// new day.
    public mutating func add(_ point: Point, at capturedAt: Timestamp) -> (day: Int64, point: Point)? {
        let day = calendar.day(of: capturedAt)
        defer { pending = (day, point) }
        guard let current = pending, current.day != day else { return nil }
        return current
    }

    /// The last day's last point, if any point came; the fold starts over empty.
    public mutating func finish() -> (day: Int64, point: Point)? {
        defer { pending = nil }
        return pending
    }
}
