import MetricsCore

/// Posts as the routes see them: the seeded ones, and the ones accounts published since (`PublishingSchedule`),
/// rebuilt from their ids on each request and visible once their time has come.
extension SimulatorWorld {
    /// One entry of an account's listing: enough to filter and page without building the post.
    struct ListedPost: Equatable {
        var id: String
        var createdAt: Timestamp
        var deleted: Bool
    }

    /// The post `id` names at `now`: a seeded one, or a published one whose time has come.
    func post(_ id: String, now: Timestamp) -> SimulatedPost? {
        if let seeded = posts[id] { return seeded }
        guard let publishing, let parsed = PublishedPostID.parse(id) else { return nil }
        let index = parsed.index
        let account: SimulatedAccount? = switch parsed.owner {
        case .ordinal(let ordinal): ordinal <= accountOrdinals.count ? accounts[accountOrdinals[ordinal - 1]] : nil
        case .page(let pageID): accounts[pageID]
        }
        guard let account,
              PublishedPostID.make(platform: account.platform, accountID: account.id, ordinal: account.ordinal, index: index) == id,
              publishing.publishedAt(ordinal: account.ordinal, index: index) <= now
        else { return nil }
        return publishedPost(of: account, index: index, id: id, schedule: publishing)
    }

    /// The account's posts, newest first (then by id, descending, as seeding orders them): the seeded ones and
    /// those published by `now`, merged. Costs one entry per post the account has, so a listing after a
    /// simulated month at 10 posts a day builds about 300.
    func listing(of account: SimulatedAccount, now: Timestamp) -> [ListedPost] {
        let seeded = account.postIDs.compactMap { id in
            posts[id].map { ListedPost(id: id, createdAt: $0.createdAt, deleted: $0.deleted) }
        }
        guard let publishing else { return seeded }
        let count = publishing.count(ordinal: account.ordinal, now: now)
        guard count > 0 else { return seeded }
        var published: [ListedPost] = []
        published.reserveCapacity(Int(count))
        for index in stride(from: count, through: 1, by: -1) {
            guard let id = PublishedPostID.make(
                platform: account.platform, accountID: account.id, ordinal: account.ordinal, index: index),
                posts[id] == nil  // a seed that reused the id replaced the published post
            else { continue }
            published.append(ListedPost(
                id: id, createdAt: publishing.publishedAt(ordinal: account.ordinal, index: index), deleted: false))
        }
        return Self.newestFirst(merging: seeded, published)
    }

    /// Two newest-first lists as one.
    static func newestFirst(merging left: [ListedPost], _ right: [ListedPost]) -> [ListedPost] {
        func before(_ a: ListedPost, _ b: ListedPost) -> Bool {
            a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id
        }
        var merged: [ListedPost] = []
        merged.reserveCapacity(left.count + right.count)
        var (l, r) = (0, 0)
        while l < left.count, r < right.count {
            if before(right[r], left[l]) {
                merged.append(right[r])
                r += 1
            } else {
                merged.append(left[l])
                l += 1
            }
        }
        merged += left[l...]
        merged += right[r...]
        return merged
    }

    /// A published post: numbers drawn like a seeded post's, but every counter starts at zero and grows by
    /// `MetricGrowth` with the drawn value as its daily rate, so a young post climbs fast (0.7 × that value in
    /// its first day) and slows after. Averages (reels' watch time) are not counters and stay as drawn.
    private func publishedPost(
        of account: SimulatedAccount, index: Int64, id: String, schedule: PublishingSchedule
    ) -> SimulatedPost {
        var (publishedAt, random) = schedule.draw(ordinal: account.ordinal, index: index)
        let drawn = SeedGenerator.makePost(account.platform, account: account.id, id: id, createdAt: publishedAt, random: &random)
        let averages: Set<String> = ["ig_reels_avg_watch_time"]
        var seeded = drawn
        seeded.metrics = drawn.metrics.filter { averages.contains($0.key) }
        seeded.growthPerDay = drawn.metrics.filter { !averages.contains($0.key) }.mapValues(Double.init)
        return SimulatedPost(seeded, owner: account)
    }
}
