import MetricsCore
import Testing

@Suite struct DayClosesTests {
    @Test func eachLocalDayKeepsItsLastPointAndTheFoldStartsOverAfterFinish() {
        let newYork = LocalCalendar(identifier: "America/New_York")!
        var closes = DayCloses<Int>(calendar: newYork)
        // 03:00 and 04:59 UTC on the 25th are still the 24th in New York; 05:00 UTC starts its 25th.
        #expect(closes.add(1, at: Timestamp(iso8601: "2026-11-25T03:00:00Z")!) == nil)
        #expect(closes.add(2, at: Timestamp(iso8601: "2026-11-25T04:59:00Z")!) == nil)
        let closed = closes.add(3, at: Timestamp(iso8601: "2026-11-25T05:00:00Z")!)
        #expect(closed.map { LocalCalendar.iso8601(day: $0.day) } == "2026-11-24")
        #expect(closed?.point == 2)
        let last = closes.finish()
        #expect(last.map { LocalCalendar.iso8601(day: $0.day) } == "2026-11-25")
        #expect(last?.point == 3)
        #expect(closes.finish() == nil)
    }
}
