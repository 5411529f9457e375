import Foundation
import JSON
import JSONRPC
import RPCClient
import TestSupport
import Testing

/// Live events through the socket, as a dashboard, a notifier or `metricsctl watch` sees them: every kind as it
/// happens, replay then live with no gap or duplicate under a running refresh, a stalled reader told it lagged and
/// resuming without loss, a scoped reader seeing only its workspaces.
@Suite(.serialized, .ownThread, .timeLimit(.minutes(5))) struct EventsEndToEndTests {
    /// A notification read off a subscribed connection.
    struct Notification {
        var method: String
        var params: JSON
        var event: JSON? { params["event"] }
        var seq: Int64? { RefreshEndToEndTests.int(event?["seq"]) }
        var type: String? { RefreshEndToEndTests.string(event?["type"]) }
    }

    static let schema = Result { try OpenRPCSchema.loadProjectDocument() }

    /// The next notification on `connection`, checked against Schemas/openrpc.json.
    static func next(_ connection: RPCConnection) throws -> Notification {
        guard let line = try connection.readLine() else { throw TestFailure("the daemon closed the subscribed connection") }
        let message = try JSONParser.parse(line)
        guard case .string(let method)? = message["method"], message["id"] == nil else {
            throw TestFailure("expected a notification, got \(String(decoding: line, as: UTF8.self))")
        }
        let params = message["params"] ?? .null
        let component = method == "event" ? "EventNotification" : method == "lagged" ? "LaggedNotification" : nil
        guard let component else { throw TestFailure("unexpected notification \(method)") }
        let violations = try schema.get().validator.validate(params, against: ["$ref": .string("#/components/schemas/\(component)")], at: "params")
        #expect(violations == [], "\(method) notification does not match Schemas/openrpc.json")
        return Notification(method: method, params: params)
    }

    /// Reads notifications until `done` says so or `timeout` passes.
    static func read(
        _ connection: RPCConnection, timeout: TimeInterval = 90, until done: ([Notification]) -> Bool
    ) throws -> [Notification] {
        var seen: [Notification] = []
        let deadline = Date().addingTimeInterval(timeout)
        while !done(seen) {
            guard Date() < deadline else { throw TestFailure("no end after \(timeout) s; saw \(seen.count) notifications") }
            seen.append(try next(connection))
        }
        return seen
    }

    static func seqs(from first: Int64, through last: Int64) -> [Int64] {
        first <= last ? Array(first...last) : []
    }

    static func subscribe(_ connection: RPCConnection, _ params: JSON = [:]) throws -> (id: String, seq: Int64) {
        let outcome = try connection.call("subscribe", params: params)
        DaemonProcess.checkAgainstSchema(method: "subscribe", outcome: outcome)
        let reply = try outcome.get()
        return (try #require(RefreshEndToEndTests.string(reply["subscription"])), try #require(RefreshEndToEndTests.int(reply["seq"])))
    }

    /// The log's last seq, from `events` pages.
    static func lastSeq(_ daemon: DaemonProcess) throws -> Int64 {
        var from: Int64 = 1
        var last: Int64 = 0
        while true {
            let page = try daemon.result("events", ["fromSeq": .int(from), "limit": 1000])
            let events = RefreshEndToEndTests.array(page["events"])
            if let seq = RefreshEndToEndTests.int(events.last?["seq"]) { last = seq }
            let next = try #require(RefreshEndToEndTests.int(page["nextSeq"]))
            if events.count < 1000 { return max(last, next - 1) }
            from = next
        }
    }

    @Test func aSubscriberSeesEachKindOfEventAsItHappens() throws {
        let daemon = try DaemonProcess(arguments: RefreshEndToEndTests.demoArguments() + ["--failing-after", "1"])
        defer { _ = try? daemon.terminate() }
        let subscriber = try daemon.connect()
        let subscription = try Self.subscribe(subscriber)

        let accounts = RefreshEndToEndTests.array(try daemon.result("listAccounts", [:])["accounts"])
        let instagram = try #require(accounts.first { $0["platform"] == "instagram" })
        let workspace = try #require(RefreshEndToEndTests.string(instagram["workspaceId"]))
        let account = try #require(RefreshEndToEndTests.string(instagram["accountId"] ?? instagram["id"]))
        // Every post with a like announces the likes milestone; a post the platform does not have fails (and, with
        // --failing-after 1, is failing at once); a token the platform never issued makes its account expire.
        try daemon.result("upsertMilestones", ["workspaceId": .string(workspace), "metric": "likes", "thresholds": [1]])
        try daemon.result("upsertPosts", ["posts": [[
            "id": "ghost", "accountId": .string(account), "externalPostId": "no-such-media", "postedAt": "2026-12-01T10:00:00Z",
            "mediaProductType": "FEED",
        ]]])
        try daemon.result("upsertAccount", [
            "id": "lapsed", "workspaceId": .string(workspace), "platform": "tiktok", "externalAccountId": "ext-lapsed",
            "accessToken": "act.never-issued",
        ])
        try daemon.result("upsertPosts", ["posts": [[
            "id": "lapsed-0", "accountId": "lapsed", "externalPostId": "v-lapsed-0", "postedAt": "2026-12-01T10:00:00Z",
        ]]])
        try daemon.result("refreshAll", [:])
        try daemon.result("importMetrics", ["snapshots": [Fixtures.snapshot("ghost", "2026-12-01T12:00:00Z", views: 3)]])

        let wanted: Set<String> = ["snapshot", "milestone", "account", "post", "run", "import"]
        let seen = try Self.read(subscriber) { seen in wanted.isSubset(of: Set(seen.compactMap(\.type))) }
        #expect(seen.allSatisfy { $0.method == "event" && $0.params["subscription"] == .string(subscription.id) })
        let seqs = seen.compactMap(\.seq)
        #expect(seqs.first == subscription.seq + 1 && zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 + 1 },
                "an unfiltered subscriber sees every seq after the reply's, in order")
        let events = seen.compactMap(\.event)
        #expect(events.contains { $0["type"] == "milestone" && $0["data"]?["metric"] == "likes" && $0["data"]?["threshold"] == 1 })
        #expect(events.contains { $0["type"] == "post" && $0["data"]?["postId"] == "ghost" && $0["data"]?["refreshState"] == "failing" })
        #expect(events.contains {
            $0["type"] == "account" && $0["data"]?["accountId"] == "lapsed" && $0["data"]?["needsReconnect"] == true
        }, "the account that lost its token is announced for reconnection")
        let snapshot = try #require(events.first { $0["type"] == "snapshot" })
        #expect(snapshot["data"]?["metrics"] != nil && snapshot["data"]?["changes"] != nil && snapshot["workspaceId"] != .null)
        #expect(events.contains { $0["type"] == "run" && $0["data"]?["status"] == "completed" && $0["workspaceId"] == .null })
        #expect(events.contains { $0["type"] == "import" && $0["data"]?["imported"] == 1 })

        // Requests keep working on the subscribed connection; unsubscribe ends it and is answered.
        let health = try subscriber.call("health") { _, _ in }
        #expect((try? health.get()) != nil)
        let ended = try subscriber.call("unsubscribe", params: ["subscription": .string(subscription.id)]) { _, _ in }
        DaemonProcess.checkAgainstSchema(method: "unsubscribe", outcome: ended)
        #expect((try? ended.get()) == ["unsubscribed": true])
        let again = try subscriber.call("unsubscribe", params: ["subscription": .string(subscription.id)])
        guard case .failure(let error) = again else { Issue.record("a second unsubscribe should fail"); return }
        #expect(error.code == -32001 && error.data?["field"] == "subscription", "it is gone: not found")
    }

    @Test func aReplayFromAnOldSeqHandsOverToLiveEventsWithNoGapOrDuplicateDuringARefresh() throws {
        let daemon = try RefreshEndToEndTests.demoDaemon()
        defer { _ = try? daemon.terminate() }
        try daemon.result("refreshAll", [:])
        let firstRunEnd = try Self.lastSeq(daemon)
        // A second refresh writes while the subscriber replays from the start of the log and hands over to live.
        let refresh = RefreshEndToEndTests.Background { try daemon.result("refreshAll", [:]) }
        let subscriber = try daemon.connect()
        _ = try Self.subscribe(subscriber, ["fromSeq": 1])
        var runs = 0
        let seen = try Self.read(subscriber) { seen in
            runs = seen.filter { $0.type == "run" }.count
            return runs == 2
        }
        _ = try refresh.value(timeout: 120)
        let seqs = seen.compactMap(\.seq)
        #expect(seqs == Array(1...Int64(seqs.count)), "every seq from 1, once each, across replay and live")
        #expect(seqs.count > firstRunEnd, "the second run's events came live after the replay")
        #expect(try Self.lastSeq(daemon) == seqs.last)
    }

    @Test func aStalledReaderIsToldItLaggedAndResumesWithoutLoss() throws {
        let daemon = try DaemonProcess(arguments: RefreshEndToEndTests.demoArguments() + ["--subscription-buffer", "300"])
        defer { _ = try? daemon.terminate() }
        let stalled = try daemon.connect(timeoutSeconds: 60)
        let subscription = try Self.subscribe(stalled)
        // A ring larger than any one commit (a batch of a refresh), so only a slow reader lags, never a fast one.
        // It reads nothing while four refreshes write far more than its socket buffer and the ring hold; the refreshes
        // finish all the same (a stalled reader never slows them).
        for _ in 0..<4 { try daemon.result("refreshAll", [:]) }
        let last = try Self.lastSeq(daemon)
        let seen = try Self.read(stalled) { $0.last?.method == "lagged" }
        let lagged = try #require(seen.last)
        #expect(lagged.params["subscription"] == .string(subscription.id))
        let delivered = try #require(RefreshEndToEndTests.int(lagged.params["lastDeliveredSeq"]))
        let before = seen.dropLast().compactMap(\.seq)
        #expect(before == Self.seqs(from: subscription.seq + 1, through: delivered), "what came before the lag is every seq up to lastDeliveredSeq")
        #expect(delivered < last, "it did lag")

        // Resubscribing from lastDeliveredSeq + 1 replays the rest from the log: nothing lost.
        let resumed = try daemon.connect()
        _ = try Self.subscribe(resumed, ["fromSeq": .int(delivered + 1)])
        let rest = try Self.read(resumed) { $0.last?.seq == last }.compactMap(\.seq)
        #expect(rest == Self.seqs(from: delivered + 1, through: last))
        let metrics = try daemon.result("metrics", [:])
        #expect(JSONWriter.string(metrics).contains("metricsd_subscriptions_lagged_total"))
    }

    @Test func aScopedReaderSeesOnlyItsWorkspacesEvents() throws {
        let daemon = try AccessControlTests.daemon()
        defer { _ = try? daemon.terminate() }
        // nobody (uid 65534) reads w1 only: the log filtered to w1, never w2's or a run of no workspace.
        let replies = try AccessControlTests.call(daemon, as: 65534, [
            ("events", [:]), ("events", ["workspaceId": "w2"]), ("subscribe", ["fromSeq": 1, "workspaceId": "w2"]),
        ])
        let events = RefreshEndToEndTests.array(replies[0]["result"]?["events"])
        #expect(!events.isEmpty && events.allSatisfy { $0["workspaceId"] == "w1" })
        #expect(AccessControlTests.code(replies[1]) == -32007 && AccessControlTests.code(replies[2]) == -32007)
        let everything = RefreshEndToEndTests.array(try daemon.result("events", [:])["events"])
        #expect(everything.contains { $0["workspaceId"] == "w2" }, "w2 has events nobody may not see")

        // A subscription replays the same scope: socat half-closes after sending, and the subscription holds the
        // connection open until socat gives up (-t2), so the reply and the replayed events are all printed.
        let request = JSONWriter.string(["jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": ["fromSeq": 1]])
        let run = try runProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", "socat", "-t2", "-", "UNIX-CONNECT:\(daemon.socketPath)"],
            stdin: request + "\n")
        let lines = try run.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(lines.first?["result"]?["subscription"] != nil)
        let notified = lines.dropFirst().compactMap { $0["params"]?["event"] }
        #expect(notified.count == events.count && notified.allSatisfy { $0["workspaceId"] == "w1" })
    }

    /// The lines a file holds so far, parsed as JSON (a line still being written is left for the next look).
    static func jsonLines(_ path: String) -> [JSON] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { try? JSONParser.parse(String($0)) }
    }

    @Test func metricsctlWatchPrintsEveryEventOnceAcrossADaemonRestart() throws {
        let daemon = try RefreshEndToEndTests.demoDaemon()
        let output = daemon.directory.appendingPathComponent("watch.ndjson").path
        let watch = try ChildProcess.spawn(
            [DaemonProcess.executable("metricsctl").path, "--socket", daemon.socketPath, "watch", "--json", "--from-seq", "1"],
            outputPath: output)
        defer { watch.signal(SIGKILL) }
        try daemon.result("refreshAll", [:])
        try waitUntilBlocking("watch printed the first run", timeout: 60) { Self.jsonLines(output).contains { $0["type"] == "run" } }

        // The daemon goes away and comes back on the same socket and database: watch resubscribes after what it printed.
        _ = try daemon.terminate()
        let again = try DaemonProcess(arguments: RefreshEndToEndTests.demoArguments(), directory: daemon.directory)
        defer { _ = try? again.terminate() }
        try again.result("refreshAll", [:])
        try waitUntilBlocking("watch printed the second run", timeout: 90) {
            Self.jsonLines(output).filter { $0["type"] == "run" }.count == 2
        }
        let seqs = Self.jsonLines(output).compactMap { RefreshEndToEndTests.int($0["seq"]) }
        #expect(seqs == Array(1...Int64(seqs.count)), "every event once, in order, across the restart")
        #expect(try Self.lastSeq(again) == seqs.last)
    }

    @Test func metricsctlWatchSaysWhatHappenedInWordsForPeople() throws {
        let daemon = try DaemonProcess(arguments: RefreshEndToEndTests.demoArguments())
        defer { _ = try? daemon.terminate() }
        let accounts = RefreshEndToEndTests.array(try daemon.result("listAccounts", [:])["accounts"])
        let workspace = try #require(RefreshEndToEndTests.string(accounts.first?["workspaceId"]))
        try daemon.result("upsertMilestones", ["workspaceId": .string(workspace), "metric": "views", "thresholds": [1]])
        try daemon.result("refreshAll", [:])
        let output = daemon.directory.appendingPathComponent("watch.txt").path
        let watch = try ChildProcess.spawn(
            [DaemonProcess.executable("metricsctl").path, "--socket", daemon.socketPath, "watch", "--from-seq", "1",
             "--types", "account,milestone,run,snapshot"],
            outputPath: output)
        defer { watch.signal(SIGKILL) }
        func lines() -> [String] {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        try waitUntilBlocking("watch printed the run", timeout: 60) { lines().contains { $0.contains(" run 1 completed (rpc)") } }
        let printed = lines()
        #expect(printed.contains { $0.contains("account demo-instagram-0 (instagram) is connected: registered") })
        #expect(printed.contains { $0.contains("reached 1 views") && $0.contains("[\(workspace)]") })
        #expect(printed.contains { $0.contains("snapshot") && $0.contains(": views ") })
        #expect(!printed.contains { $0.contains(" post ") && $0.contains("failing") })
    }
}
