import MetricsCore
import Testing

@Suite struct LocalCalendarTests {
    let newYork = LocalCalendar(identifier: "America/New_York")!

    func at(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }

    @Test func daysFollowTheLocalCalendar() {
        // 2026-11-24 23:30 in New York is 2026-11-25 04:30 UTC: New York's 24th, UTC's 25th.
        let late = at("2026-11-25T04:30:00Z")
        #expect(LocalCalendar.iso8601(day: newYork.day(of: late)) == "2026-11-24")
        #expect(LocalCalendar.iso8601(day: LocalCalendar.utc.day(of: late)) == "2026-11-25")
        #expect(newYork.start(ofDay: newYork.day(of: late)) == at("2026-11-24T05:00:00Z"))
        #expect(LocalCalendar.utc.day(of: at("1970-01-01T00:00:00Z")) == 0)
        #expect(LocalCalendar.utc.day(of: at("1969-12-31T23:59:59Z")) == -1)
    }

    @Test func aDaylightSavingDayStartsAtItsOwnMidnight() {
        // 2026-03-08: New York springs forward at 02:00; the day still starts at 05:00 UTC (EST), the next at 04:00.
        let day = LocalCalendar.day(iso8601: "2026-03-08")!
        #expect(newYork.start(ofDay: day) == at("2026-03-08T05:00:00Z"))
        #expect(newYork.start(ofDay: day + 1) == at("2026-03-09T04:00:00Z"))
        #expect(newYork.day(of: at("2026-03-09T03:59:59.999Z")) == day)
    }

    @Test func weeksStartOnMondayAndHoursOfTheWeekCountFromIt() {
        let monday = LocalCalendar.day(iso8601: "2026-11-23")!
        #expect(LocalCalendar.weekday(ofDay: monday) == 0)
        #expect(LocalCalendar.weekStart(ofDay: monday + 6) == monday)
        #expect(LocalCalendar.weekStart(ofDay: monday + 7) == monday + 7)
        #expect(LocalCalendar.utc.hourOfWeek(of: at("2026-11-23T00:30:00Z")) == 0)
        #expect(newYork.hourOfWeek(of: at("2026-11-24T04:30:00Z")) == 23)  // Monday 23:30 in New York
        #expect(LocalCalendar.utc.hourOfWeek(of: at("2026-11-29T23:59:00Z")) == 167)
    }

    @Test func unknownNamesAreRefused() {
        #expect(LocalCalendar(identifier: "Mars/Olympus_Mons") == nil)
        #expect(LocalCalendar(identifier: "") == nil)
        #expect(LocalCalendar(identifier: "Europe/Paris")?.identifier == "Europe/Paris")
    }
}
