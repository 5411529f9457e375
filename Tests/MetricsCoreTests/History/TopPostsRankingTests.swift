import MetricsCore
import Testing

@Suite struct TopPostsRankingTests {
    func reading(_ id: String, _ value: Double?) -> TopPostsRanking.Reading {
        TopPostsRanking.Reading(postId: id, platform: .facebook, postedAt: Timestamp(milliseconds: 0), value: value)
    }

    @Test func byValueSkipsPostsWithoutOneAndBreaksTiesByPostId() {
        let top = TopPostsRanking.byValue([reading("b", 5), reading("a", 5), reading("c", nil), reading("d", 9)], limit: 2)
        #expect(top.map(\.postId) == ["d", "a"])
        #expect(top.map(\.value) == [9, 5])
    }

    @Test func byIncreaseStartsFromZeroForAPostWithNoPointAtTheStart() {
        let top = TopPostsRanking.byIncrease(
            ends: [reading("old", 100), reading("new", 30), reading("none", nil)], starts: ["old": reading("old", 90)], limit: 10)
        #expect(top.map(\.postId) == ["new", "old"])
        #expect(top[0].from == 0)
        #expect(top[0].to == 30)
        #expect(top[1].value == 10)
    }
}
