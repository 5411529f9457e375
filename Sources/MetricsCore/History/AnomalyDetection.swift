/// Whose day's increase a post's is compared with: posts of the same platform at the same age in whole days (a
/// post's first day moves differently from its tenth, an Instagram reel from a TikTok video).
public struct AnomalyPeerGroup: Sendable, Hashable {
    public var platform: Platform
    public var ageDays: Int64

    public init(platform: Platform, ageDays: Int64) {
        self.platform = platform
        self.ageDays = ageDays
    }
}

/// `anomalies`: a post's increase over its latest day (at or after the asked first day) against its peers', by
/// robust z-score (`RobustScore`); groups smaller than `RobustScore.minimumGroup` are skipped, not scored.
public enum AnomalyDetection {
    /// A post's day point (its rollup), as the rule reads it.
    public struct DayPoint: Sendable, Hashable {
        public var postId: String
        public var platform: Platform
        public var postedAt: Timestamp
        public var day: Int64
        public var capturedAt: Timestamp
        /// The metric's value that day; nil when not reported.
        public var value: Int64?

        public init(postId: String, platform: Platform, postedAt: Timestamp, day: Int64, capturedAt: Timestamp, value: Int64?) {
            self.postId = postId
            self.platform = platform
            self.postedAt = postedAt
            self.day = day
            self.capturedAt = capturedAt
            self.value = value
        }
    }

    /// A post's increase on its latest day over the day before.
    public struct Increase: Sendable, Hashable {
        public var postId: String
        public var group: AnomalyPeerGroup
        public var day: Int64
        public var value: Double

        public init(postId: String, group: AnomalyPeerGroup, day: Int64, value: Double) {
            self.postId = postId
            self.group = group
            self.day = day
            self.value = value
        }
    }

    public struct Anomaly: Sendable, Hashable {
        public var increase: Increase
        /// The group's median increase.
        public var expected: Double
        public var score: Double
    }

    public struct Finding: Sendable, Hashable {
        /// Most unusual first (by |score|, then post id).
        public var anomalies: [Anomaly]
        public var groupsScored: Int
        public var groupsSkipped: Int
        public var postsSkipped: Int
    }

    static let day: Int64 = 86_400_000

    /// Per post: its latest day with a point on or after `firstDay`, and the point of the day before it (both
    /// reported), give its increase; its age is whole days from posting to that latest point.
    public static func increases(_ points: some Sequence<DayPoint>, firstDay: Int64) -> [Increase] {
        var latest: [String: DayPoint] = [:]
        var byPostAndDay: [String: [Int64: DayPoint]] = [:]
        for point in points {
            byPostAndDay[point.postId, default: [:]][point.day] = point
            if let kept = latest[point.postId], kept.day >= point.day { continue }
            latest[point.postId] = point
        }
        var increases: [Increase] = []
        for (postId, last) in latest {
            guard last.day >= firstDay, let previous = byPostAndDay[postId]?[last.day - 1],
                  let now = last.value, let before = previous.value
            else { continue }
            let age = last.capturedAt.milliseconds(since: last.postedAt) / day
            increases.append(Increase(
                postId: postId, group: AnomalyPeerGroup(platform: last.platform, ageDays: age), day: last.day,
                value: Double(now.saturatingSubtracting(before))))
        }
        return increases
    }

    /// Scores each increase against its peer group's.
    public static func find(in increases: [Increase]) -> Finding {
        var groups: [AnomalyPeerGroup: [Increase]] = [:]
        for increase in increases { groups[increase.group, default: []].append(increase) }
        var finding = Finding(anomalies: [], groupsScored: 0, groupsSkipped: 0, postsSkipped: 0)
        for group in groups.values {
            guard group.count >= RobustScore.minimumGroup else {
                finding.groupsSkipped += 1
                finding.postsSkipped += group.count
                continue
            }
            finding.groupsScored += 1
            let score = RobustScore(group.map(\.value))
            for increase in group where score.isUnusual(increase.value) {
                finding.anomalies.append(Anomaly(increase: increase, expected: score.median, score: score.score(increase.value)))
            }
        }
        finding.anomalies.sort { abs($0.score) != abs($1.score) ? abs($0.score) > abs($1.score) : $0.increase.postId < $1.increase.postId }
        return finding
    }
}
