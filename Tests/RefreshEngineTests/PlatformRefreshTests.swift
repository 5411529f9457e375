import MetricsCore
import PlatformSimulator
import RefreshEngine
import StorageContract
import Testing
import TestSupport

/// Each platform end to end: simulator over loopback → clients → engine → SQLite, checking the columns a user
/// reads back with `latestMetrics`, and that a metric the platform does not report is null, never 0.
@Suite(.timeLimit(.minutes(3))) struct PlatformRefreshTests {
    @Test func instagramWritesSnapshotsPerMediaTypeWithNullsForWhatIsNotReported() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("ig", platform: .instagram)
            let feed = try await f.post("17900000000000001", on: account, daysAgo: 3, type: .feed)
            let reel = try await f.post(
                "17900000000000002", on: account, daysAgo: 4, type: .reels,
                metrics: EngineFixture.instagramMetrics.merging(["ig_reels_avg_watch_time": 4200]) { $1 })
            let story = try await f.post(
                "17900000000000003", on: account, daysAgo: 0.5, type: .story,
                metrics: ["views": 300, "reach": 250, "shares": 1, "replies": 4, "navigation": 30])
            let carousel = try await f.post("17900000000000004", on: account, daysAgo: 5, type: .carouselAlbum)
            let tooNew = try await f.post("17900000000000005", on: account, daysAgo: 0.01, type: .feed, tooNew: true)
            let quiet = try await f.post("17900000000000006", on: account, daysAgo: 0.2, type: .story, notEnoughViewers: true)
            let engine = try await f.makeEngine()

            let handle = try await engine.start(.all(platforms: nil), trigger: .rpc)
            let report = try await handle.report()
            let runId = try await handle.runId

            let feedValues = try f.latest(feed).values
            #expect(feedValues == MetricValues(
                impressions: nil, views: 1000, reach: 800, likes: 50, comments: 5, shares: 3, saves: 7))
            #expect(try f.latest(carousel).values == feedValues)
            #expect(try f.latest(reel).values.views == 1000)
            #expect(try f.latestMetadata(reel)["ig_reels_avg_watch_time"] == .int(4200))
            #expect(try f.latestMetadata(feed)["profile_visits"] == .int(9))
            // A story has no likes, comments or saves: null, not 0.
            #expect(try f.latest(story).values == MetricValues(views: 300, reach: 250, shares: 1))
            #expect(try f.latestMetadata(story)["replies"] == .int(4))
            // Media too new for insights answers {"data":[]}: no snapshot at all rather than a row of zeros.
            #expect(try f.latest(tooNew).capturedAt == nil)
            #expect(try f.snapshotCount(tooNew) == 0)
            // "(#10) Not enough viewers": recorded for that post, the run goes on.
            #expect(try f.latest(quiet).capturedAt == nil)
            #expect(try f.failureKinds(runId: runId) == [quiet: "permission"])
            let posts = try f.store.listPosts(workspaceId: nil, accountId: "ig", limit: 10, cursor: nil).posts
            #expect(posts.first { $0.id == quiet }?.lastError?.contains("Not enough viewers") == true)
            #expect(posts.first { $0.id == feed }?.lastRefreshedAt != nil)

            #expect(report.ok)
            #expect(report.summary.totalPostsProcessed == 6)
            #expect(report.summary.totalMetricsUpdated == 4)
            #expect(report.summary.totalErrors == 1)
            #expect(report.summary.byPlatform["instagram"]?.updated == 4)
            // The post too new for insights is processed and counted as without data, not lost between the two.
            #expect(report.detail("ig")?.postsWithoutData == 1)
            #expect(report.summary.byPlatform["instagram"]?.withoutData == 1)
            #expect(report.summary.totalWithoutData == 1)
            #expect(report.message == "Refreshed metrics for 4 posts across 1 platform connections")
            // One insights call per post, nothing else.
            let stats = f.simulator.stats()
            #expect(stats.endpoint(.instagramInsights).requests == 6)
            #expect(stats.total.requests == 6)
            #expect(try f.store.run(id: runId)?.status == .completed)
        }
    }

    @Test func facebookWritesViewsReachReactionsCommentsAndShares() async throws {
        try await withEngineFixture { f in
            let page = try await f.account("fb", platform: .facebook, external: "100000000000001")
            let post = try await f.post("100000000000001_1", on: page, daysAgo: 4)
            let unshared = try await f.post(
                "100000000000001_2", on: page, daysAgo: 2, metrics: ["views": 20, "reach": 15, "likes": 1])
            let engine = try await f.makeEngine()

            let report = try await engine.start(.all(platforms: nil), trigger: .rpc).report()

            #expect(try f.latest(post).values == MetricValues(
                impressions: nil, views: 500, reach: 300, likes: 12, comments: 3, shares: 4, saves: nil))
            #expect(try f.latestMetadata(post)["clicks"] == .int(9))
            // Meta omits `shares` for a post nobody shared: a reported zero (platform-apis.md §3).
            #expect(try f.latest(unshared).values == MetricValues(views: 20, reach: 15, likes: 1, comments: 0, shares: 0))
            #expect(report.summary.byPlatform["facebook"]?.updated == 2)
            #expect(f.simulator.stats().endpoint(.facebookPost).requests == 2)
            #expect(f.simulator.stats().total.requests == 2)
        }
    }

    @Test func tiktokQueriesTwentyVideosPerCallAndSavesNullForWhatTikTokLacks() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("tt", platform: .tiktok, external: "open-1", refreshToken: "rft.one")
            var videos: [String] = []
            for index in 0..<25 {
                videos.append(try await f.post(
                    "71000000000000000\(10 + index)", on: account, daysAgo: Double(index) * 0.5 + 0.1,
                    metrics: ["views": 1000 + Int64(index), "likes": 40, "comments": 2, "shares": 1]))
            }
            // Someone else's video and a deleted one: TikTok leaves them out of the answer.
            let other = try await f.account("tt-other", platform: .tiktok, external: "open-2")
            _ = try await f.post("7200000000000000001", on: other, register: false)
            let foreign = try await f.post("7200000000000000001", on: account, onPlatform: false)
            let gone = try await f.post("7100000000000000099", on: account, onPlatform: false)
            let engine = try await f.makeEngine()

            let handle = try await engine.start(.all(platforms: [.tiktok]), trigger: .rpc)
            let report = try await handle.report()

            #expect(try f.latest(videos[0]).values == MetricValues(
                impressions: nil, views: 1000, reach: nil, likes: 40, comments: 2, shares: 1, saves: nil))
            #expect(try f.latest(videos[24]).values.views == 1024)
            #expect(try videos.allSatisfy { try f.latest($0).capturedAt != nil })
            #expect(try f.latest(foreign).capturedAt == nil)
            let kinds = try f.failureKinds(runId: try await handle.runId)
            #expect(kinds == [foreign: "not_returned", gone: "not_returned"])
            #expect(try await f.store.failureCount(runId: try await handle.runId) == 2)
            // 27 ids: two queries (20 + 7), not 27 calls.
            #expect(f.simulator.stats().endpoint(.tiktokVideoQuery).requests == 2)
            #expect(f.simulator.stats().total.requests == 2)
            #expect(report.detail("tt")?.postsProcessed == 27)
            #expect(report.detail("tt")?.metricsUpdated == 25)
            #expect(report.detail("tt")?.errors.count == 2)
        }
    }

    @Test func aSecondRunAddsAPointToTheHistoryInsteadOfReplacingTheFirst() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("fb", platform: .facebook)
            let post = try await f.post("p_1", on: account)
            let engine = try await f.makeEngine()
            _ = try await engine.start(.all(platforms: nil), trigger: .rpc).report()
            try await waitUntil("the clock moves past the first snapshot") {
                f.clock.now > (try f.latest(post).capturedAt ?? f.clock.now)
            }
            _ = try await engine.start(.all(platforms: nil), trigger: .schedule).report()
            let history = try f.store.history(postId: post, since: nil, until: nil, limit: 10)
            #expect(history.points.count == 2)
        }
    }
}
