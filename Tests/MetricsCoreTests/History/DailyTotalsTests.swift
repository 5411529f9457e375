import MetricsCore
import Testing

@Suite struct DailyTotalsTests {
    let views = MetricValues.names.firstIndex(of: "views")!
    let likes = MetricValues.names.firstIndex(of: "likes")!

    @Test func aRollupReplacedMovesTheSumByTheDifferenceAndCountsThePostOnce() {
        var row = DailyTotalsRow()
        row.apply(removing: nil, adding: MetricValues(views: 100, likes: 5))
        row.apply(removing: nil, adding: MetricValues(views: 40))
        row.apply(removing: MetricValues(views: 100, likes: 5), adding: MetricValues(views: 130))
        #expect(row.posts == 2)
        #expect(row.sums[views] == 170)
        #expect(row.counts[views] == 2)
        // The first post stopped reporting likes: its 5 leave the sum, and the count drops to none.
        #expect(row.sums[likes] == 0)
        #expect(row.counts[likes] == 0)
    }

    @Test func aSumPastTheMaximumIsHeldThereInsteadOfTrapping() {
        var row = DailyTotalsRow()
        row.apply(removing: nil, adding: MetricValues(views: .max))
        row.apply(removing: nil, adding: MetricValues(views: 1))
        #expect(row.sums[views] == .max)
        #expect(row.counts[views] == 2)
        #expect(Int64.max.saturatingAdding(1) == .max)
        #expect(Int64.min.saturatingAdding(-1) == .min)
        #expect(Int64.min.saturatingSubtracting(1) == .min)
        #expect(Int64.max.saturatingSubtracting(-1) == .max)
        #expect(Int64(5).saturatingSubtracting(7) == -2)
    }

    @Test func rowsOfEachPlatformFoldIntoOneTotalPerDayWithUnreportedMetricsNull() {
        var instagram = DailyTotalsRow()
        instagram.apply(removing: nil, adding: MetricValues(views: 10, likes: 1))
        var tiktok = DailyTotalsRow()
        tiktok.apply(removing: nil, adding: MetricValues(views: 20))
        var tiktokFull = DailyTotalsRow()
        tiktokFull.apply(removing: nil, adding: MetricValues(views: .max))
        let rows: [(day: Int64, row: DailyTotalsRow)] = [(3, instagram), (3, tiktok), (4, tiktokFull), (4, instagram)]
        let days = DailyTotal.combining(rows)
        #expect(days == [
            DailyTotal(day: 3, posts: 2, values: MetricValues(views: 30, likes: 1)),
            DailyTotal(day: 4, posts: 2, values: MetricValues(views: .max, likes: 1)),
        ])
        #expect(days[0].values.reach == nil)
    }
}
