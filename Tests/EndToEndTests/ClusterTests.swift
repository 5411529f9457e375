import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JSON
import JSONRPC
import MetricsCore
import PostgresNIO
import PostgresTestSupport
import TestSupport
import Testing

/// Three metricsd on one PostgreSQL database against one simulator, as a studio running a daemon beside its
/// services on each of three hosts would: the work divided by leases, `refreshAll` keeping its contract across
/// them, a daemon killed mid-run, the app budget shared.
@Suite(.serialized, .ownThread, .enabled(if: PostgresCluster.shouldRun))
struct ClusterTests {
    /// A workspace of accounts on every platform, with posts, in the simulator and registered in the database.
    struct Studio {
        let simulator: SimulatorProcess
        let url: String
        let database: String
        let cluster: PostgresCluster
        /// Account id (ours) → its external id and platform and post count.
        let accounts: [(id: String, external: String, platform: Platform, posts: Int)]
        /// Every post: (our id, account id, the platform's id, posted at).
        var posts: [(id: String, accountId: String, external: String, postedAt: Timestamp)] = []

        var postCount: Int { accounts.reduce(0) { $0 + $1.posts } }
    }

    static let credentials = ["METRICSD_TIKTOK_CLIENT_KEY": "client-key", "METRICSD_TIKTOK_CLIENT_SECRET": "client-secret"]

    /// `perPlatform` accounts of each platform with `posts` posts each; TikTok's access tokens already expired, so
    /// each TikTok account's refresh rotates its tokens.
    static func studio(perPlatform: Int = 2, posts: Int = 6, tiktokExpired: Bool = true) async throws -> Studio {
        let cluster = try await PostgresCluster.shared()
        let database = try await cluster.createDatabase(prefix: "e2e")
        let now = SystemClock().now
        var accounts: [(id: String, external: String, platform: Platform, posts: Int)] = []
        var seedAccounts: [JSON] = []
        var seedPosts: [JSON] = []
        var registered: [(id: String, accountId: String, external: String, postedAt: Timestamp)] = []
        for platform in Platform.allCases {
            for index in 1...perPlatform {
                let external = "\(platform.rawValue)-ext-\(index)"
                accounts.append((id: "\(platform.rawValue)-\(index)", external: external, platform: platform, posts: posts))
                if platform == .tiktok {
                    seedAccounts.append([
                        "platform": .string(platform.rawValue), "id": .string(external), "accessToken": .string("at-\(external)"),
                        "accessTokenExpiresAt": .string(now.adding(milliseconds: tiktokExpired ? -60_000 : 3_600_000).iso8601),
                        "refreshToken": .string("rt-\(external)"), "refreshTokenExpiresAt": .string(now.adding(days: 180).iso8601),
                    ])
                } else {
                    seedAccounts.append([
                        "platform": .string(platform.rawValue), "id": .string(external), "accessToken": .string("at-\(external)"),
                    ])
                }
                for post in 1...posts {
                    let id = platform == .tiktok ? "7\(index)0000000000000\(post)" : "\(external)-p\(post)"
                    seedPosts.append(["id": .string(id), "account": .string(external), "createdAt": .string(now.adding(days: -2).iso8601)])
                    registered.append((id: "\(platform.rawValue)-\(index)-p\(post)", accountId: "\(platform.rawValue)-\(index)", external: id,
                                  postedAt: now.adding(days: -2)))
                }
            }
        }
        let directory = try DaemonProcess.makeTemporaryDirectory()
        let simulator = try SimulatorProcess(
            config: ["seed": ["accounts": .array(seedAccounts), "posts": .array(seedPosts)]], directory: directory, manualClock: false)
        return Studio(
            simulator: simulator, url: cluster.url(database: database), database: database, cluster: cluster, accounts: accounts, posts: registered)
    }

