import MetricsCore
import PlatformClients
import PlatformSimulator
import Testing

@Suite("Instagram client against the simulator")
struct InstagramClientTests {
    @Test("each media product type gets its own metric set and a full answer", arguments: [
        (Fixture.feed, MediaProductType.feed), (Fixture.reel, .reels), (Fixture.story, .story),
        (Fixture.carousel, .carouselAlbum),
    ])
    func metricSets(mediaID: String, type: MediaProductType) async throws {
        try await withSimulator { sim in
            let response = try await sim.instagram.insights(mediaID: mediaID, productType: type, accessToken: Fixture.igToken)
            let values = response.value.values
            #expect(values.views != nil)
            #expect(values.reach != nil)
            #expect(values.shares != nil)
            #expect(values.impressions == nil)
            #expect(response.value.metadata["total_interactions"] != nil)
            switch type {
            case .story:
                #expect(values.likes == nil)
                #expect(values.comments == nil)
                #expect(values.saves == nil)
                #expect(response.value.metadata["replies"] == .int(4))
                #expect(response.value.metadata["navigation"] == .int(30))
            case .reels:
                #expect(values.likes == 50)
                #expect(values.saves == 7)
                #expect(response.value.metadata["ig_reels_avg_watch_time"] == .int(4_200))
            default:
                #expect(values == MetricValues(views: values.views, reach: 800, likes: 50, comments: 5, shares: 3, saves: 7))
                #expect(response.value.metadata["follows"] == .int(2))
                #expect(response.value.metadata["profile_visits"] == .int(9))
            }
            #expect(sim.simulator.stats().endpoint(.instagramInsights).requests == 1)
        }
    }

    @Test("a retired metric fails the whole request and is reported by name")
    func retiredMetric() async throws {
        try await withSimulator { sim in
            let error = await failure {
                try await sim.instagram.insights(
                    mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken,
                    options: .init(extra: ["impressions", "plays"]))
            }
            guard case .unsupportedMetric(let names, let identified, let message)? = error?.kind else {
                Issue.record("expected unsupportedMetric, got \(String(describing: error))")
                return
            }
            #expect(names == ["impressions", "plays"])
            #expect(identified)
            #expect(message.hasPrefix("(#100)"))
            #expect(error?.httpStatus == 400)
        }
    }

    @Test("without names in the message, the requested set comes back for the caller to bisect")
    func genericMessage() async throws {
        try await withSimulator(configure: { $0.insights.instagramNamesUnsupportedMetrics = false }) { sim in
            let error = await failure {
                try await sim.instagram.insights(
                    mediaID: Fixture.story, productType: .story, accessToken: Fixture.igToken,
                    options: .init(extra: ["likes"]))
            }
            guard case .unsupportedMetric(let names, let identified, _)? = error?.kind else {
                Issue.record("expected unsupportedMetric, got \(String(describing: error))")
                return
            }
            #expect(!identified)
            #expect(names == InstagramMetricSet.metrics(for: .story, options: .init(extra: ["likes"])))
        }
    }

    @Test("excluded metrics are not asked for")
    func excluded() async throws {
        try await withSimulator { sim in
            let response = try await sim.instagram.insights(
                mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken,
                options: .init(excluded: ["total_interactions", "saved"]))
            #expect(response.value.metadata["total_interactions"] == nil)
            #expect(response.value.values.saves == nil)
            #expect(response.value.values.likes == 50)
        }
    }

    @Test("media too new answers empty data: no numbers, not zeros")
    func tooNew() async throws {
        try await withSimulator { sim in
            let response = try await sim.instagram.insights(mediaID: Fixture.tooNew, productType: .feed, accessToken: Fixture.igToken)
            #expect(response.value.noDataYet)
            #expect(response.value.values == MetricValues())
        }
    }

