import JSON
import MetricsCore
import StorageContract
import Testing

/// The event log on every backend: each event written with its fact, seqs without gaps, snapshot
/// events rendered from their snapshot, milestones once ever, paging, filters, and what retention deletes.
@Suite struct StoreEventLogTests {
    func fetched(_ post: String, _ platform: Platform, at: Timestamp, views: Int64, likes: Int64? = nil) -> RefreshAttempt {
        RefreshAttempt(
            postId: post, accountId: "\(platform.rawValue)-acct", platform: platform, at: at,
            outcome: .fetched(Snapshot(postId: post, capturedAt: at, values: MetricValues(views: views, likes: likes))), nextDueAt: nil)
    }

    func failed(_ post: String, at: Timestamp) -> RefreshAttempt {
        RefreshAttempt(
            postId: post, accountId: "instagram-acct", platform: .instagram, at: at, outcome: .failed(.permission, message: "no access"),
            nextDueAt: nil)
    }

    func all(_ h: StoreHarness, from seq: Int64 = 1, _ filter: EventFilter = .everything) async throws -> [Event] {
        try await h.store.events(fromSeq: seq, filter: filter, limit: 1_000).events
    }

    @Test(arguments: StoreBackend.available)
    func aRefreshWritesItsSnapshotsWithTheirChangesAndEachMilestoneOnce(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let start = try await h.store.eventLogBounds().lastSeq
            #expect(start == 3, "registering three accounts announced each as connected")
            let run = try await h.store.startRun(trigger: .rpc, scope: "{\"kind\":\"workspace\",\"workspaceId\":\"w1\"}", at: h.clock.now)
            let t0 = h.clock.now
            try await h.store.recordAttempts(runId: run, [fetched("instagram-0", .instagram, at: t0, views: 900, likes: 5)])
            try await h.store.recordAttempts(runId: run, [fetched("instagram-0", .instagram, at: t0.adding(seconds: 60), views: 12_000, likes: 7)])
            // The same counter again, and a second refresh racing with it: no milestone announced twice.
            try await h.store.recordAttempts(runId: run, [fetched("instagram-0", .instagram, at: t0.adding(seconds: 120), views: 12_500)])
            try await h.store.finishRun(id: run, status: .completed, summary: "{\"posts\":3}", at: t0.adding(seconds: 180))

            let events = try await all(h, from: start + 1)
            #expect(events.map(\.type) == [.snapshot, .snapshot, .milestone, .milestone, .snapshot, .run])
            #expect(events.map(\.seq) == Array((start + 1)...(start + 6)), "seqs in commit order, no gaps")
            #expect(events.map(\.id) == events.map { "evt_\($0.seq)" })
            #expect(h.store.eventsCommitted.last == start + 6, "every commit announced")
            #expect(events.allSatisfy { $0.workspaceId == "w1" })

            let first = events[0].data, second = events[1].data
            #expect(first["postId"] == "instagram-0" && first["accountId"] == "instagram-acct" && first["platform"] == "instagram")
            #expect(first["metrics"]?["views"] == .int(900) && first["metrics"]?["likes"] == .int(5) && first["metrics"]?["saves"] == .null)
            #expect(first["changes"]?["views"] == .null, "no snapshot before the first")
            #expect(second["changes"]?["views"] == .int(11_100) && second["changes"]?["likes"] == .int(2))
            #expect(second["capturedAt"] == .string(t0.adding(seconds: 60).iso8601))
            #expect(events[2].data["threshold"] == .int(1_000) && events[3].data["threshold"] == .int(10_000))
            #expect(events[2].data["value"] == .int(12_000) && events[2].postId == "instagram-0")
            #expect(events[5].data["runId"] == .int(run) && events[5].data["status"] == "completed")
            #expect(events[5].data["summary"]?["posts"] == .int(3))
        }
    }

    @Test(arguments: StoreBackend.available)
    func anImportIsOneEventAndNoSnapshotEvents(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let start = try await h.store.eventLogBounds().lastSeq
            let now = h.clock.now
            _ = try await h.store.importSnapshots((0..<5).map { index in
                Snapshot(postId: "tiktok-0", capturedAt: now.adding(seconds: Double(-index * 60)), values: MetricValues(views: 50_000))
            })
            let events = try await all(h, from: start + 1)
            #expect(events.map(\.type) == [.import])
            #expect(events.first?.data == ["snapshots": 5, "imported": 5, "skipped": 0, "posts": 1])
            #expect(events.first?.workspaceId == "w1")
        }
    }

    @Test(arguments: StoreBackend.available)
    func accountStatusFailingPostsAndRecoveriesAreEvents(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let start = try await h.store.eventLogBounds().lastSeq
            try await h.store.setAccountStatus(accountId: "tiktok-acct", status: .expired, lastError: "token expired")
            try await h.store.setAccountStatus(accountId: "tiktok-acct", status: .expired, lastError: "token expired")  // no change
            let run = try await h.store.startRun(trigger: .rpc, scope: "{\"kind\":\"all\"}", at: h.clock.now)
            // Five failures in a row make a post failing (the default `--failing-after`): announced once, at the fifth.
            for minute in 0..<6 {
                try await h.store.recordAttempts(runId: run, [failed("instagram-1", at: h.clock.now.adding(seconds: Double(minute * 60)))])
            }
            try await h.store.recordAttempts(runId: run, [fetched("instagram-1", .instagram, at: h.clock.now.adding(seconds: 600), views: 10)])
            try await h.store.finishRun(id: run, status: .completed, summary: nil, at: h.clock.now.adding(seconds: 700))
            _ = try await h.store.upsertAccount(AccountRegistration(
                id: "tiktok-acct", workspaceId: "w1", platform: .tiktok, externalAccountId: "ext-tiktok", accessToken: "fresh"))

            let events = try await all(h, from: start + 1)
            #expect(events.map(\.type) == [.account, .post, .snapshot, .post, .run, .account])
            #expect(events[0].data["status"] == "expired" && events[0].data["previousStatus"] == "connected")
            #expect(events[0].data["reason"] == "token expired" && events[0].data["needsReconnect"] == true)
            #expect(events[1].data["refreshState"] == "failing" && events[1].data["consecutiveFailures"] == 5)
            #expect(events[1].data["lastError"] == "no access")
            #expect(events[3].data["refreshState"] == "ok" && events[3].postId == "instagram-1")
            #expect(events[4].workspaceId == nil, "a run over every workspace belongs to none")
            #expect(events[5].data["status"] == "connected" && events[5].data["previousStatus"] == "expired")

            // Filters: by type, by workspace (a run of no workspace is left out), by post.
            #expect(try await all(h, from: start + 1, EventFilter(types: [.account])).count == 2)
            #expect(try await all(h, from: start + 1, EventFilter(workspaceIds: ["w1"])).count == 5)
            #expect(try await all(h, from: start + 1, EventFilter(workspaceIds: ["elsewhere"])).isEmpty)
            #expect(try await all(h, from: start + 1, EventFilter(postIds: ["instagram-1"])).map(\.type) == [.post, .snapshot, .post])
        }
    }

    @Test(arguments: StoreBackend.available)
    func pagesMoveForwardAndAnExpiredSeqNamesTheOldestKept(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()  // three events, at the harness's start
            #expect(try await h.store.events(fromSeq: 1, filter: .everything, limit: 2).nextSeq == 3)
            let sparse = try await h.store.events(fromSeq: 1, filter: EventFilter(types: [.run]), limit: 2)
            #expect(sparse.events.isEmpty && sparse.nextSeq == 4, "a filter that matches nothing still moves to the log's end")
            #expect(try await h.store.events(fromSeq: 99, filter: .everything, limit: 2).nextSeq == 99)

            h.clock.advance(milliseconds: 8 * 86_400_000)
            try await h.store.setAccountStatus(accountId: "tiktok-acct", status: .disconnected, lastError: nil)
            try await h.store.retentionPass(RetentionPolicy(keepEventsDays: 7))
            #expect(try await h.store.eventLogBounds() == EventLogBounds(oldestSeq: 4, lastSeq: 4))
            let expired = try await #require(throws: EventsExpired.self) { try await h.store.events(fromSeq: 2, filter: .everything, limit: 10) }
            #expect(expired == EventsExpired(requestedSeq: 2, oldestSeq: 4))
            #expect(try await all(h, from: 4).map(\.seq) == [4])
        }
    }

    @Test(arguments: StoreBackend.available)
    func aWorkspacesOwnMilestoneRulesReplaceTheDefaultPerCounter(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            #expect(try await h.store.milestoneRules(workspaceId: "w1") == MilestoneRules.defaultRules)
            #expect(try await h.store.upsertMilestones(workspaceId: "w1", metric: "likes", thresholds: [10, 100]) == .created)
            #expect(try await h.store.upsertMilestones(workspaceId: "w1", metric: "views", thresholds: []) == .created)
            #expect(try await h.store.milestoneRules(workspaceId: "w1") == ["likes": [10, 100]])
            let error = try await #require(throws: StoreError.self) {
                try await h.store.upsertMilestones(workspaceId: "nope", metric: "likes", thresholds: [1])
            }
            #expect(error.input == .workspaceId)
            let start = try await h.store.eventLogBounds().lastSeq
            let run = try await h.store.startRun(trigger: .rpc, scope: "{}", at: h.clock.now)
            try await h.store.recordAttempts(runId: run, [fetched("instagram-0", .instagram, at: h.clock.now, views: 5_000_000, likes: 150)])
            let milestones = try await all(h, from: start + 1, EventFilter(types: [.milestone]))
            #expect(milestones.map { $0.data["metric"] } == ["likes", "likes"])
            #expect(milestones.map { $0.data["threshold"] } == [10, 100])
        }
    }

    @Test(arguments: StoreBackend.available)
    func aClosedDaysAnomaliesAreAnnouncedOnceWhoeverEvaluatesItAgain(_ backend: StoreBackend) async throws {
        try await StoreHarness.with(backend) { h in
            try await h.seed()
            let start = try await h.store.eventLogBounds().lastSeq
            let flagged = [AnomalyEventFacts(postId: "instagram-0", platform: .instagram, value: 5_000, median: 100, score: 9.5)]
            #expect(try await h.store.recordAnomalies(workspaceId: "w1", day: 20_000, flagged: flagged, at: h.clock.now))
            #expect(!(try await h.store.recordAnomalies(workspaceId: "w1", day: 20_000, flagged: flagged, at: h.clock.now)))
            #expect(try await h.store.recordAnomalies(workspaceId: "w1", day: 20_001, flagged: [], at: h.clock.now))
            let events = try await all(h, from: start + 1)
            #expect(events.map(\.type) == [.anomaly])
            #expect(events.first?.data["accountId"] == "instagram-acct" && events.first?.data["day"] == .string(LocalCalendar.iso8601(day: 20_000)))
            #expect(events.first?.postId == "instagram-0" && events.first?.workspaceId == "w1")
        }
    }
}