    /// A daemon on the studio's database. Small leases, so a death is noticed in seconds.
    static func daemon(_ studio: Studio, _ extra: [String] = []) throws -> DaemonProcess {
        let base = studio.simulator.baseURL
        let daemon = try DaemonProcess(
            arguments: ["--database", studio.url, "--lease-ttl", "3", "--no-schedule",
                        "--instagram-url", base, "--facebook-url", base, "--tiktok-url", base] + extra,
            environment: credentials)
        // It answers at once; the database is usable once its migrations are applied (-32003 until then).
        try waitUntilBlocking("the daemon's database is ready", timeout: 30) { try daemon.result("health")["status"] != "failing" }
        return daemon
    }

    /// Registers the studio's workspace, accounts and posts through `daemon` (the others see them in the database).
    static func register(_ studio: Studio, through daemon: DaemonProcess) throws {
        try daemon.result("upsertWorkspace", ["id": "w", "name": "Studio"])
        for account in studio.accounts {
            try daemon.result("upsertAccount", [
                "id": .string(account.id), "workspaceId": "w", "platform": .string(account.platform.rawValue),
                "externalAccountId": .string(account.external), "accessToken": .string("at-\(account.external)"),
                "refreshToken": account.platform == .tiktok ? .string("rt-\(account.external)") : .null,
            ])
        }
        try daemon.result("upsertPosts", ["posts": .array(studio.posts.map { post in
            ["id": .string(post.id), "accountId": .string(post.accountId), "externalPostId": .string(post.external),
             "postedAt": .string(post.postedAt.iso8601)]
        })])
    }

    /// Rows of a query on the studio's database.
    static func rows<each T: PostgresDecodable>(
        _ studio: Studio, _ query: PostgresQuery, as types: (repeat each T).Type
    ) async throws -> [(repeat each T)] {
        try await studio.cluster.withConnection(database: studio.database) { connection in
            var rows: [(repeat each T)] = []
            for try await row in try await connection.query(query, logger: PostgresCluster.logger).decode((repeat each T).self) {
                rows.append(row)
            }
            return rows
        }
    }

