import Foundation
import MetricsCore
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
import StorageContract
import Testing

/// `ClusterStorage` on a real PostgreSQL: several members, each through its own store (as separate daemons would be),
/// against one database. What the database holds is read back directly, not only what the calls answered.
@Suite(.enabled(if: PostgresCluster.shouldRun, Comment(rawValue: PostgresCluster.skipMessage)))
struct ClusterStorageTests {
    static let minute: Int64 = 60_000

    // MARK: Webhook leases

    @Test func eachWebhookEndpointIsLeasedToOneLiveMemberAndPassesOnWhenItLeaves() async throws {
        try await Self.withCluster(stores: 3, accounts: 0) { stores, _ in
            let members = stores.indices.map { Self.member($0) }
            let hooks = (0..<8).map { "hook-\($0)" }
            for hook in hooks {
                _ = try await stores[0].upsertWebhook(
                    WebhookRegistration(id: hook, url: "http://127.0.0.1:9/\(hook)", types: nil, workspaceId: nil),
                    secret: "whsec_x", replaceSecret: true)
            }
            // Before its first tick a member is not in the cluster and holds nothing.
            #expect(try await stores[0].claimWebhooks(memberId: members[0].id, webhookIds: hooks, leaseMilliseconds: Self.minute).isEmpty)
            for (store, member) in zip(stores, members) {
                _ = try await store.clusterTick(member: member, leaseMilliseconds: Self.minute)
            }
            // All three claim every endpoint at once: each endpoint ends with exactly one of them.
            var held = Array(repeating: Set<String>(), count: stores.count)
            try await withThrowingTaskGroup(of: (Int, Set<String>).self) { group in
                for (index, (store, member)) in zip(stores, members).enumerated() {
                    group.addTask { (index, try await store.claimWebhooks(memberId: member.id, webhookIds: hooks, leaseMilliseconds: Self.minute)) }
                }
                for try await (index, claimed) in group { held[index] = claimed }
            }
            #expect(held.reduce(0) { $0 + $1.count } == hooks.count, "an endpoint held twice: \(held)")
            #expect(held.reduce(Set<String>()) { $0.union($1) } == Set(hooks))
            // Claiming again renews what each member holds and takes nothing from the others.
            for (index, (store, member)) in zip(stores, members).enumerated() {
                #expect(try await store.claimWebhooks(memberId: member.id, webhookIds: hooks, leaseMilliseconds: Self.minute) == held[index])
            }
            // A member that leaves gives its endpoints up at once: another takes them at its next look.
            for (index, member) in members.enumerated() { try await stores[index].leaveCluster(memberId: member.id) }
            _ = try await stores[2].clusterTick(member: members[2], leaseMilliseconds: Self.minute)
            #expect(try await stores[2].claimWebhooks(memberId: members[2].id, webhookIds: hooks, leaseMilliseconds: Self.minute) == Set(hooks))
            try await stores[2].releaseWebhooks(memberId: members[2].id)
            _ = try await stores[1].clusterTick(member: members[1], leaseMilliseconds: Self.minute)
            #expect(try await stores[1].claimWebhooks(memberId: members[1].id, webhookIds: hooks, leaseMilliseconds: Self.minute) == Set(hooks))
        }
    }

    // MARK: Account leases

