import MetricsCore
import StorageContract
import Testing

/// Daily rollups and totals on every backend, kept in the same transaction as the snapshots, in the workspace's
/// time zone; and the history reads' store functions over them.
@Suite struct StoreDailyRollupTests {
    struct Rollup: Equatable {
        var post: String
        var day: String
        var capturedAt: String
        var views: Int64?
    }

    func rollups(_ h: StoreHarness) async throws -> [Rollup] {
        try await h.rows("""
            SELECT p.id, r.day, r.captured_at, r.views FROM daily_rollups r JOIN posts p ON p.key = r.post_key ORDER BY p.id, r.day
            """).map { row in
            Rollup(
                post: row[0].text ?? "?", day: LocalCalendar.iso8601(day: row[1].int ?? 0),
                capturedAt: Timestamp(milliseconds: row[2].int ?? 0).iso8601, views: row[3].int)
        }
    }

    func totals(_ h: StoreHarness) async throws -> [String: (posts: Int64, views: Int64?, saves: Int64?)] {
        var result: [String: (Int64, Int64?, Int64?)] = [:]
        for row in try await h.rows("SELECT platform, day, posts, views, views_n, saves, saves_n FROM daily_totals") {
            let key = "\(row[0].text ?? "?") \(LocalCalendar.iso8601(day: row[1].int ?? 0))"
            result[key] = (row[2].int ?? -1, (row[4].int ?? 0) > 0 ? row[3].int : nil, (row[6].int ?? 0) > 0 ? row[5].int : nil)
        }
        return result
    }

    func snapshot(_ post: String, _ at: String, views: Int64?, saves: Int64? = nil) -> Snapshot {
        Snapshot(postId: post, capturedAt: Timestamp(iso8601: at)!, values: MetricValues(views: views, saves: saves))
    }

