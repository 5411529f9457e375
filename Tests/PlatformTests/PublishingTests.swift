import Foundation
import MetricsCore
import PlatformClients
@testable import PlatformSimulator
import Testing

@Suite("Simulator publishing new posts as time passes")
struct PublishingTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    // MARK: The schedule and the ids, as values

    @Test("post i falls in the i-th slot after the epoch, and count says how many have appeared")
    func scheduleSlots() {
        let schedule = PublishingSchedule(epoch: Fixture.now, periodMilliseconds: 8_640_000, seed: 7)
        var previous: Timestamp?
        for index in Int64(1)...200 {
            let at = schedule.publishedAt(ordinal: 3, index: index)
            let slotStart = Fixture.now.adding(milliseconds: (index - 1) * 8_640_000)
            #expect(at >= slotStart && at < slotStart.adding(milliseconds: 8_640_000), "post \(index)")
            if let previous { #expect(at > previous) }
            previous = at
            #expect(schedule.count(ordinal: 3, now: at) == index)
            #expect(schedule.count(ordinal: 3, now: at.adding(milliseconds: -1)) == index - 1)
        }
        #expect(schedule.count(ordinal: 3, now: Fixture.now.adding(milliseconds: -1)) == 0)
        // The same numbers give the same times; another account or seed gives others.
        let again = PublishingSchedule(epoch: Fixture.now, periodMilliseconds: 8_640_000, seed: 7)
        #expect((1...20).map { again.publishedAt(ordinal: 3, index: $0) } == (1...20).map { schedule.publishedAt(ordinal: 3, index: $0) })
        #expect((1...20).map { schedule.publishedAt(ordinal: 4, index: $0) } != (1...20).map { schedule.publishedAt(ordinal: 3, index: $0) })
        let reseeded = PublishingSchedule(epoch: Fixture.now, periodMilliseconds: 8_640_000, seed: 8)
        #expect((1...20).map { reseeded.publishedAt(ordinal: 3, index: $0) } != (1...20).map { schedule.publishedAt(ordinal: 3, index: $0) })
    }

    @Test("the configuration: off by default, a day divided by the rate, since or the start as epoch")
    func scheduleFromConfiguration() throws {
        #expect(PublishingSchedule(.init(), startedAt: Fixture.now) == nil)
        let fromStart = try #require(PublishingSchedule(.init(postsPerAccountPerDay: 10), startedAt: Fixture.now))
        #expect(fromStart.epoch == Fixture.now)
        #expect(fromStart.periodMilliseconds == 8_640_000)
        let since = try #require(PublishingSchedule(
            .init(postsPerAccountPerDay: 3, since: "2026-11-01T00:00:00Z", seed: 9), startedAt: Fixture.now))
        #expect(since.epoch == Timestamp(iso8601: "2026-11-01T00:00:00Z"))
        #expect(since.periodMilliseconds == 28_800_000)
        #expect(since.seed == 9)

        func decode(_ json: String) throws -> SimulatorConfiguration {
            try JSONDecoder().decode(SimulatorConfiguration.self, from: Data(json.utf8))
        }
        #expect(try decode("{}").publishing == .init())
        #expect(try decode(#"{"publishing":{"postsPerAccountPerDay":10}}"#).publishing == .init(postsPerAccountPerDay: 10))
        #expect(throws: DecodingError.self) { try decode(#"{"publishing":{"postsPerAccountPerDay":-1}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"publishing":{"postsPerAccountPerDay":1,"since":"soon"}}"#) }
    }

    @Test("published ids look like the platform's, name their account and index, and are not the seed generator's")
    func ids() {
        let instagram = PublishedPostID.make(platform: .instagram, accountID: "17841400000000001", ordinal: 12, index: 345)
        #expect(instagram == "18000001200000345")
        let facebook = PublishedPostID.make(platform: .facebook, accountID: "100000000000001", ordinal: 2, index: 7)
        #expect(facebook == "100000000000001_200000000000007")
        let tiktok = PublishedPostID.make(platform: .tiktok, accountID: "open-1", ordinal: 3, index: 42)
        #expect(tiktok == "8000003000000000042")
        #expect(PublishedPostID.parse("18000001200000345")! == (.ordinal(12), 345))
        #expect(PublishedPostID.parse("100000000000001_200000000000007")! == (.page("100000000000001"), 7))
        #expect(PublishedPostID.parse("8000003000000000042")! == (.ordinal(3), 42))
        // Seeded and generated ids are not published ones.
        for id in ["17900000000000001", "100000000000001_1", "100000000000001_100000000000001", "7100000000000000001", "x"] {
            #expect(PublishedPostID.parse(id) == nil, "\(id)")
        }
        #expect(PublishedPostID.make(platform: .tiktok, accountID: "o", ordinal: 1_000_000, index: 1) == nil)
        #expect(PublishedPostID.make(platform: .instagram, accountID: "u", ordinal: 1, index: 0) == nil)
    }

    @Test("a simulated month at 500 accounts × 10 posts a day stores nothing: listings are computed")
    func memoryStaysBounded() throws {
        var configuration = SimulatorConfiguration()
        configuration.publishing = .init(postsPerAccountPerDay: 10)
        var world = SimulatorWorld(configuration: configuration, startedAt: Fixture.now)
        _ = try world.seed(SimulatorSeed(generate: .init(accountsPerPlatform: 500, postsPerAccount: 0, platforms: [.instagram])), now: Fixture.now)
        let monthLater = Fixture.now.adding(days: 30)
        let last = try #require(world.accounts[world.accountOrdinals[499]])
        let listing = world.listing(of: last, now: monthLater)
        #expect(listing.count == 300)
        #expect(listing.first.flatMap { world.post($0.id, now: monthLater) } != nil)
        #expect(world.posts.isEmpty)
    }

    // MARK: Through the HTTP API, on a manual clock

    static let instagramUser = "17841400000000001"
    static let page = "100000000000001"
    static let openID = "open-1"

    /// One account per platform, seeded in this order: ordinals 1, 2, 3.
    static let seed = SimulatorSeed(accounts: [
        .init(platform: .instagram, id: instagramUser, accessToken: "IG-TOKEN"),
        .init(platform: .facebook, id: page, accessToken: "PAGE-TOKEN"),
        .init(platform: .tiktok, id: openID, accessToken: "act.one", refreshToken: "rft.one"),
    ])

    /// Hourly posts from the simulator's start.
    static func hourly(_ configuration: inout SimulatorConfiguration) {
        configuration.publishing = .init(postsPerAccountPerDay: 24, seed: 5)
        configuration.tokens.tiktokAccessSeconds = 365 * 86_400
    }

    static let schedule = PublishingSchedule(epoch: Fixture.now, periodMilliseconds: hour, seed: 5)

    /// What the post will answer, drawn the way the simulator draws it.
    static func expectedViews(ordinal: Int, index: Int64, platform: Platform, account: String, id: String, at now: Timestamp) -> Int64 {
        var (publishedAt, random) = schedule.draw(ordinal: ordinal, index: index)
        let drawn = SeedGenerator.makePost(platform, account: account, id: id, createdAt: publishedAt, random: &random)
        return MetricGrowth.value(
            base: 0, perDay: Double(drawn.metrics["views"] ?? 0), ageMilliseconds: now.milliseconds(since: publishedAt))
    }

    @Test("an Instagram post appears in /media and answers insights at its time, not before, and its counters grow from zero")
    func instagramPostAppears() async throws {
        try await withSimulator(configure: Self.hourly, seed: Self.seed) { sim in
            let id = try #require(PublishedPostID.make(platform: .instagram, accountID: Self.instagramUser, ordinal: 1, index: 1))
            let at = Self.schedule.publishedAt(ordinal: 1, index: 1)
            let since = Fixture.now.adding(days: -30)

            sim.clock.advance(to: at.adding(milliseconds: -1))
            #expect(try await sim.instagram.recentMedia(userID: Self.instagramUser, accessToken: "IG-TOKEN", since: since).value == [])
            let early = await failure {
                try await sim.instagram.insights(mediaID: id, productType: .feed, accessToken: "IG-TOKEN")
            }
            guard case .skipPost(reason: .notFound, _, _)? = early?.kind else {
                Issue.record("a post before its time should not be found, got \(String(describing: early))")
                return
            }

            sim.clock.advance(to: at)
            let listed = try await sim.instagram.recentMedia(userID: Self.instagramUser, accessToken: "IG-TOKEN", since: since).value
            #expect(listed.map(\.externalID) == [id])
            #expect(listed.first?.createdAt == Timestamp(seconds: at.milliseconds / 1000), "Graph times are whole seconds")
            let type = try #require(listed.first?.mediaProductType)
            let fresh = try await sim.instagram.insights(mediaID: id, productType: type, accessToken: "IG-TOKEN").value
            #expect(fresh.values.views == 0)

            sim.clock.advance(milliseconds: Self.day)
            let dayOld = try await sim.instagram.insights(mediaID: id, productType: type, accessToken: "IG-TOKEN").value
            let expected = Self.expectedViews(
                ordinal: 1, index: 1, platform: .instagram, account: Self.instagramUser, id: id, at: sim.clock.now)
            #expect(dayOld.values.views == expected)
            #expect(expected > 0)
            sim.clock.advance(milliseconds: Self.day)
            let twoDaysOld = try await sim.instagram.insights(mediaID: id, productType: type, accessToken: "IG-TOKEN").value
            #expect((twoDaysOld.values.views ?? 0) > expected)
        }
    }

    @Test("a TikTok video appears in /video/list and answers /video/query at its time, not before")
    func tiktokVideoAppears() async throws {
        try await withSimulator(configure: Self.hourly, seed: Self.seed) { sim in
            let id = try #require(PublishedPostID.make(platform: .tiktok, accountID: Self.openID, ordinal: 3, index: 1))
            let at = Self.schedule.publishedAt(ordinal: 3, index: 1)
            let since = Fixture.now.adding(days: -30)

            sim.clock.advance(to: at.adding(milliseconds: -1))
            #expect(try await sim.tiktok.recentVideos(accessToken: "act.one", since: since).value == [])
            #expect(try await sim.tiktok.videoQuery(ids: [id], accessToken: "act.one").value.missingIDs == [id])

            sim.clock.advance(to: at)
            #expect(try await sim.tiktok.recentVideos(accessToken: "act.one", since: since).value.map(\.externalID) == [id])
            sim.clock.advance(milliseconds: Self.hour / 2)
            let queried = try await sim.tiktok.videoQuery(ids: [id], accessToken: "act.one").value
            #expect(queried.metrics[id]?.values.views == Self.expectedViews(
                ordinal: 3, index: 1, platform: .tiktok, account: Self.openID, id: id, at: sim.clock.now))
        }
    }

    @Test("a Facebook post appears in the Page's /posts at its time, and answers its metrics")
    func facebookPostAppears() async throws {
        try await withSimulator(configure: Self.hourly, seed: Self.seed) { sim in
            let id = try #require(PublishedPostID.make(platform: .facebook, accountID: Self.page, ordinal: 2, index: 1))
            let at = Self.schedule.publishedAt(ordinal: 2, index: 1)
            let since = Fixture.now.adding(days: -30)
            sim.clock.advance(to: at.adding(milliseconds: -1))
            #expect(try await sim.facebook.recentPosts(pageID: Self.page, accessToken: "PAGE-TOKEN", since: since).value == [])
            sim.clock.advance(to: at)
            #expect(try await sim.facebook.recentPosts(pageID: Self.page, accessToken: "PAGE-TOKEN", since: since).value.map(\.externalID) == [id])
            sim.clock.advance(milliseconds: Self.day)
            let metrics = try await sim.facebook.postMetrics(postID: id, accessToken: "PAGE-TOKEN").value
            #expect(metrics.values.views == Self.expectedViews(
                ordinal: 2, index: 1, platform: .facebook, account: Self.page, id: id, at: sim.clock.now))
        }
    }

    @Test("listings page through published and seeded posts together, newest first, none twice or missed")
    func paging() async throws {
        var seed = Self.seed
        // Seeded posts before publishing starts, and one between published ones.
        seed.posts = [
            .init(id: "17900000000000001", account: Self.instagramUser, mediaProductType: .feed, createdAt: Fixture.now.adding(days: -2)),
            .init(id: "17900000000000002", account: Self.instagramUser, mediaProductType: .feed,
                  createdAt: Fixture.now.adding(milliseconds: 30 * Self.hour + 1)),
            .init(id: "7100000000000000001", account: Self.openID, createdAt: Fixture.now.adding(days: -2)),
        ]
        try await withSimulator(configure: Self.hourly, seed: seed) { sim in
            sim.clock.advance(milliseconds: 3 * Self.day)
            let now = sim.clock.now
            let since = Fixture.now.adding(days: -30)
            func published(ordinal: Int, _ platform: Platform, _ account: String) -> [(String, Timestamp)] {
                (1...Self.schedule.count(ordinal: ordinal, now: now)).map { index in
                    (PublishedPostID.make(platform: platform, accountID: account, ordinal: ordinal, index: index)!,
                     Self.schedule.publishedAt(ordinal: ordinal, index: index))
                }
            }
            #expect(Self.schedule.count(ordinal: 1, now: now) == 72)

            let instagramExpected = (published(ordinal: 1, .instagram, Self.instagramUser)
                + [("17900000000000001", Fixture.now.adding(days: -2)), ("17900000000000002", Fixture.now.adding(milliseconds: 30 * Self.hour + 1))])
                .sorted { $0.1 > $1.1 }.map(\.0)
            let media = try await sim.instagram.recentMedia(
                userID: Self.instagramUser, accessToken: "IG-TOKEN", since: since, pageSize: 10).value
            #expect(media.map(\.externalID) == instagramExpected)

            // Raw Graph paging: every page's `next` until there is none.
            var url: String? = "\(sim.simulator.baseURL)/v25.0/\(Self.instagramUser)/media?fields=id&limit=25&access_token=IG-TOKEN"
            var paged: [String] = []
            var pages = 0
            while let next = url {
                let page = try JSONSerialization.jsonObject(with: Data(try await HTTPProbe.get(next).body.utf8)) as? [String: Any]
                paged += ((page?["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                url = (page?["paging"] as? [String: Any])?["next"] as? String
                pages += 1
            }
            #expect(pages == 3)
            #expect(paged == instagramExpected)

            let tiktokExpected = (published(ordinal: 3, .tiktok, Self.openID) + [("7100000000000000001", Fixture.now.adding(days: -2))])
                .sorted { $0.1 > $1.1 }.map(\.0)
            let videos = try await sim.tiktok.recentVideos(accessToken: "act.one", since: since, pageSize: 20).value
            #expect(videos.map(\.externalID) == tiktokExpected)

            let posts = try await sim.facebook.recentPosts(pageID: Self.page, accessToken: "PAGE-TOKEN", since: since, pageSize: 25).value
            #expect(posts.map(\.externalID) == published(ordinal: 2, .facebook, Self.page).reversed().map(\.0))
        }
    }

    @Test("without publishing, nothing appears however much time passes")
    func offByDefault() async throws {
        try await withSimulator(seed: Self.seed) { sim in
            sim.clock.advance(milliseconds: 30 * Self.day)
            let since = sim.clock.now.adding(days: -30)
            #expect(try await sim.instagram.recentMedia(userID: Self.instagramUser, accessToken: "IG-TOKEN", since: since).value == [])
            let id = try #require(PublishedPostID.make(platform: .instagram, accountID: Self.instagramUser, ordinal: 1, index: 1))
            let error = await failure { try await sim.instagram.insights(mediaID: id, productType: .feed, accessToken: "IG-TOKEN") }
            guard case .skipPost(reason: .notFound, _, _)? = error?.kind else {
                Issue.record("no post without publishing, got \(String(describing: error))")
                return
            }
        }
    }
}
