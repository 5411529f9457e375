import Foundation
import JSON
import JSONRPC
import RPCClient
import Synchronization
import TestSupport
import Testing

/// Webhooks through the socket, against `metricsd --demo` (its bundled simulator: a refresh writes a snapshot event
/// per post and a run event at its end) and a receiver in the test (`WebhookReceiver`) that checks every signature
/// as the Standard Webhooks libraries do. Retries wait 200 ms (`--webhook-retry-delays`), so a schedule plays out in
/// a test's time.
@Suite(.serialized, .ownThread, .timeLimit(.minutes(4))) struct WebhookEndToEndTests {
    static func arguments(retryDelays: String = "200ms,200ms,200ms") -> [String] {
        RefreshEndToEndTests.demoArguments() + ["--webhook-retry-delays", retryDelays]
    }

    static func upsert(_ daemon: DaemonProcess, _ params: JSON) throws -> JSON {
        let reply = try daemon.result("upsertWebhook", params)
        try RefreshEndToEndTests.expectValid("upsertWebhook", reply)
        return reply
    }

    static func deliveries(_ daemon: DaemonProcess, _ id: String) throws -> JSON {
        let reply = try daemon.result("webhookDeliveries", ["id": .string(id), "limit": 100])
        try RefreshEndToEndTests.expectValid("webhookDeliveries", reply)
        return reply
    }

    static func webhook(_ daemon: DaemonProcess, _ id: String) throws -> JSON? {
        let reply = try daemon.result("listWebhooks")
        try RefreshEndToEndTests.expectValid("listWebhooks", reply)
        return RefreshEndToEndTests.array(reply["webhooks"]).first { $0["id"] == .string(id) }
    }

    /// Every request signed with `secret`, stamped with the wall clock (within a minute of now, whatever the daemon's
    /// clock), and shaped as the spec says: `webhook-id` the event's id, a JSON body `{type, timestamp, data, seq}`.
    static func expectWellFormed(_ deliveries: [WebhookReceiver.Delivery], secret: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let now = Int64(Date().timeIntervalSince1970)
        for delivery in deliveries {
            #expect(delivery.isSigned(with: secret), "a delivery's signature does not verify: \(delivery.headers)", sourceLocation: sourceLocation)
            let timestamp = Int64(delivery.headers["webhook-timestamp"] ?? "") ?? 0
            #expect(abs(now - timestamp) < 300, "webhook-timestamp \(timestamp) is not the wall clock", sourceLocation: sourceLocation)
            #expect(delivery.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
            let keys = RefreshEndToEndTests.keys(delivery.json)
            #expect(keys == ["type", "timestamp", "data", "seq"], "body keys \(keys)", sourceLocation: sourceLocation)
            #expect(delivery.id?.isEmpty == false && delivery.seq != nil, sourceLocation: sourceLocation)
        }
    }

    // MARK: At least once, in order, across a crash

    @Test func everyEventArrivesSignedAndInOrderAcrossAKillAndARestart() throws {
        // Slow answers keep deliveries in flight when the daemon is killed.
        let receiver = try WebhookReceiver { _, _ in (200, 15) }
        let daemon = try DaemonProcess(arguments: Self.arguments())
        let created = try Self.upsert(daemon, ["id": "studio", "url": .string(receiver.url)])
        #expect(created["result"] == "created")
        let secret = try #require(RefreshEndToEndTests.string(created["secret"]))
        #expect(try Self.webhook(daemon, "studio")?["secret"] == nil)

        try daemon.result("refreshAll", ["wait": true])
        try waitUntilBlocking("some events delivered", timeout: 60) { receiver.deliveries.count >= 20 }
        try daemon.kill()
        let killedAt = receiver.deliveries.count

        let restarted = try DaemonProcess(arguments: Self.arguments(), directory: daemon.directory)
        try restarted.result("refreshAll", ["wait": true])
        try waitUntilBlocking("both runs' events delivered", timeout: 120) {
            receiver.deliveries.filter { $0.type == "run" }.count >= 2
        }
        let deliveries = receiver.deliveries
        #expect(deliveries.count > killedAt)
        Self.expectWellFormed(deliveries, secret: secret)

        // In seq order, every seq from the first on (the endpoint takes every type, and seqs have no gaps); a seq
        // may come twice only as the delivery in flight at the kill, right after itself.
        let seqs = deliveries.compactMap(\.seq)
        var repeats = 0
        for (previous, next) in zip(seqs, seqs.dropFirst()) {
            if next == previous { repeats += 1 } else { #expect(next == previous + 1, "seq \(next) after \(previous)") }
        }
        #expect(repeats <= 1)
        let ids = Dictionary(grouping: deliveries, by: \.seq).mapValues { Set($0.compactMap(\.id)) }
        #expect(ids.values.allSatisfy { $0.count == 1 }, "one webhook-id per seq, the same on a repeat")
        #expect(Set(deliveries.compactMap(\.type)).isSuperset(of: ["snapshot", "run"]))

        let record = try Self.deliveries(restarted, "studio")
        #expect(record["enabled"] == true)
        #expect(RefreshEndToEndTests.array(record["deliveries"]).allSatisfy { $0["outcome"] == "delivered" })
        #expect(RefreshEndToEndTests.int(record["nextSeq"]) == (seqs.last ?? 0) + 1)
        withExtendedLifetime(daemon) {}
    }

    // MARK: Retries and disabling

    @Test func aReceiverAnswering500ThenOKGetsTheEventAgain() throws {
        let receiver = try WebhookReceiver { index, _ in (index == 0 ? 500 : 200, 0) }
        let daemon = try DaemonProcess(arguments: Self.arguments())
        let secret = try #require(RefreshEndToEndTests.string(
            try Self.upsert(daemon, ["id": "runs", "url": .string(receiver.url), "types": ["run"]])["secret"]))
        try daemon.result("refreshAll", ["wait": true])
        try waitUntilBlocking("the run event retried and delivered", timeout: 30) { receiver.deliveries.count >= 2 }

        let deliveries = receiver.deliveries
        Self.expectWellFormed(deliveries, secret: secret)
        #expect(deliveries.count == 2)
        #expect(deliveries.map(\.type) == ["run", "run"])
        #expect(deliveries[0].id == deliveries[1].id && deliveries[0].seq == deliveries[1].seq)
        try waitUntilBlocking("the delivery recorded", timeout: 10) {
            RefreshEndToEndTests.array(try Self.deliveries(daemon, "runs")["deliveries"]).count == 2
        }
        let records = RefreshEndToEndTests.array(try Self.deliveries(daemon, "runs")["deliveries"])
        #expect(records.map { $0["outcome"] } == ["delivered", "failed"])
        #expect(records.map { $0["attempt"] } == [2, 1])
        #expect(records.map { $0["statusCode"] } == [200, 500])
        #expect(records[1]["error"] == "HTTP status 500")
        #expect(try Self.webhook(daemon, "runs")?["enabled"] == true)
    }

    @Test func aReceiverAnsweringGoneIsDisabledAndUpsertingItAgainResumesWhereItStopped() throws {
        let receiver = try WebhookReceiver { _, _ in (410, 0) }
        let daemon = try DaemonProcess(arguments: Self.arguments())
        let secret = try #require(RefreshEndToEndTests.string(
            try Self.upsert(daemon, ["id": "gone", "url": .string(receiver.url), "types": ["run"]])["secret"]))
        try daemon.result("refreshAll", ["wait": true])
        try waitUntilBlocking("the endpoint disabled", timeout: 30) { try Self.webhook(daemon, "gone")?["enabled"] == false }

        let webhook = try #require(try Self.webhook(daemon, "gone"))
        #expect(webhook["disabledReason"] == "410 Gone: the receiver asked to stop")
        let record = try Self.deliveries(daemon, "gone")
        let records = RefreshEndToEndTests.array(record["deliveries"])
        #expect(records.count == 1)
        #expect(records.first?["outcome"] == "disabled" && records.first?["statusCode"] == 410)
        #expect(record["enabled"] == false)
        let firstRun = try #require(receiver.deliveries.first)

        // A second run while disabled is not sent; upserting the endpoint again (same URL, same secret) resumes at the
        // event it stopped on, then the next.
        try daemon.result("refreshAll", ["wait": true])
        #expect(receiver.deliveries.count == 1)
        receiver.respond { _, _ in (200, 0) }
        let updated = try Self.upsert(daemon, ["id": "gone", "url": .string(receiver.url), "types": ["run"]])
        #expect(updated["result"] == "updated" && updated["secret"] == nil)
        try waitUntilBlocking("both runs delivered after re-enabling", timeout: 30) { receiver.deliveries.count >= 3 }
        let deliveries = receiver.deliveries
        Self.expectWellFormed(deliveries, secret: secret)
        #expect(deliveries.count == 3)
        #expect(deliveries[1].id == firstRun.id)
        #expect((deliveries[2].seq ?? 0) > (deliveries[1].seq ?? 0))
        #expect(try Self.webhook(daemon, "gone")?["enabled"] == true)
    }

    // MARK: The methods

    @Test func theMethodsValidateAndNameTheField() throws {
        let daemon = try DaemonProcess(arguments: ["--no-schedule"])
        try daemon.result("upsertWorkspace", ["id": "w1", "name": "Studio"])
        for (params, field) in [
            (["id": "h", "url": "ftp://example.com/"], "url"),
            (["id": "h", "url": "http:///x"], "url"),
            (["id": "h", "url": "http://example.com/", "types": ["snapshot", "nope"]], "types[1]"),
            (["id": "h", "url": "http://example.com/", "types": []], "types"),
        ] as [(JSON, String)] {
            guard case .failure(let error) = try daemon.call("upsertWebhook", params) else {
                Issue.record("\(params) was accepted")
                continue
            }
            #expect(error.code == -32602 && error.data?["field"] == .string(field), "\(params): \(error)")
        }
        guard case .failure(let unknown) = try daemon.call(
            "upsertWebhook", ["id": "h", "url": "http://example.com/", "workspaceId": "nowhere"])
        else { throw TestFailure("an unknown workspace was accepted") }
        #expect(unknown.code == -32001 && unknown.data?["field"] == "workspaceId")
        for method in ["deleteWebhook", "webhookDeliveries"] {
            guard case .failure(let error) = try daemon.call(method, ["id": "missing"]) else { throw TestFailure("\(method) found it") }
            #expect(error.code == -32001 && error.data?["field"] == "id" && error.data?["id"] == "missing")
        }

        let created = try Self.upsert(daemon, ["id": "h", "url": "https://example.com/in", "types": ["milestone", "account"], "workspaceId": "w1"])
        let first = try #require(RefreshEndToEndTests.string(created["secret"]))
        let rotated = try Self.upsert(
            daemon, ["id": "h", "url": "https://example.com/in", "types": ["milestone"], "workspaceId": "w1", "rotateSecret": true])
        #expect(rotated["result"] == "updated")
        #expect(RefreshEndToEndTests.string(rotated["secret"]).map { $0 != first && $0.hasPrefix("whsec_") } == true)
        let listed = try #require(try Self.webhook(daemon, "h"))
        #expect(listed["types"] == ["milestone"] && listed["workspaceId"] == "w1" && listed["url"] == "https://example.com/in")
        // The secret is in no listing and no log.
        #expect(!JSONWriter.string(try daemon.result("listWebhooks")).contains("whsec_"))
        #expect(!daemon.stderrText().contains(first))
        #expect(try daemon.result("deleteWebhook", ["id": "h"]) == ["id": "h", "deleted": true])
        #expect(try Self.webhook(daemon, "h") == nil)
    }

    @Test func metricsctlAddsListsShowsAndRemovesAnEndpoint() throws {
        let daemon = try DaemonProcess(arguments: ["--no-schedule"])
        try daemon.result("upsertWorkspace", ["id": "w1", "name": "Studio"])
        let ctl = { (arguments: [String]) in try MetricsctlTests.metricsctl(arguments, daemon: daemon) }

        let added = try ctl(["webhooks", "add", "studio", "http://127.0.0.1:9/in", "--types", "milestone, account", "--workspace", "w1"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("created webhook studio") && added.stdout.contains("secret: whsec_"))
        let again = try ctl(["webhooks", "add", "studio", "http://127.0.0.1:9/in", "--json"])
        #expect(again.status == 0 && again.stdout.contains("\"updated\"") && !again.stdout.contains("whsec_"))

        let listed = try ctl(["webhooks", "list"])
        #expect(listed.status == 0 && listed.stdout.contains("studio") && listed.stdout.contains("http://127.0.0.1:9/in"))
        #expect(!listed.stdout.contains("whsec_"))
        let deliveries = try ctl(["webhooks", "deliveries", "studio", "--limit", "5"])
        #expect(deliveries.status == 0 && deliveries.stdout.contains("webhook studio: enabled"), "\(deliveries.stdout)")

        let removed = try ctl(["webhooks", "remove", "studio"])
        #expect(removed.status == 0 && removed.stdout.contains("deleted webhook studio"))
        let missing = try ctl(["webhooks", "remove", "studio"])
        #expect(missing.status == 1 && missing.stderr.contains("studio"))
        let bad = try ctl(["webhooks", "add", "x", "ftp://example.com/"])
        #expect(bad.status == 1 && bad.stderr.contains("url"))
    }
}