    @Test func membersClaimingAtOnceGetDisjointAccountsAndTheDatabaseAgrees() async throws {
        try await Self.withCluster(stores: 3, accounts: 30) { stores, database in
            let members = stores.indices.map { Self.member($0) }
            for (store, member) in zip(stores, members) {
                _ = try await store.clusterTick(member: member, leaseMilliseconds: Self.minute)
            }
            // Rounds of small concurrent claims, so the members keep meeting on the same rows.
            var claimed: [[String]] = Array(repeating: [], count: stores.count)
            for _ in 0..<6 {
                let round = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
                    for (index, store) in stores.enumerated() {
                        group.addTask {
                            (index, try await store.claimAccounts(memberId: members[index].id, limit: 3, leaseMilliseconds: Self.minute).keys.sorted())
                        }
                    }
                    return try await group.reduce(into: [(Int, [String])]()) { $0.append($1) }
                }
                for (index, accounts) in round { claimed[index] += accounts }
            }
            let all = claimed.flatMap { $0 }
            #expect(all.count == Set(all).count, "an account claimed twice: \(claimed)")
            #expect(Set(all) == Set(Self.accountIds(30)))

            // The database's valid leases are exactly what each member was answered.
            let leases = try await database.rows("""
                SELECT l.account_id, l.member_id FROM account_leases l JOIN cluster_members m ON m.id = l.member_id
                WHERE l.expires_at > now() AND \(ClusterSchema.alive("m"))
                """)
            var byMember: [String: Set<String>] = [:]
            for row in leases { byMember[row[1].text!, default: []].insert(row[0].text!) }
            for (index, member) in members.enumerated() {
                #expect(byMember[member.id, default: []] == Set(claimed[index]))
            }

            // A tick reports what the member holds, and the cluster.
            let view = try await stores[0].clusterTick(member: members[0], leaseMilliseconds: Self.minute)
            #expect(view.held == Set(claimed[0]))
            #expect(view.liveMembers == 3 && view.connectedAccounts == 30)
            #expect(view.fewestHeld == claimed.map(\.count).min())
            // Nothing is left to claim.
            #expect(try await stores[1].claimAccounts(memberId: members[1].id, limit: 10, leaseMilliseconds: Self.minute).isEmpty)
        }
    }

    @Test func theEarliestDueAccountsAreClaimedFirstAndOnlyConnectedOnesByLiveMembers() async throws {
        try await Self.withCluster(stores: 1, accounts: 4) { stores, database in
            let store = stores[0]
            let member = Self.member(0)
            // Not ticked yet: not a member, so no claim.
            #expect(try await store.claimAccounts(memberId: member.id, limit: 4, leaseMilliseconds: Self.minute).isEmpty)
            _ = try await store.clusterTick(member: member, leaseMilliseconds: Self.minute)
            try await database.execute("UPDATE posts SET next_due_at = NULL")
            try await database.execute("UPDATE posts SET next_due_at = 500 WHERE account_id = 'acct-02'")
            try await database.execute("UPDATE posts SET next_due_at = 100 WHERE account_id = 'acct-03'")
            try await store.setAccountStatus(accountId: "acct-00", status: .needsReconnect, lastError: "revoked")
            #expect(try await store.claimAccounts(memberId: member.id, limit: 2, leaseMilliseconds: Self.minute) == ["acct-03": .tiktok, "acct-02": .tiktok])
            #expect(try await store.claimAccounts(memberId: member.id, limit: 4, leaseMilliseconds: Self.minute) == ["acct-01": .tiktok])
            // A held account that is no longer connected is given back at the next tick.
            try await store.setAccountStatus(accountId: "acct-02", status: .expired, lastError: nil)
            let view = try await store.clusterTick(member: member, leaseMilliseconds: Self.minute)
            #expect(view.held == ["acct-01", "acct-03"] && view.connectedAccounts == 2)
        }
    }

    @Test func aMemberThatStopsTickingLosesItsLeasesAfterTheTTLAndAnotherClaimsThem() async throws {
        try await Self.withCluster(stores: 2, accounts: 6) { stores, database in
            let (a, b) = (Self.member(0), Self.member(1))
            let lease: Int64 = 300
            // Claimed on a long lease first, so b's claim right after cannot race a's lapsing on a slow machine.
            _ = try await stores[0].clusterTick(member: a, leaseMilliseconds: Self.minute)
            _ = try await stores[1].clusterTick(member: b, leaseMilliseconds: lease)
            #expect(try await stores[0].claimAccounts(memberId: a.id, limit: 6, leaseMilliseconds: Self.minute).count == 6)
            #expect(try await stores[1].claimAccounts(memberId: b.id, limit: 6, leaseMilliseconds: lease).isEmpty)
            // a's last tick, on the short lease: its member and its leases now last 300 ms from here.
            let lastTick = ContinuousClock.now
            #expect(try await stores[0].clusterTick(member: a, leaseMilliseconds: lease).held.count == 6)

            // a falls silent; b keeps ticking (its own member stays alive) and claims what lapses.
            var taken: Set<String> = []
            let all = try await PostgresStoreTests.eventually(within: .seconds(15)) { () async throws -> Set<String>? in
                _ = try await stores[1].clusterTick(member: b, leaseMilliseconds: lease)
                taken.formUnion(try await stores[1].claimAccounts(memberId: b.id, limit: 6, leaseMilliseconds: lease).keys)
                return taken.count == 6 ? taken : nil
            }
            #expect(all == Set(Self.accountIds(6)))
            // Not before a's lease had run out (the database's clock; this process's measures a lower bound of it).
            #expect(ContinuousClock.now - lastTick >= .milliseconds(lease))
            let holders = try await database.rows("SELECT DISTINCT member_id FROM account_leases")
            #expect(holders == [[.text(b.id)]])
            // a's tick now renews nothing of what it held: the rows name b.
            let view = try await stores[0].clusterTick(member: a, leaseMilliseconds: lease)
            #expect(view.held.isEmpty)
        }
    }

    @Test func leavingFreesEveryLeaseAtOnce() async throws {
        try await Self.withCluster(stores: 2, accounts: 5) { stores, database in
            let (a, b) = (Self.member(0), Self.member(1))
            _ = try await stores[0].clusterTick(member: a, leaseMilliseconds: Self.minute)
            _ = try await stores[1].clusterTick(member: b, leaseMilliseconds: Self.minute)
            #expect(try await stores[0].claimAccounts(memberId: a.id, limit: 5, leaseMilliseconds: Self.minute).count == 5)
            try await stores[0].releaseAccounts(memberId: a.id, accountIds: ["acct-04"])
            #expect(try await stores[1].claimAccounts(memberId: b.id, limit: 5, leaseMilliseconds: Self.minute) == ["acct-04": .tiktok])

            try await stores[0].leaveCluster(memberId: a.id)
            // A minute-long lease, yet b claims a's accounts at once.
            #expect(Set(try await stores[1].claimAccounts(memberId: b.id, limit: 5, leaseMilliseconds: Self.minute).keys) == Set(Self.accountIds(4)))
            #expect(try await database.rows("SELECT count(*) FROM cluster_members WHERE id = '\(a.id)'") == [[.int(0)]])
            let view = try await stores[1].clusterTick(member: b, leaseMilliseconds: Self.minute)
            #expect(view.liveMembers == 1 && view.held.count == 5 && view.fewestHeld == 5)
        }
    }

    @Test func anAppPauseIsSharedAndNeverShortened() async throws {
        try await Self.withCluster(stores: 2, accounts: 1) { stores, _ in
            let now = SystemClock().now
            try await stores[0].shareAppPause(platform: .tiktok, until: now.adding(milliseconds: 60 * Self.minute))
            try await stores[1].shareAppPause(platform: .tiktok, until: now.adding(milliseconds: 10 * Self.minute))
            try await stores[1].shareAppPause(platform: .instagram, until: now.adding(milliseconds: -1))
            var view = try await stores[1].clusterTick(member: Self.member(1), leaseMilliseconds: Self.minute)
            #expect(view.appPauses == [.tiktok: now.adding(milliseconds: 60 * Self.minute)])
            try await stores[1].shareAppPause(platform: .tiktok, until: now.adding(milliseconds: 120 * Self.minute))
            view = try await stores[0].clusterTick(member: Self.member(0), leaseMilliseconds: Self.minute)
            #expect(view.appPauses == [.tiktok: now.adding(milliseconds: 120 * Self.minute)])
        }
    }

    // MARK: Shared runs

    @Test func startingTheSameScopeTwiceJoinsTheRunningRunOnAnyDaemon() async throws {
        try await Self.withCluster(stores: 2, accounts: 3) { stores, database in
            let (a, b) = (Self.member(0), Self.member(1))
            _ = try await stores[0].clusterTick(member: a, leaseMilliseconds: Self.minute)
            _ = try await stores[1].clusterTick(member: b, leaseMilliseconds: Self.minute)
            let first = try await stores[0].startSharedRun(Self.request(member: a, key: "all"))
            guard case .started(let runId) = first else { Issue.record("expected started, got \(first)"); return }
            #expect(try await stores[1].startSharedRun(Self.request(member: b, key: "all")) == .joined(runId: runId))
            #expect(try await stores[0].startSharedRun(Self.request(member: a, key: "all")) == .joined(runId: runId))
            // Another scope is another run; one work row per account, however often an account was listed.
            var other = Self.request(member: b, key: "workspace:w1")
            other.accountIds = ["acct-00", "acct-00", "acct-01"]
            let second = try await stores[1].startSharedRun(other)
            #expect(second == .started(runId: second.runId) && second.runId != runId)
            #expect(try await database.rows("SELECT count(*) FROM run_work WHERE run_id = \(second.runId)") == [[.int(2)]])

            // Many calls at once, on both daemons, for a new scope: one run.
            let starts = try await withThrowingTaskGroup(of: SharedRunStart.self) { group in
                for index in 0..<8 {
                    let (store, member) = index.isMultiple(of: 2) ? (stores[0], a) : (stores[1], b)
                    group.addTask { try await store.startSharedRun(Self.request(member: member, key: "platform:tiktok")) }
                }
                return try await group.reduce(into: [SharedRunStart]()) { $0.append($1) }
            }
            #expect(Set(starts.map(\.runId)).count == 1)
            #expect(starts.filter { if case .started = $0 { true } else { false } }.count == 1)

            // Once finished, the same scope starts a new run.
            try await stores[0].finishRun(id: runId, status: .completed, summary: nil, at: SystemClock().now)
            let again = try await stores[1].startSharedRun(Self.request(member: b, key: "all"))
            #expect(again == .started(runId: again.runId) && again.runId != runId)
        }
    }

    @Test func runWorkIsClaimedByWhoMayRefreshTheAccountAndItsReportEntriesComeBackInAccountOrder() async throws {
        try await Self.withCluster(stores: 2, accounts: 3) { stores, database in
            let (a, b) = (Self.member(0), Self.member(1))
            _ = try await stores[0].clusterTick(member: a, leaseMilliseconds: Self.minute)
            _ = try await stores[1].clusterTick(member: b, leaseMilliseconds: Self.minute)
            try await database.execute("UPDATE posts SET next_due_at = NULL")
            try await database.execute("UPDATE posts SET next_due_at = 1 WHERE account_id = 'acct-00'")
            try await database.execute("UPDATE posts SET next_due_at = 2 WHERE account_id = 'acct-01'")
            #expect(try await stores[0].claimAccounts(memberId: a.id, limit: 1, leaseMilliseconds: Self.minute) == ["acct-00": .tiktok])
            #expect(try await stores[1].claimAccounts(memberId: b.id, limit: 1, leaseMilliseconds: Self.minute) == ["acct-01": .tiktok])
            // acct-02 is held by no one.
            let request = Self.request(member: a, key: "all")
            let runId = try await stores[0].startSharedRun(request).runId

            // a takes its own account and the unheld one (leasing it); b's account is b's.
            let workA = try await stores[0].claimRunWork(memberId: a.id, limit: 10, leaseMilliseconds: Self.minute)
            #expect(workA == ["acct-00", "acct-02"].map {
                RunWork(runId: runId, accountId: $0, postedSince: request.postedSince, dueAt: request.dueAt, deadline: request.deadline)
            })
            #expect(try await database.rows("SELECT member_id FROM account_leases WHERE account_id = 'acct-02'") == [[.text(a.id)]])
            #expect(try await stores[0].claimRunWork(memberId: a.id, limit: 10, leaseMilliseconds: Self.minute).isEmpty)
            let workB = try await stores[1].claimRunWork(memberId: b.id, limit: 10, leaseMilliseconds: Self.minute)
            #expect(workB.map(\.accountId) == ["acct-01"])
            #expect(try await stores[1].claimRunWork(memberId: b.id, limit: 10, leaseMilliseconds: Self.minute).isEmpty)

            var state = try await stores[1].sharedRunState(runId: runId)
            #expect(state == SharedRunState(accounts: 3, details: [], status: .running, trigger: .rpc, scope: request.scope))
            try await stores[0].finishRunWork(runId: runId, accountId: "acct-02", memberId: a.id, detail: #"{"account":"acct-02"}"#)
            try await stores[1].finishRunWork(runId: runId, accountId: "acct-01", memberId: b.id, detail: #"{"account":"acct-01"}"#)
            state = try await stores[1].sharedRunState(runId: runId)
            #expect(state.details == [#"{"account":"acct-01"}"#, #"{"account":"acct-02"}"#] && !state.isComplete)
            try await stores[0].finishRunWork(runId: runId, accountId: "acct-00", memberId: a.id, detail: "null")
            // A second finish of the same work changes nothing.
            try await stores[1].finishRunWork(runId: runId, accountId: "acct-00", memberId: b.id, detail: #"{"late":true}"#)
            state = try await stores[0].sharedRunState(runId: runId)
            #expect(state.details == ["null", #"{"account":"acct-01"}"#, #"{"account":"acct-02"}"#] && state.isComplete)
            #expect(state.status == .running)

            let missing = try await #require(throws: StoreError.self) { try await stores[0].sharedRunState(runId: runId + 100) }
            #expect(missing.kind == .notFound(.run, id: String(runId + 100)))
        }
    }

    @Test func aRunWhoseStarterLeftIsOrphanedAndItsWorkIsTakenOverNotInterrupted() async throws {
        try await Self.withCluster(stores: 2, accounts: 2) { stores, _ in
            let (a, b) = (Self.member(0), Self.member(1))
            _ = try await stores[0].clusterTick(member: a, leaseMilliseconds: Self.minute)
            _ = try await stores[1].clusterTick(member: b, leaseMilliseconds: Self.minute)
            #expect(try await stores[0].claimAccounts(memberId: a.id, limit: 2, leaseMilliseconds: Self.minute).count == 2)
            let runId = try await stores[0].startSharedRun(Self.request(member: a, key: "all", accounts: 2)).runId
            #expect(try await stores[0].claimRunWork(memberId: a.id, limit: 1, leaseMilliseconds: Self.minute).map(\.accountId) == ["acct-00"])
            #expect(try await stores[1].claimRunWork(memberId: b.id, limit: 10, leaseMilliseconds: Self.minute).isEmpty)
            #expect(try await stores[1].orphanedSharedRuns().isEmpty)

            try await stores[0].leaveCluster(memberId: a.id)
            #expect(try await stores[1].orphanedSharedRuns() == [runId])
            // A shared run is finished by the others, never marked interrupted for its starter's leaving.
            #expect(try await stores[1].markRunningRunsInterrupted() == 0)
            let work = try await stores[1].claimRunWork(memberId: b.id, limit: 10, leaseMilliseconds: Self.minute)
            #expect(work.map(\.accountId) == ["acct-00", "acct-01"])
            for item in work {
                try await stores[1].finishRunWork(runId: runId, accountId: item.accountId, memberId: b.id, detail: "null")
            }
            #expect(try await stores[1].sharedRunState(runId: runId).isComplete)
            try await stores[1].finishRun(id: runId, status: .completed, summary: nil, at: SystemClock().now)
            #expect(try await stores[1].orphanedSharedRuns().isEmpty)
        }
    }

    @Test func onlyRunsOfMembersThatAreGoneOrOfNoMemberAreMarkedInterrupted() async throws {
        try await Self.withCluster(stores: 2, accounts: 1) { stores, _ in
            let (a, b) = (Self.member(0), Self.member(1))
            let now = SystemClock().now
            // Before any tick a store serves no member: its runs name none.
            let unowned = try await stores[0].startRun(trigger: .schedule, scope: "{}", at: now)
            _ = try await stores[0].clusterTick(member: a, leaseMilliseconds: Self.minute)
            _ = try await stores[1].clusterTick(member: b, leaseMilliseconds: Self.minute)
            let runA = try await stores[0].startRun(trigger: .schedule, scope: "{}", at: now)
            let runB = try await stores[1].startRun(trigger: .schedule, scope: "{}", at: now)

            #expect(try await stores[1].markRunningRunsInterrupted() == 1)
            #expect(try await stores[1].run(id: unowned)?.status == .interrupted)
            #expect(try await stores[1].run(id: runA)?.status == .running)
            try await stores[0].leaveCluster(memberId: a.id)
            #expect(try await stores[1].markRunningRunsInterrupted() == 1)
            #expect(try await stores[1].run(id: runA)?.status == .interrupted)
            #expect(try await stores[1].run(id: runB)?.status == .running)
        }
    }

    // MARK: Tokens

    @Test func aStaleTokenRotationOnAnotherDaemonLosesTheCompareAndSwap() async throws {
        try await Self.withCluster(stores: 2, accounts: 0) { stores, _ in
            _ = try await stores[0].upsertWorkspace(Workspace(id: "w1", name: "Studio"))
            _ = try await stores[0].upsertAccount(AccountRegistration(
                id: "tt", workspaceId: "w1", platform: .tiktok, externalAccountId: "open-1", accessToken: "a0", refreshToken: "r0"))
            // Both daemons read the pair, both spend r0 at the platform; the first to store its new pair wins.
            let seen = try await [stores[0].credentials(accountId: "tt"), stores[1].credentials(accountId: "tt")]
            #expect(seen.map { $0?.refreshToken } == ["r0", "r0"])
            let first = try await stores[0].rotateTokens(
                accountId: "tt", replacing: "r0", accessToken: "a1", accessTokenExpiresAt: nil, refreshToken: "r1", refreshTokenExpiresAt: nil)
            let stale = try await stores[1].rotateTokens(
                accountId: "tt", replacing: "r0", accessToken: "a2", accessTokenExpiresAt: nil, refreshToken: "r2", refreshTokenExpiresAt: nil)
            #expect(first && !stale)
            let stored = try await stores[1].credentials(accountId: "tt")
            #expect(stored?.accessToken == "a1" && stored?.refreshToken == "r1")
        }
    }

    // MARK: Helpers

    static func member(_ index: Int) -> ClusterMember {
        ClusterMember(id: "member-\(index)", host: "host-\(index)", pid: Int32(1000 + index))
    }

    static func accountIds(_ count: Int) -> [String] {
        (0..<count).map { String(format: "acct-%02d", $0) }
    }

    static func request(member: ClusterMember, key: String, accounts: Int = 3) -> SharedRunRequest {
        let now = Timestamp(iso8601: "2026-11-24T12:00:00Z")!
        return SharedRunRequest(
            trigger: .rpc, scope: #"{"kind":"\#(key)"}"#, scopeKey: key, memberId: member.id, accountIds: accountIds(accounts),
            postedSince: now.adding(days: -30), dueAt: nil, deadline: now.adding(milliseconds: 3_600_000), startedAt: now)
    }

    /// `stores` stores on one fresh database (as many daemons), seeded with `accounts` TikTok accounts of one post each;
    /// `database` runs raw SQL on it.
    static func withCluster(
        stores count: Int, accounts: Int, _ body: ([PostgresStore], StoreHarness) async throws -> Void
    ) async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withDatabase { url in
            try await withStores(count, url: url) { stores in
                let harness = StoreHarness(postgres: stores[0])
                if accounts > 0 {
                    _ = try await stores[0].upsertWorkspace(Workspace(id: "w1", name: "Studio"))
                    for account in accountIds(accounts) {
                        _ = try await stores[0].upsertAccount(AccountRegistration(
                            id: account, workspaceId: "w1", platform: .tiktok, externalAccountId: "open-\(account)", accessToken: "t"))
                        _ = try await stores[0].upsertPosts([PostRegistration(
                            id: "\(account)-post", accountId: account, externalPostId: "v-\(account)", postedAt: SystemClock().now)])
                    }
                }
                try await body(stores, harness)
            }
        }
    }

    private static func withStores(_ count: Int, url: String, _ body: ([PostgresStore]) async throws -> Void) async throws {
        if count == 0 { return try await body([]) }
        try await StoreHarness.withPostgresStore(url: url) { store in
            try await withStores(count - 1, url: url) { others in try await body([store] + others) }
        }
    }
}
