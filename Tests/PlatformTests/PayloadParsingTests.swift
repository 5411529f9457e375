import MetricsCore
import PlatformClients
import Testing

/// The payload shapes quoted in platform-apis.md, parsed without a socket.
@Suite("Payload parsing")
struct PayloadParsingTests {
    @Test("Instagram insights: documented shape; unreported metrics stay nil")
    func instagramInsights() throws {
        let body = #"{"data":[{"name":"reach","period":"lifetime","values":[{"value":12}],"title":"Reach","description":"...","id":"17932174733377207/insights/reach/lifetime"},{"name":"saved","period":"lifetime","values":[{"value":3}]},{"name":"follows","period":"lifetime","values":[{"value":1}]}]}"#
        let metrics = try InstagramInsightsParser.parse(Array(body.utf8), productType: .feed)
        #expect(metrics.values == MetricValues(reach: 12, saves: 3))
        #expect(metrics.values.impressions == nil)
        #expect(metrics.metadata["follows"] == .int(1))
        #expect(metrics.metadata["media_product_type"] == .string("FEED"))
        #expect(!metrics.noDataYet)
    }

    @Test("Instagram insights: {\"data\":[]} means no numbers yet, not zeros")
    func instagramEmpty() throws {
        let metrics = try InstagramInsightsParser.parse(Array(#"{"data":[]}"#.utf8), productType: .reels)
        #expect(metrics.noDataYet)
        #expect(metrics.values == MetricValues())
    }

    @Test("Instagram insights: total_value shape and impressions when returned")
    func instagramTotalValue() throws {
        let body = #"{"data":[{"name":"views","total_value":{"value":40}},{"name":"impressions","values":[{"value":44}]}]}"#
        let metrics = try InstagramInsightsParser.parse(Array(body.utf8), productType: .feed)
        #expect(metrics.values.views == 40)
        #expect(metrics.values.impressions == 44)
    }

    @Test("Instagram insights: a body that is not the documented shape is malformed")
    func instagramMalformed() {
        #expect(throws: PlatformError.self) {
            try InstagramInsightsParser.parse(Array(#"{"data":[{"name":"reach""#.utf8), productType: .feed)
        }
    }

    @Test("Instagram media: +0000 timestamps, hidden likes, carousels")
    func instagramMedia() throws {
        let media = try InstagramMediaParser.parseMedia(Array(
            #"{"id":"1","media_type":"CAROUSEL_ALBUM","media_product_type":"FEED","timestamp":"2019-09-26T22:36:43+0000","comments_count":4}"#.utf8))
        #expect(media.createdAt == Timestamp(iso8601: "2019-09-26T22:36:43Z"))
        #expect(media.likeCount == nil)
        #expect(media.commentsCount == 4)
        #expect(media.productType == .carouselAlbum)
    }

    @Test("Graph paging: stop when next is absent, even with an after cursor")
    func graphPaging() throws {
        let more = try InstagramMediaParser.parsePage(Array(
            #"{"data":[{"id":"1","timestamp":"2026-01-01T00:00:00+0000"}],"paging":{"cursors":{"before":"a","after":"b"},"next":"https://graph/x?after=b"}}"#.utf8))
        #expect(more.after == "b")
        let last = try InstagramMediaParser.parsePage(Array(#"{"data":[],"paging":{"cursors":{"before":"a","after":"b"}}}"#.utf8))
        #expect(last.after == nil)
    }

    @Test("Facebook post: documented counts shape")
    func facebookCounts() throws {
        let body = #"{"reactions":{"data":[],"summary":{"total_count":1}},"comments":{"data":[],"summary":{"total_count":1}},"shares":{"count":42},"id":"1_2"}"#
        let metrics = try FacebookPostParser.parse(Array(body.utf8))
        #expect(metrics.values == MetricValues(likes: 1, comments: 1, shares: 42))
        #expect(metrics.noDataYet)
    }

    @Test("Facebook post: reactions by type are summed into likes and kept by type; absent shares are 0")
    func facebookInsights() throws {
        let body = #"{"reactions":{"data":[],"summary":{"total_count":3}},"comments":{"data":[],"summary":{"total_count":0}},"insights":{"data":[{"name":"post_reactions_by_type_total","period":"lifetime","values":[{"value":{"like":1,"love":2}}],"title":"Lifetime Total post Reactions by Type.","description":"...","id":"1_2/insights/post_reactions_by_type_total/lifetime"},{"name":"post_media_view","values":[{"value":90}]},{"name":"post_total_media_view_unique","values":[{"value":70}]},{"name":"post_clicks","values":[{"value":5}]}]},"id":"1_2"}"#
        let metrics = try FacebookPostParser.parse(Array(body.utf8))
        #expect(metrics.values == MetricValues(views: 90, reach: 70, likes: 3, comments: 0, shares: 0))
        #expect(metrics.metadata["reactions"] == .object(["like": .int(1), "love": .int(2)]))
        #expect(metrics.metadata["clicks"] == .int(5))
        #expect(metrics.values.saves == nil)
    }

    @Test("TikTok video query: documented shape; ids not returned are listed")
    func tiktokQuery() throws {
        let body = #"{"data":{"videos":[{"id":"7077642457847991554","like_count":1,"comment_count":0,"share_count":0,"view_count":10,"create_time":1700000000}]},"error":{"code":"ok","message":"","log_id":"20220829194722CBE87ED59D524E727021"}}"#
        let result = try TikTokParser.parseVideoQuery(Array(body.utf8), requestedIDs: ["7077642457847991554", "123"])
        #expect(result.metrics["7077642457847991554"]?.values == MetricValues(views: 10, likes: 1, comments: 0, shares: 0))
        #expect(result.createdAt["7077642457847991554"] == Timestamp(seconds: 1_700_000_000))
        #expect(result.missingIDs == ["123"])
    }

    @Test("TikTok envelope errors are classified", arguments: [
        ("access_token_invalid", 401), ("scope_not_authorized", 401), ("rate_limit_exceeded", 429),
        ("internal_error", 500), ("invalid_params", 400), ("scope_permission_missed", 400),
    ])
    func tiktokErrors(code: String, status: Int) {
        let body = #"{"data":{},"error":{"code":"\#(code)","message":"m","log_id":"x"}}"#
        do {
            _ = try TikTokParser.parseVideoQuery(Array(body.utf8), requestedIDs: ["1"], status: status)
            Issue.record("expected \(code) to fail")
        } catch {
            switch (code, error.kind) {
            case ("access_token_invalid", .tokenInvalid(let failure)): #expect(failure.reason == .expired)
            case ("scope_not_authorized", .tokenInvalid(let failure)): #expect(failure.reason == .needsReconnect)
            case ("rate_limit_exceeded", .rateLimited(let scope, _, _)): #expect(scope == .app)
            case ("internal_error", .transient): break
            case ("invalid_params", .invalidRequest), ("scope_permission_missed", .invalidRequest): break
            default: Issue.record("\(code) classified as \(error.kind)")
            }
        }
    }

    @Test("TikTok token answer: documented shape and invalid_grant")
    func tiktokToken() throws {
        let now = Timestamp(seconds: 1_700_000_000)
        let body = #"{"open_id":"o","scope":"user.info.basic,video.list","access_token":"act.new","expires_in":7200,"refresh_token":"rft.new","refresh_expires_in":15552000,"token_type":"Bearer"}"#
        let pair = try TikTokParser.parseToken(Array(body.utf8), now: now)
        #expect(pair.accessToken == "act.new")
        #expect(pair.accessTokenExpiresAt == now.adding(milliseconds: 7_200_000))
        #expect(pair.refreshTokenExpiresAt == now.adding(days: 180))
        #expect(pair.scopes == ["user.info.basic", "video.list"])
        do {
            _ = try TikTokParser.parseToken(
                Array(#"{"error":"invalid_grant","error_description":"Refresh token is invalid or expired.","log_id":"x"}"#.utf8),
                status: 400, now: now)
            Issue.record("invalid_grant must fail")
        } catch {
            guard case .tokenInvalid(let failure) = error.kind else {
                Issue.record("invalid_grant classified as \(error.kind)")
                return
            }
            #expect(failure.reason == .refreshRejected)
        }
    }

    @Test("Instagram metric sets per media type, with exclusions and extras")
    func metricSets() {
        #expect(InstagramMetricSet.metrics(for: .feed) == [
            "views", "reach", "likes", "comments", "shares", "saved", "total_interactions", "follows", "profile_visits",
        ])
        #expect(InstagramMetricSet.metrics(for: .carouselAlbum) == InstagramMetricSet.metrics(for: .feed))
        #expect(InstagramMetricSet.metrics(for: .reels).suffix(2) == ["ig_reels_avg_watch_time", "ig_reels_video_view_total_time"])
        #expect(InstagramMetricSet.metrics(for: .story) == ["views", "reach", "shares", "total_interactions", "replies", "navigation"])
        #expect(InstagramMetricSet.metrics(
            for: .story, options: .init(excluded: ["navigation"], extra: ["impressions"], includeOptional: true))
            == ["views", "reach", "shares", "total_interactions", "replies", "impressions"])
    }
}