    /// Accounts leased to a live member, by member pid.
    static func holders(_ studio: Studio) async throws -> [String: Int32] {
        let rows = try await rows(
            studio,
            """
            SELECT l.account_id, m.pid FROM account_leases l JOIN cluster_members m ON m.id = l.member_id
            WHERE l.expires_at > now()
            """,
            as: (String, Int32).self)
        return Dictionary(rows.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
    }

    static func waitUntilAllHeld(_ studio: Studio, by daemons: [DaemonProcess], timeout: TimeInterval = 30) async throws {
        let pids = Set(daemons.map { $0.process.processIdentifier })
        try await waitUntil("all \(studio.accounts.count) accounts are held, by each of \(pids.sorted())", timeout: timeout) {
            let holders = try await holders(studio)
            return holders.count == studio.accounts.count && Set(holders.values) == pids
        }
    }

    static func details(_ report: JSON?) -> [String: JSON] {
        guard case .array(let details)? = report?["details"] else { return [:] }
        return Dictionary(details.compactMap { detail in
            if case .string(let id)? = detail["accountId"] { (id, detail) } else { nil }
        }, uniquingKeysWith: { first, _ in first })
    }

    /// Calls the simulator saw with each account's token.
    static func requestsByAccount(_ studio: Studio) throws -> [String: Int64] {
        let stats = try studio.simulator.control("GET", "/_sim/stats")
        var counts: [String: Int64] = [:]
        for account in studio.accounts {
            if case .number(let count)? = stats["accounts"]?[account.external]?["requests"] { counts[account.external] = count.int64 }
        }
        return counts
    }

    // MARK: Tests

    @Test func oneRefreshAllAcrossThreeDaemonsFetchesEveryPostOnceAndConcurrentCallsJoin() async throws {
        let studio = try await Self.studio(tiktokExpired: false)
        // Two calls a second per Meta account: the run lasts about three seconds, so the calls below all find it running.
        let paced = ["--account-rate", "instagram=2:1", "--account-rate", "facebook=2:1"]
        let daemons = try (0..<3).map { _ in try Self.daemon(studio, paced) }
        try Self.register(studio, through: daemons[0])
        try await Self.waitUntilAllHeld(studio, by: daemons)
        _ = try studio.simulator.control("POST", "/_sim/reset-stats")

        // Three calls on three daemons at once: one run.
        let started = try daemons.map { try $0.result("refreshAll", ["wait": false]) }
        let runIds = Set(started.map { "\($0["runId"] ?? .null)" })
        #expect(runIds.count == 1, "\(started)")
        let report = try daemons[2].result("refreshAll")  // a fourth call, waiting: joins it too and gets its report
        #expect(report["runId"] == started[0]["runId"])
        #expect(report["summary"]?["totalMetricsUpdated"] == .int(studio.postCount))
        #expect(report["summary"]?["totalErrors"] == 0)
        #expect(Set(Self.details(report).keys) == Set(studio.accounts.map(\.id)))

        // Every Meta post fetched exactly once (one insights call each); each TikTok account: one video query for
        // its posts (up to 20 ids a query). Whoever held which account.
        let requests = try Self.requestsByAccount(studio)
        for account in studio.accounts {
            let expected: Int64 = account.platform == .tiktok ? 1 : Int64(account.posts)
            #expect(requests[account.external] == expected, "\(account.id): \(requests[account.external] ?? 0) calls")
        }
        #expect(try studio.simulator.requests("tiktok.oauthToken") == 0)
        // The same report from any daemon.
        let status = try daemons[1].result("runStatus", ["runId": report["runId"] ?? .null])
        #expect(status["status"] == "completed")

        // The studio's own query, on the view over metricsd's snapshots, answers what latestMetrics answers.
        let post = "instagram-1-p1"
        let latest = try daemons[1].result("latestMetrics", ["postIds": [.string(post)]])
        let studioRows = try await Self.rows(
            studio,
            "SELECT views, likes FROM studio_social_post_metrics WHERE social_post_id = \(post) ORDER BY captured_at DESC LIMIT 1",
            as: (Int64?, Int64?).self)
        guard case .array(let entries)? = latest["metrics"], let entry = entries.first else {
            Issue.record("no latest metrics: \(latest)")
            return
        }
        #expect(studioRows.count == 1)
        #expect(studioRows.first.map { JSON.int($0.0) } == entry["views"])
        #expect(studioRows.first.map { JSON.int($0.1) } == entry["likes"])
    }

    @Test func threeDaemonsDeliverOneGapFreeStreamToASubscriberOnAnyOfThem() async throws {
        let studio = try await Self.studio(tiktokExpired: false)
        let daemons = try (0..<3).map { _ in try Self.daemon(studio) }
        // A subscriber on each daemon from the start of the log, before anything is written.
        let subscribers = try daemons.map { daemon in
            let connection = try daemon.connect()
            _ = try EventsEndToEndTests.subscribe(connection, ["fromSeq": 1])
            return connection
        }
        try Self.register(studio, through: daemons[0])
        try await Self.waitUntilAllHeld(studio, by: daemons)
        // Every daemon refreshes its share of the accounts and commits its own events.
        let report = try daemons[1].result("refreshAll")
        #expect(report["summary"]?["totalMetricsUpdated"] == .int(studio.postCount))
        let last = try EventsEndToEndTests.lastSeq(daemons[2])
        var streams: [[String]] = []
        for (index, subscriber) in subscribers.enumerated() {
            let seen = try EventsEndToEndTests.read(subscriber, timeout: 30) { $0.last?.seq == last }
            #expect(seen.compactMap(\.seq) == Array(1...last), "daemon \(index)'s subscriber: every seq once, in order")
            streams.append(seen.map { "\($0.seq ?? 0) \($0.type ?? "")" })
        }
        #expect(Set(streams.map { $0.joined(separator: ",") }).count == 1, "the same stream from every daemon")
        let snapshots = streams[0].filter { $0.hasSuffix(" snapshot") }.count
        #expect(snapshots == studio.postCount)
        #expect(streams[0].filter { $0.hasSuffix(" run") }.count == 1)
        withExtendedLifetime(daemons) {}
    }

    @Test func aDaemonKilledMidRunLosesItsAccountsToTheOthersAndNoTikTokAccountIsLost() async throws {
        let studio = try await Self.studio(perPlatform: 2, posts: 8)
        // One call a second per account: the run lasts several seconds, long enough to kill a daemon inside it.
        let slow = ["--account-rate", "instagram=1:1", "--account-rate", "facebook=1:1", "--account-rate", "tiktok=0.5:1"]
        let daemons = try (0..<3).map { _ in try Self.daemon(studio, slow) }
        try Self.register(studio, through: daemons[0])
        try await Self.waitUntilAllHeld(studio, by: daemons)
        _ = try studio.simulator.control("POST", "/_sim/reset-stats")

        let victim = daemons[2]
        let victimsAccounts = Set(try await Self.holders(studio).filter { $0.value == victim.process.processIdentifier }.keys)
        try #require(!victimsAccounts.isEmpty)
        let started = try daemons[0].result("refreshAll", ["wait": false])
        // Kill it inside its part of the run: the simulator has seen calls for one of its accounts, and each of its
        // TikTok accounts' rotated pair is committed (the refresh token in the database is no longer the seeded
        // one). A kill between TikTok's answer to a grant and that commit loses the pair on one daemon as on
        // many (the old refresh token is dead); what a cluster must not lose is an account whose new pair is stored.
        let victimsExternal = Set(studio.accounts.filter { victimsAccounts.contains($0.id) }.map(\.external))
        let victimsTikTok = studio.accounts.filter { victimsAccounts.contains($0.id) && $0.platform == .tiktok }.map(\.id)
        let deadline = Date().addingTimeInterval(30)
        while true {
            let calling = try Self.requestsByAccount(studio).contains { victimsExternal.contains($0.key) && $0.value > 0 }
            let rotated = try await Self.rows(
                studio, "SELECT count(*)::int8 FROM accounts WHERE id = ANY(\(victimsTikTok)) AND refresh_token NOT LIKE 'rt-%'",
                as: Int64.self)
            if calling, rotated.first == Int64(victimsTikTok.count) { break }
            guard Date() < deadline else { throw TestFailure("the victim did not start its part of the run") }
            try await Task.sleep(for: .milliseconds(20))
        }
        try victim.kill()
        let killedAt = Date()

        // Its accounts pass to the others once its leases lapse (3 s), and the run completes with every account.
        try waitUntilBlocking("the run finishes", timeout: 60) {
            try daemons[1].result("runStatus", ["runId": started["runId"] ?? .null])["status"] != "running"
        }
        let run = try daemons[1].result("runStatus", ["runId": started["runId"] ?? .null])
        #expect(run["status"] == "completed", "\(run)")
        let takeover = Date().timeIntervalSince(killedAt)
        #expect(takeover < 3 + 25, "the others finished its part \(takeover) s after the kill")  // TTL + the rest of the run
        let report = run["summary"]
        #expect(Set(Self.details(report).keys) == Set(studio.accounts.map(\.id)))
        #expect(report?["summary"]?["totalMetricsUpdated"] == .int(studio.postCount))
        let holders = try await Self.holders(studio)
        #expect(!holders.values.contains(victim.process.processIdentifier))
        #expect(Set(holders.keys) == Set(studio.accounts.map(\.id)))

        // No TikTok account lost: each is connected, and a second run refreshes it (its newest refresh token works).
        let accounts = try daemons[0].result("listAccounts", ["workspaceId": "w"])
        guard case .array(let listed)? = accounts["accounts"] else { Issue.record("no accounts"); return }
        for account in listed where account["platform"] == "tiktok" {
            #expect(account["status"] == "connected", "\(account)")
        }
        let again = try daemons[1].result("refreshAll")
        #expect(again["summary"]?["byPlatform"]?["tiktok"]?["errors"] == 0, "\(again)")
        #expect(again["summary"]?["totalMetricsUpdated"] == .int(studio.postCount))
        withExtendedLifetime(daemons) {}
    }

    @Test func leasesNeverOverlapWhileDaemonsComeAndGo() async throws {
        let studio = try await Self.studio(perPlatform: 3, posts: 2, tiktokExpired: false)
        var daemons = [try Self.daemon(studio)]
        try Self.register(studio, through: daemons[0])
        try await Self.waitUntilAllHeld(studio, by: daemons)
        // Two more join (the first gives accounts back), then one leaves gracefully and one dies: every sample of
        // the leases in force has each account held by one live member at most, and in the end every account held.
        var samples = 0
        func sample() async throws {
            let rows = try await Self.rows(
                studio,
                """
                SELECT l.account_id, count(*)::int8 FROM account_leases l JOIN cluster_members m ON m.id = l.member_id
                WHERE l.expires_at > now() GROUP BY l.account_id
                """,
                as: (String, Int64).self)
            samples += 1
            for (account, holders) in rows { #expect(holders == 1, "\(account) held by \(holders)") }
        }
        daemons.append(try Self.daemon(studio))
        daemons.append(try Self.daemon(studio))
        let joined = Date().addingTimeInterval(20)
        while Date() < joined {
            try await sample()
            if try await Set(Self.holders(studio).values).count == 3 { break }
        }
        try await Self.waitUntilAllHeld(studio, by: daemons)
        #expect(try daemons[1].terminate() == 0)
        try daemons[2].kill()
        let survivors = [daemons[0]]
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            try await sample()
            let holders = try await Self.holders(studio)
            if holders.count == studio.accounts.count, Set(holders.values) == [survivors[0].process.processIdentifier] { break }
        }
        try await Self.waitUntilAllHeld(studio, by: survivors)
        #expect(samples > 3)
    }

    @Test func thePlatformsAppBudgetIsSharedNotMultipliedByTheDaemons() async throws {
        // Three Instagram accounts, one per daemon, 10 posts each: 30 insights calls. The app may make 5 a second
        // (burst 1). Shared, each daemon gets a third: the run cannot take less than about (30 - 3) / 5 = 5.4 s.
        // Each daemon spending the whole 5/s would finish its 10 calls in 2 s.
        let cluster = try await PostgresCluster.shared()
        let database = try await cluster.createDatabase(prefix: "e2e")
        let now = SystemClock().now
        let externals = (1...3).map { "ig-ext-\($0)" }
        let directory = try DaemonProcess.makeTemporaryDirectory()
        let simulator = try SimulatorProcess(
            config: ["seed": [
                "accounts": .array(externals.map { ["platform": "instagram", "id": .string($0), "accessToken": .string("at-\($0)")] }),
                "posts": .array(externals.flatMap { external in (1...10).map { post in
                    ["id": .string("\(external)-p\(post)"), "account": .string(external), "createdAt": .string(now.adding(days: -2).iso8601)]
                } }),
            ]],
            directory: directory, manualClock: false)
        let studio = Studio(
            simulator: simulator, url: cluster.url(database: database), database: database, cluster: cluster,
            accounts: externals.enumerated().map { (id: "ig-\($0.offset + 1)", external: $0.element, platform: .instagram, posts: 10) },
            posts: externals.enumerated().flatMap { account in (1...10).map { post in
                (id: "ig-\(account.offset + 1)-p\(post)", accountId: "ig-\(account.offset + 1)", external: "\(account.element)-p\(post)",
                 postedAt: now.adding(days: -2))
            } })
        let limits = ["--rate", "instagram=5:1"]
        let daemons = try (0..<3).map { _ in try Self.daemon(studio, limits) }
        try Self.register(studio, through: daemons[0])
        try await Self.waitUntilAllHeld(studio, by: daemons)  // one account each, and each knows there are three
        _ = try simulator.control("POST", "/_sim/reset-stats")

        let start = Date()
        let report = try daemons[0].result("refreshAll")
        let elapsed = Date().timeIntervalSince(start)
        #expect(report["summary"]?["totalMetricsUpdated"] == 30)
        #expect(try simulator.requests("instagram.insights") == 30)
        #expect(elapsed >= 4.5, "30 calls at a shared 5/s took only \(elapsed) s")
    }
}
