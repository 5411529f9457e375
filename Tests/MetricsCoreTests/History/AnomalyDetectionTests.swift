import MetricsCore
import Testing

@Suite struct AnomalyDetectionTests {
    let day: Int64 = 86_400_000
    let posted = Timestamp(milliseconds: 0)

    func point(_ post: String, _ platform: Platform = .instagram, day: Int64, value: Int64?) -> AnomalyDetection.DayPoint {
        AnomalyDetection.DayPoint(
            postId: post, platform: platform, postedAt: posted, day: day,
            capturedAt: Timestamp(milliseconds: day * self.day + 3_600_000), value: value)
    }

    @Test func aPostsIncreaseIsItsLatestDayOverTheDayBeforeAndItsAgeNamesItsPeerGroup() {
        let increases = AnomalyDetection.increases([
            point("a", day: 4, value: 150), point("a", day: 3, value: 100),
            point("b", .tiktok, day: 2, value: 5), point("b", .tiktok, day: 3, value: 8),
            point("c", day: 4, value: 50),  // no day before: no increase
            point("d", day: 1, value: 1), point("d", day: 2, value: 9),  // latest day before the first asked
            point("e", day: 3, value: nil), point("e", day: 4, value: 9),  // the day before did not report it
        ], firstDay: 3).sorted { $0.postId < $1.postId }
        #expect(increases.map(\.postId) == ["a", "b"])
        #expect(increases[0].value == 50)
        #expect(increases[0].group == AnomalyPeerGroup(platform: .instagram, ageDays: 4))
        #expect(increases[0].day == 4)
        #expect(increases[1].group == AnomalyPeerGroup(platform: .tiktok, ageDays: 3))
        #expect(increases[1].value == 3)
    }

    @Test func anOutlierIsFoundAgainstItsOwnGroupAndSmallGroupsAreSkipped() {
        let group = AnomalyPeerGroup(platform: .instagram, ageDays: 2)
        var increases = (0..<9).map { AnomalyDetection.Increase(postId: "p\($0)", group: group, day: 10, value: Double(100 + $0)) }
        increases.append(AnomalyDetection.Increase(postId: "spike", group: group, day: 10, value: 1_000))
        let small = AnomalyPeerGroup(platform: .tiktok, ageDays: 2)
        increases += (0..<3).map { AnomalyDetection.Increase(postId: "t\($0)", group: small, day: 10, value: Double($0 * 1000)) }
        let finding = AnomalyDetection.find(in: increases)
        #expect(finding.anomalies.map(\.increase.postId) == ["spike"])
        // Median of 100...108 and 1000 is 104.5; MAD 2.5, so the score is (1000 − 104.5) × 0.6745 / 2.5.
        #expect(finding.anomalies[0].expected == 104.5)
        #expect(abs(finding.anomalies[0].score - (1000 - 104.5) * 0.6745 / 2.5) < 1e-9)
        #expect(finding.groupsScored == 1)
        #expect(finding.groupsSkipped == 1)
        #expect(finding.postsSkipped == 3)
    }
}