    @Test("impressions only for old media on v21, before it was retired everywhere")
    func impressionsOnOldVersions() async throws {
        let before = Timestamp(milliseconds: 1_740_787_200_000)  // 2025-03-01
        var seed = Fixture.seed()
        seed.posts.append(.init(
            id: "17900000000000777", account: Fixture.igUser, mediaProductType: .feed,
            createdAt: Timestamp(milliseconds: 1_704_067_200_000), metrics: ["views": 10, "impressions": 12]))
        try await withSimulator(startingAt: before, seed: seed) { sim in
            let old = try await sim.instagram(apiVersion: "v21.0").insights(
                mediaID: "17900000000000777", productType: .feed, accessToken: Fixture.igToken,
                options: .init(extra: ["impressions"]))
            #expect(old.value.values.impressions == 12)
            #expect(old.value.values.views == 10)
            let error = await failure {
                try await sim.instagram(apiVersion: "v22.0").insights(
                    mediaID: "17900000000000777", productType: .feed, accessToken: Fixture.igToken,
                    options: .init(extra: ["impressions"]))
            }
            #expect(error?.kind == .unsupportedMetric(
                names: ["impressions"], identified: true,
                message: "(#100) The Media Insights API does not support the impressions metric for this media product type."))
        }
    }

    @Test("hidden likes: like_count is omitted from the media fields")
    func hiddenLikes() async throws {
        try await withSimulator { sim in
            let hidden = try await sim.instagram.media(mediaID: Fixture.hiddenLikes, accessToken: Fixture.igHiddenToken)
            #expect(hidden.value.likeCount == nil)
            #expect(hidden.value.commentsCount == 5)
            #expect(hidden.value.createdAt == Fixture.daysAgo(3))
            let shown = try await sim.instagram.media(mediaID: Fixture.feed, accessToken: Fixture.igToken)
            #expect(shown.value.likeCount == 50)
            #expect(shown.value.productType == .feed)
        }
    }

    @Test("stories with too few viewers are skipped as a permission error")
    func notEnoughViewers() async throws {
        try await withSimulator { sim in
            let error = await failure {
                try await sim.instagram.insights(mediaID: Fixture.quietStory, productType: .story, accessToken: Fixture.igToken)
            }
            #expect(error?.kind == .skipPost(
                reason: .permission, code: "10", message: "(#10) Not enough viewers for the media to show insights"))
        }
    }

    @Test("another account's media looks like a missing object: skip it")
    func foreignMedia() async throws {
        try await withSimulator { sim in
            let error = await failure {
                try await sim.instagram.insights(mediaID: Fixture.hiddenLikes, productType: .feed, accessToken: Fixture.igToken)
            }
            guard case .skipPost(let reason, let code, _)? = error?.kind else {
                Issue.record("expected skipPost, got \(String(describing: error))")
                return
            }
            #expect(reason == .notFound)
            #expect(code == "100")
        }
    }

    @Test("discovery pages through /media to the end of the window")
    func discovery() async throws {
        var seed = Fixture.seed()
        let extra = (1...7).map { "1790000000000100\($0)" }
        for (index, id) in extra.enumerated() {
            seed.posts.append(.init(id: id, account: Fixture.igUser, mediaProductType: .reels, createdAt: Fixture.daysAgo(Double(index) + 1.5)))
        }
        try await withSimulator(seed: seed) { sim in
            let found = try await sim.instagram.recentMedia(
                userID: Fixture.igUser, accessToken: Fixture.igToken, since: Fixture.daysAgo(30), pageSize: 3)
            // 7 extra + feed, reel, story, carousel, tooNew, quietStory; the 60-day-old post is outside the window.
            #expect(found.value.count == 13)
            #expect(Set(found.value.map(\.externalID)).isSuperset(of: extra))
            #expect(!found.value.contains { $0.externalID == Fixture.oldFeed })
            #expect(found.value.map(\.createdAt) == found.value.map(\.createdAt).sorted(by: >))
            #expect(found.value.first { $0.externalID == Fixture.carousel }?.mediaProductType == .carouselAlbum)
            #expect(found.value.first { $0.externalID == Fixture.story }?.mediaProductType == .story)
            #expect(sim.simulator.stats().endpoint(.instagramMediaList).requests == 5)
        }
    }

    @Test("metrics grow with simulated time")
    func growth() async throws {
        try await withSimulator { sim in
            let before = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            sim.clock.advance(milliseconds: 86_400_000)
            let after = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            let viewsBefore = try #require(before.value.values.views)
            let viewsAfter = try #require(after.value.values.views)
            #expect(viewsAfter > viewsBefore)
            #expect(after.value.values.reach == before.value.values.reach)
        }
    }

    @Test("growthSpeed 1440 (the demo's) grows a day's worth per minute")
    func fastGrowth() async throws {
        func viewsAfter(milliseconds: Int64, speed: Double) async throws -> (before: Int64, after: Int64) {
            var result: (Int64, Int64) = (0, 0)
            try await withSimulator(configure: { $0.insights.growthSpeed = speed }) { sim in
                let before = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
                sim.clock.advance(milliseconds: milliseconds)
                let after = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
                result = (try #require(before.value.values.views), try #require(after.value.values.views))
            }
            return result
        }
        let aDay = try await viewsAfter(milliseconds: 86_400_000, speed: 1)
        // A simulator started ten minutes later with growthSince at the first one's start answers the same.
        var resumed: Int64 = 0
        try await withSimulator(startingAt: Fixture.now.adding(milliseconds: 600_000), configure: {
            $0.insights.growthSpeed = 1440
            $0.insights.growthSince = Fixture.now.iso8601
        }) { sim in
            resumed = try #require(
                try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken).value.values.views)
        }
        #expect(resumed == (try await viewsAfter(milliseconds: 600_000, speed: 1440)).after)
        #expect(resumed > aDay.before)
        let aMinuteFast = try await viewsAfter(milliseconds: 60_000, speed: 1440)
        #expect(aMinuteFast.before == aDay.before)
        #expect(aMinuteFast.after == aDay.after)
        #expect(aDay.after > aDay.before)
    }
}
