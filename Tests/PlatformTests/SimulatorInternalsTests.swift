import Foundation
import MetricsCore
@testable import PlatformSimulator
import Testing

@Suite("Simulator internals")
struct SimulatorInternalsTests {
    @Test("field lists with expansion and nested commas")
    func fieldList() throws {
        let list = try #require(GraphFieldList(
            "shares,reactions.summary(total_count).limit(0),insights.metric(post_media_view,post_clicks), id"))
        #expect(list.fields.map(\.name) == ["shares", "reactions", "insights", "id"])
        #expect(list["reactions"]?.modifiers == ["summary": "total_count", "limit": "0"])
        #expect(list["insights"]?.list("metric") == ["post_media_view", "post_clicks"])
        #expect(GraphFieldList("insights.metric(reach") == nil)
        #expect(GraphFieldList("a)") == nil)
    }

    @Test("sliding window: counts, forgets after the window, and says when it will be below a limit")
    func slidingWindow() {
        var window = SlidingWindowCounter(windowSeconds: 60, buckets: 60)
        let start = Timestamp(milliseconds: 1_000_000_000)
        for second in 0..<10 {
            window.record(now: start.adding(milliseconds: Int64(second) * 1000))
        }
        #expect(window.count(now: start.adding(milliseconds: 9_000)) == 10)
        #expect(window.millisecondsUntilBelow(8, now: start.adding(milliseconds: 9_000)) == 53_000)
        #expect(window.millisecondsUntilBelow(11, now: start.adding(milliseconds: 9_000)) == 0)
        #expect(window.count(now: start.adding(milliseconds: 60_000)) == 9)
        #expect(window.count(now: start.adding(milliseconds: 68_999)) == 1)
        #expect(window.count(now: start.adding(milliseconds: 69_000)) == 0)
    }

    @Test("windows that do not divide evenly are never longer than asked")
    func unevenWindow() {
        var window = SlidingWindowCounter(windowSeconds: 1, buckets: 60)
        let start = Timestamp(milliseconds: 5_003)
        window.record(now: start)
        #expect(window.count(now: start.adding(milliseconds: 990)) == 1)
        #expect(window.count(now: start.adding(milliseconds: 1_000)) == 0)
    }

    @Test("metric growth is monotonic and starts at the seeded value")
    func growth() {
        let created = Timestamp(milliseconds: 0)
        let realTime = GrowthTimeline(startedAt: created, speed: 1)
        let values = [0, 1, 2, 10, 30].map {
            MetricGrowth.value(
                base: 100, perDay: 50, ageMilliseconds: realTime.ageMilliseconds(createdAt: created, now: created.adding(days: $0)))
        }
        #expect(values.first == 100)
        #expect(values == values.sorted())
        #expect(Set(values).count == values.count)
        #expect(MetricGrowth.value(base: 7, perDay: 0, ageMilliseconds: 9 * 86_400_000) == 7)
    }

    @Test("a sped-up timeline runs fast only after the start and after the post's creation")
    func growthTimeline() {
        let start = Timestamp(milliseconds: 100 * 86_400_000)
        let minute: Int64 = 60_000
        let demo = GrowthTimeline(startedAt: start, speed: 1440)
        // Created 10 days before the start: 10 days old at the start, then a day older each real minute.
        let old = start.adding(days: -10)
        #expect(demo.ageMilliseconds(createdAt: old, now: start) == 10 * 86_400_000)
        #expect(demo.ageMilliseconds(createdAt: old, now: start.adding(milliseconds: minute)) == 11 * 86_400_000)
        // Created after the start: a newborn post is 0 days old, and a minute later a day old.
        let later = start.adding(days: 1)
        #expect(demo.ageMilliseconds(createdAt: later, now: later) == 0)
        #expect(demo.ageMilliseconds(createdAt: later, now: later.adding(milliseconds: minute)) == 86_400_000)
        // Before the start nothing is sped up.
        #expect(demo.ageMilliseconds(createdAt: old, now: start.adding(days: -1)) == 9 * 86_400_000)
    }

    @Test("a config file's growth settings are checked, and omitted ones keep their defaults")
    func growthConfiguration() throws {
        func decode(_ json: String) throws -> SimulatorConfiguration {
            try JSONDecoder().decode(SimulatorConfiguration.self, from: Data(json.utf8))
        }
        let demo = try decode(#"{"insights":{"growthSpeed":1440,"growthSince":"2026-11-24T12:00:00Z"}}"#)
        #expect(demo.insights.growthSpeed == 1440)
        #expect(demo.insights.growthSince == "2026-11-24T12:00:00Z")
        #expect(try decode("{}").insights.growthSpeed == 1)
        #expect(throws: DecodingError.self) { try decode(#"{"insights":{"growthSpeed":0.5}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"insights":{"growthSince":"yesterday"}}"#) }
    }

    @Test("generated posts are dated back from the reference time, whenever they are generated")
    func seedReferenceTime() {
        let reference = Timestamp(milliseconds: 1_795_000_000_000)
        let request = SimulatorSeed.Generate(accountsPerPlatform: 1, postsPerAccount: 5, seed: 7, referenceTime: reference)
        let today = SeedGenerator.generate(request, now: reference.adding(days: 1))
        let later = SeedGenerator.generate(request, now: reference.adding(days: 3))
        #expect(today.posts.map(\.createdAt) == later.posts.map(\.createdAt))
        #expect(today.posts.allSatisfy { $0.createdAt <= reference })
        var unanchored = request
        unanchored.referenceTime = nil
        #expect(SeedGenerator.generate(unanchored, now: reference.adding(days: 1)).posts.map(\.createdAt)
            == today.posts.map { $0.createdAt.adding(days: 1) })
    }

    @Test("Instagram's metric table, retirement dates and the impressions rule")
    func instagramCatalog() {
        let now = Timestamp(milliseconds: 1_795_176_000_000)
        let insights = SimulatorConfiguration.Insights()
        func verdict(_ metric: String, _ family: MediaProductType, version: Int = 25, at: Timestamp = now,
                     created: Timestamp = now) -> InstagramMetricCatalog.Verdict {
            InstagramMetricCatalog.verdict(metric, family: family, createdAt: created, version: version, now: at, configuration: insights)
        }
        #expect(verdict("saved", .feed) == .valid)
        #expect(verdict("saved", .story) == .unsupported)
        #expect(verdict("replies", .story) == .valid)
        #expect(verdict("ig_reels_avg_watch_time", .feed) == .unsupported)
        #expect(verdict("plays", .reels) == .unsupported)
        #expect(verdict("frobs", .feed) == .unknown)
        let early2025 = Timestamp(milliseconds: 1_740_787_200_000)
        let old = Timestamp(milliseconds: 1_704_067_200_000)
        #expect(verdict("impressions", .feed, version: 21, at: early2025, created: old) == .valid)
        #expect(verdict("impressions", .feed, version: 22, at: early2025, created: old) == .unsupported)
        #expect(verdict("impressions", .feed, version: 21, at: now, created: old) == .unsupported)
        #expect(verdict("plays", .reels, at: Timestamp(milliseconds: 1_735_689_600_000)) == .valid)
    }

    @Test("Graph's time formats")
    func graphTime() throws {
        let time = try #require(Timestamp(iso8601: "2021-07-29T10:00:00Z"))
        #expect(GraphTime.payload(time) == "2021-07-29T10:00:00+0000")
        #expect(GraphTime.sessionMessage(time) == "Thursday, 29-Jul-21 10:00:00 UTC")
    }

    @Test("query strings decode percent escapes and plus signs")
    func query() {
        let query = URLQuery("fields=insights.metric%28reach%2Cviews%29&q=a+b&flag&x=%ZZ")
        #expect(query["fields"] == "insights.metric(reach,views)")
        #expect(query["q"] == "a b")
        #expect(query["flag"] == "")
        #expect(query["x"] == "%ZZ")
    }
}
