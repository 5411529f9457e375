import MetricsCore

/// Deterministic bulk data for demos and benchmarks: the same `Generate` request always yields the same ids,
/// tokens, media types and numbers.
///
/// Naming scheme, for account k (from 1) and post j (from 1), with zero padding:
/// - Instagram: user `17841` + k(12 digits), token `IGAAsim` + k, media `179` + k(7) + j(7)
/// - Facebook: Page `1000` + k(11), token `EAAsim` + k, post `{page}_` + `10` + j(13)
/// - TikTok: open_id `sim-open-` + k, tokens `act.sim` + k / `rft.sim` + k, video `7` + k(6) + j(12)
/// Posts are spread over the last `maxAgeDays` days; Instagram mixes FEED, REELS, STORY and CAROUSEL_ALBUM.
enum SeedGenerator {
    static func generate(_ request: SimulatorSeed.Generate, now: Timestamp) -> (accounts: [SimulatorSeed.Account], posts: [SimulatorSeed.Post]) {
        var random = SplitMix64(seed: request.seed)
        var accounts: [SimulatorSeed.Account] = []
        var posts: [SimulatorSeed.Post] = []
        let span = Int64(max(1, request.maxAgeDays)) * 86_400_000
        let origin = request.referenceTime ?? now
        for platform in request.platforms {
            for k in 1...max(1, request.accountsPerPlatform) where request.accountsPerPlatform > 0 {
                let account = makeAccount(platform, k)
                accounts.append(account)
                for j in 1...max(1, request.postsPerAccount) where request.postsPerAccount > 0 {
                    let age = Int64(random.nextUnit() * Double(span))
                    posts.append(makePost(
                        platform, account: account.id, id: postID(platform, account: account.id, k: k, j: j),
                        createdAt: origin.adding(milliseconds: -age), random: &random))
                }
            }
        }
        return (accounts, posts)
    }

    private static func makeAccount(_ platform: Platform, _ k: Int) -> SimulatorSeed.Account {
        switch platform {
        case .instagram:
            SimulatorSeed.Account(platform: .instagram, id: "17841" + pad(k, 12), accessToken: "IGAAsim\(k)")
        case .facebook:
            SimulatorSeed.Account(platform: .facebook, id: "1000" + pad(k, 11), accessToken: "EAAsim\(k)")
        case .tiktok:
            SimulatorSeed.Account(
                platform: .tiktok, id: "sim-open-\(k)", accessToken: "act.sim\(k)", refreshToken: "rft.sim\(k)")
        }
    }

    private static func postID(_ platform: Platform, account: String, k: Int, j: Int) -> String {
        switch platform {
        case .instagram: "179" + pad(k, 7) + pad(j, 7)
        case .facebook: account + "_10" + pad(j, 13)
        case .tiktok: "7" + pad(k, 6) + pad(j, 12)
        }
    }

    /// A post with plausible numbers drawn from `random`; published posts (`PublishingSchedule`) are drawn here
    /// too, so they look like seeded ones.
    static func makePost(
        _ platform: Platform, account: String, id: String, createdAt: Timestamp, random: inout SplitMix64
    ) -> SimulatorSeed.Post {
        // Log-uniform views between 100 and 100,000; everything else a plausible fraction of them.
        let views = Int64(100 * pow10(random.nextUnit() * 3))
        func share(_ low: Double, _ high: Double, of base: Int64) -> Int64 {
            Int64(Double(base) * (low + (high - low) * random.nextUnit()))
        }
        let reach = share(0.5, 0.9, of: views)
        let likes = share(0.02, 0.1, of: views)
        let comments = share(0.05, 0.2, of: likes)
        let shares = share(0.02, 0.1, of: likes)
        var metrics: [String: Int64] = ["views": views, "likes": likes, "comments": comments, "shares": shares]
        var growth: [String: Double] = ["views": Double(views) / 10, "likes": Double(likes) / 10]
        switch platform {
        case .instagram:
            let draw = random.nextUnit()
            let type: MediaProductType = draw < 0.45 ? .feed : draw < 0.75 ? .reels : draw < 0.85 ? .story : .carouselAlbum
            metrics["reach"] = reach
            metrics["saved"] = share(0.05, 0.2, of: likes)
            metrics["follows"] = share(0, 0.01, of: reach)
            metrics["profile_visits"] = share(0, 0.03, of: reach)
            if type == .reels {
                metrics["ig_reels_avg_watch_time"] = 3_000 + share(0, 1, of: 9_000)
                metrics["ig_reels_video_view_total_time"] = views * 7_000
            }
            if type == .story {
                metrics["replies"] = share(0, 0.02, of: reach)
                metrics["navigation"] = share(0.5, 1.5, of: reach)
            }
            growth["reach"] = Double(reach) / 10
            return SimulatorSeed.Post(
                id: id, account: account, mediaProductType: type, createdAt: createdAt,
                metrics: metrics, growthPerDay: growth)
        case .facebook:
            metrics["reach"] = reach
            metrics["clicks"] = share(0.01, 0.05, of: views)
            metrics["reactions.like"] = share(0.6, 0.8, of: likes)
            metrics["reactions.love"] = share(0.1, 0.2, of: likes)
            metrics["reactions.haha"] = share(0, 0.1, of: likes)
            growth["reactions.like"] = Double(likes) / 20
            growth["reach"] = Double(reach) / 10
            return SimulatorSeed.Post(
                id: id, account: account, createdAt: createdAt, metrics: metrics,
                growthPerDay: growth)
        case .tiktok:
            return SimulatorSeed.Post(
                id: id, account: account, createdAt: createdAt, metrics: metrics,
                growthPerDay: growth)
        }
    }

    private static func pow10(_ exponent: Double) -> Double {
        var result = 1.0
        var remaining = exponent
        while remaining >= 1 { result *= 10; remaining -= 1 }
        // 10^x for x in [0,1): a short series is plenty for test data.
        let ln10 = 2.302585092994046
        var term = 1.0
        var sum = 1.0
        for n in 1...12 {
            term *= remaining * ln10 / Double(n)
            sum += term
        }
        return result * sum
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
