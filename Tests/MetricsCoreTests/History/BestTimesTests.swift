import MetricsCore
import Testing

@Suite struct BestTimesTests {
    @Test func slotsRankByTheirMedianWithTheEarlierHourFirstOnATie() {
        let times = BestTimes([
            (hourOfWeek: 9, value: 1), (hourOfWeek: 9, value: 3),  // median 2
            (hourOfWeek: 30, value: 2), (hourOfWeek: 30, value: 2), (hourOfWeek: 30, value: 50),  // median 2, later
            (hourOfWeek: 100, value: 10), (hourOfWeek: 100, value: 20),  // median 15
            (hourOfWeek: 167, value: 99),  // one post: no median, not ranked
        ])
        #expect(times.grid.count == 168)
        #expect(times.best().map(\.hourOfWeek) == [100, 9, 30])
        #expect(times.best(1).first?.median == 15)
        #expect(times.grid[167].posts == 1)
        #expect(times.grid[167].median == nil)
        #expect(times.grid[30].weekday == 1)
        #expect(times.grid[30].hour == 6)
    }
}
