import MetricsCore
import Testing

@Suite struct SeriesBucketsTests {
    let monday = LocalCalendar.day(iso8601: "2026-11-23")!

    @Test func weeksSpanWholeMondayToSundayWeeks() {
        let since = LocalCalendar.utc.start(ofDay: monday + 2)
        let until = LocalCalendar.utc.start(ofDay: monday + 8)
        #expect(SeriesInterval.week.days(calendar: .utc, since: since, until: until) == monday...(monday + 13))
        #expect(SeriesInterval.day.days(calendar: .utc, since: since, until: until) == (monday + 2)...(monday + 8))
    }

    @Test func eachPointCarriesItsIncreaseOverThePreviousOnlyWhenBothAreKnown() {
        let values: [Int64: Int64] = [monday: 10, monday + 7: 25, monday + 21: 40]
        let points = SeriesPoint.points(monday...(monday + 27), interval: .week) { values[$0] }
        #expect(points == [
            SeriesPoint(bucket: monday, value: 10, increase: nil),
            SeriesPoint(bucket: monday + 7, value: 25, increase: 15),
            SeriesPoint(bucket: monday + 14, value: nil, increase: nil),
            SeriesPoint(bucket: monday + 21, value: 40, increase: nil),
        ])
    }

    @Test func aWeekSumsEachPostsLastReportedValueInItWhateverTheOrderTheyCameIn() {
        var sums = WeeklySums()
        sums.add(postId: "a", day: monday + 3, value: 30)
        sums.add(postId: "a", day: monday + 1, value: 10)
        sums.add(postId: "b", day: monday + 6, value: nil)
        sums.add(postId: "b", day: monday + 2, value: 7)
        sums.add(postId: "c", day: monday + 7, value: .max)
        sums.add(postId: "a", day: monday + 8, value: 40)
        // b's last point of the week reported nothing: it adds nothing; the second week is held at the maximum.
        #expect(sums.sums == [monday: 30, monday + 7: .max])
    }
}