    @Test(arguments: StoreBackend.available)
    func theLastPointOfEachLocalDayInTheWorkspacesTimeZone(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            _ = try await h.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "America/New_York"))
            _ = try await h.store.importSnapshots([
                snapshot("instagram-0", "2026-11-24T14:00:00Z", views: 100),
                // 23:30 in New York on the 24th: still the 24th there.
                snapshot("instagram-0", "2026-11-25T04:30:00Z", views: 180),
                // 00:30 on the 25th in New York: a new day, and the counter dropped (the platform corrected it).
                snapshot("instagram-0", "2026-11-25T05:30:00Z", views: 170),
                snapshot("tiktok-0", "2026-11-25T06:00:00Z", views: 40),
            ])
            #expect(try await rollups(h) == [
                Rollup(post: "instagram-0", day: "2026-11-24", capturedAt: "2026-11-25T04:30:00.000Z", views: 180),
                Rollup(post: "instagram-0", day: "2026-11-25", capturedAt: "2026-11-25T05:30:00.000Z", views: 170),
                Rollup(post: "tiktok-0", day: "2026-11-25", capturedAt: "2026-11-25T06:00:00.000Z", views: 40),
            ])
            // A point backfilled earlier in a day changes nothing; a later one replaces the day's last, and the totals follow.
            _ = try await h.store.importSnapshots([
                snapshot("instagram-0", "2026-11-24T12:00:00Z", views: 90),
                snapshot("instagram-0", "2026-11-25T20:00:00Z", views: 210, saves: 3),
            ])
            let totals = try await totals(h)
            #expect(totals["instagram 2026-11-24"]?.views == 180)
            #expect(totals["instagram 2026-11-25"]?.views == 210)
            #expect(totals["instagram 2026-11-25"]?.saves == 3)
            #expect(totals["tiktok 2026-11-25"]?.views == 40)
            #expect(totals["tiktok 2026-11-25"]?.saves == nil)  // no TikTok post reported saves: null, not 0
            #expect(totals["instagram 2026-11-25"]?.posts == 1)
            #expect(try await h.store.healthFacts().snapshotRows == 6)
        }
    }

    @Test(arguments: StoreBackend.available)
    func aNewTimeZoneRebuildsTheDaysFromTheSnapshots(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            _ = try await h.store.importSnapshots([
                snapshot("instagram-0", "2026-11-25T03:00:00Z", views: 100),
                snapshot("instagram-0", "2026-11-25T06:00:00Z", views: 120),
            ])
            #expect(try await rollups(h).map(\.day) == ["2026-11-25"])  // both the 25th in UTC
            _ = try await h.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "America/New_York"))
            #expect(try await rollups(h) == [
                Rollup(post: "instagram-0", day: "2026-11-24", capturedAt: "2026-11-25T03:00:00.000Z", views: 100),
                Rollup(post: "instagram-0", day: "2026-11-25", capturedAt: "2026-11-25T06:00:00.000Z", views: 120),
            ])
            #expect(try await totals(h)["instagram 2026-11-24"]?.views == 100)
            #expect(try await h.store.calendar(workspaceId: "w1").identifier == "America/New_York")
            #expect(try await h.store.calendars(postIds: ["instagram-0", "tiktok-1"]).map(\.identifier) == ["America/New_York", "America/New_York"])
            await #expect(throws: StoreError.self) {
                try await h.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "Mars/Base"))
            }
            let error = try await #require(throws: StoreError.self) { try await h.store.calendars(postIds: ["instagram-0", "ghost"]) }
            #expect(error.index == 1 && error.kind == .notFound(.post, id: "ghost"))
        }
    }

    /// Both backends keep the day's totals by one rule (`DailyTotalsRow`); SQLite writes it in its upsert's SQL. At the
    /// overflow edge the writes, a rebuild (a new time zone) and the read all agree with the rule: held at 2^63 − 1,
    /// never failing the write.
    @Test(arguments: StoreBackend.available)
    func totalsAtTheOverflowEdgeFollowTheOneRuleOnWritesRebuildsAndReads(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let points = [
                snapshot("instagram-0", "2026-11-25T12:00:00Z", views: .max - 5),
                snapshot("instagram-1", "2026-11-25T13:00:00Z", views: 10, saves: .max),
                snapshot("facebook-0", "2026-11-25T14:00:00Z", views: .max),
                // A later point of the same day replaces the first: the sum moves by its difference, still held.
                snapshot("instagram-0", "2026-11-25T15:00:00Z", views: .max - 1),
            ]
            _ = try await h.store.importSnapshots(points)
            var rule: [String: DailyTotalsRow] = [:]
            var last: [String: MetricValues] = [:]
            for point in points {
                let platform = String(point.postId.prefix { $0 != "-" })
                rule[platform, default: DailyTotalsRow()].apply(removing: last[point.postId], adding: point.values)
                last[point.postId] = point.values
            }
            let views = MetricValues.names.firstIndex(of: "views")!
            let saves = MetricValues.names.firstIndex(of: "saves")!
            func expectTheRule() async throws {
                let totals = try await totals(h)
                #expect(totals["instagram 2026-11-25"]?.views == rule["instagram"]?.sums[views])
                #expect(totals["instagram 2026-11-25"]?.views == .max)
                #expect(totals["instagram 2026-11-25"]?.saves == rule["instagram"]?.sums[saves])
                #expect(totals["facebook 2026-11-25"]?.views == .max)
                #expect(totals["instagram 2026-11-25"]?.posts == 2)
                let day = LocalCalendar.day(iso8601: "2026-11-25")!
                let read = try await h.store.dailyTotals(workspaceId: "w1", platform: nil, days: day...day)
                #expect(read == DailyTotal.combining([(day: day, row: rule["facebook"]!), (day: day, row: rule["instagram"]!)]))
                #expect(read.first?.values.views == .max)
            }
            try await expectTheRule()
            // Every point is afternoon UTC, so Berlin keeps them on the same day: the rebuilt rows are the kept ones.
            _ = try await h.store.upsertWorkspace(Workspace(id: "w1", name: "Studio", timeZone: "Europe/Berlin"))
            try await expectTheRule()
        }
    }

    @Test(arguments: StoreBackend.available)
    func readingsDayPointsTotalsAndExportAgree(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed(postsPerAccount: 2)
            let day0 = LocalCalendar.utc.day(of: h.clock.now)
            let start = LocalCalendar.utc.start(ofDay: day0 - 2)
            // Three days of two points a day for every post; views = day * 10 + point.
            var snapshots: [Snapshot] = []
            for post in ["instagram-0", "instagram-1", "tiktok-0", "tiktok-1", "facebook-0"] {
                for day in 0..<3 {
                    for point in 0..<2 {
                        let at = start.adding(days: day).adding(milliseconds: Int64(point + 1) * 3_600_000)
                        snapshots.append(Snapshot(postId: post, capturedAt: at, values: MetricValues(views: Int64(day * 10 + point), likes: 1)))
                    }
                }
            }
            _ = try await h.store.importSnapshots(snapshots)
            let middle = start.adding(days: 1).adding(milliseconds: 90 * 60_000)  // after the middle day's first point
            let atMiddle = try await h.store.readings(postIds: ["tiktok-0", "facebook-1"], at: .atOrBefore(middle))
            #expect(atMiddle.map(\.values.views) == [10, nil])
            #expect(atMiddle.map(\.capturedAt) == [start.adding(days: 1).adding(milliseconds: 3_600_000), nil])
            #expect(try await h.store.readings(postIds: ["tiktok-0"], at: .latest).first?.values.views == 21)
            // tiktok-0 was posted now: at its age 0 it had today's points; three days before it was posted, none.
            #expect(try await h.store.readings(postIds: ["tiktok-0"], at: .atAge(0)).first?.values.views == 21)
            #expect(try await h.store.readings(postIds: ["tiktok-0"], at: .atAge(-3 * 86_400_000)).first?.capturedAt == nil)
            let missing = try await #require(throws: StoreError.self) { try await h.store.readings(postIds: ["tiktok-0", "ghost"], at: .latest) }
            #expect(missing.index == 1)
            // Each post at its own bound, in one call (what `deltas` reads).
            let mixed = try await h.store.readings(
                postIds: ["tiktok-0", "tiktok-0", "facebook-1", "tiktok-0"],
                at: [.atOrBefore(middle), .latest, .atOrBefore(middle), .atAge(-3 * 86_400_000)])
            #expect(mixed.map(\.postId) == ["tiktok-0", "tiktok-0", "facebook-1", "tiktok-0"])
            #expect(mixed.map(\.values.views) == [10, 21, nil, nil])
            let missingOfMany = try await #require(throws: StoreError.self) {
                try await h.store.readings(postIds: ["tiktok-0", "ghost"], at: [.latest, .latest])
            }
            #expect(missingOfMany.index == 1)

            let page = try await h.store.readings(workspaceId: "w1", platform: .instagram, at: .latest, limit: 1, cursor: nil)
            #expect(page.readings.map(\.postId) == ["instagram-0"])
            let next = try await h.store.readings(workspaceId: "w1", platform: .instagram, at: .latest, limit: 1, cursor: page.nextCursor)
            #expect(next.readings.map(\.postId) == ["instagram-1"])
            let everything = try await h.store.readings(workspaceId: "w1", platform: nil, at: .latest, limit: nil, cursor: nil)
            #expect(everything.readings.count == 6 && everything.nextCursor == nil)

            let points = try await h.store.dayPoints(postIds: ["tiktok-1", "tiktok-0"], days: (day0 - 2)...(day0 - 1))
            #expect(points.map(\.postId) == ["tiktok-1", "tiktok-1", "tiktok-0", "tiktok-0"])
            #expect(points.map(\.values.views) == [1, 11, 1, 11])
            await #expect(throws: StoreError.self) { try await h.store.dayPoints(postIds: ["ghost"], days: day0...day0) }
            let workspacePoints = try await h.store.dayPoints(workspaceId: "w1", platform: .tiktok, days: day0...day0)
            #expect(workspacePoints.map(\.values.views) == [21, 21])

            let totals = try await h.store.dailyTotals(workspaceId: "w1", platform: nil, days: (day0 - 3)...day0)
            #expect(totals.map(\.day) == [day0 - 2, day0 - 1, day0])
            #expect(totals.map(\.posts) == [5, 5, 5])
            #expect(totals.map { $0.values.views } == [5, 55, 105])
            #expect(totals.map { $0.values.saves } == [nil, nil, nil])

            var exported: [ExportRow] = []
            var cursor: String?
            repeat {
                let page = try await h.store.export(workspaceId: "w1", source: .snapshots, since: nil, until: nil, limit: 7, cursor: cursor)
                exported += page.rows
                cursor = page.nextCursor
            } while cursor != nil
            #expect(exported.count == 30)
            #expect(Set(exported.map { "\($0.postId)@\($0.capturedAt)" }).count == 30)
            let daily = try await h.store.export(workspaceId: "w1", source: .daily, since: nil, until: nil, limit: 100, cursor: nil)
            #expect(daily.rows.count == 15 && daily.nextCursor == nil)
            #expect(daily.rows.allSatisfy { $0.day != nil })
            await #expect(throws: StoreError.self) {
                try await h.store.export(workspaceId: "w1", source: .daily, since: nil, until: nil, limit: 1, cursor: "garbage")
            }
        }
    }
}
