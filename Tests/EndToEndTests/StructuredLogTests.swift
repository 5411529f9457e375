import Foundation
import JSON
import JSONRPC
import MetricsCore
import Testing

/// `--log-format json`, and the rule that no token ever reaches a log line, checked against every token the
/// simulator handed out over a refresh that discovers posts, extends an Instagram token and rotates TikTok's.
@Suite(.serialized, .ownThread) struct StructuredLogTests {
    static let levels: Set<String> = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    static func lines(_ daemon: DaemonProcess) -> [String] {
        daemon.stderrText().split(separator: "\n").map(String.init)
    }

    @Test func everyLineIsOneJSONObjectWithTimeLevelLabelMessageAndMetadata() throws {
        let daemon = try DaemonProcess(arguments: ["--log-format", "json", "--metrics-listen", "127.0.0.1:0"])
        _ = try daemon.metricsURL()
        try daemon.result("upsertWorkspace", ["id": "w1", "name": "Studio"])
        try daemon.terminate()
        let lines = Self.lines(daemon)
        #expect(lines.count >= 4)
        var messages: [String: JSON] = [:]
        for line in lines {
            let entry = try JSONParser.parse(line)
            guard case .string(let time)? = entry["time"], case .string(let message)? = entry["message"] else {
                Issue.record("no time or message: \(line)")
                continue
            }
            #expect(Timestamp(iso8601: time) != nil, "\(time)")
            #expect(Self.levels.contains(entry["level"].flatMap { if case .string(let level) = $0 { level } else { nil } } ?? ""), "\(line)")
            #expect(entry["label"] != nil && entry["source"] != nil, "\(line)")
            messages[message] = entry
        }
        // Metadata sits beside the fixed keys.
        #expect(messages["listening"]?["socket"] == .string(daemon.socketPath))
        #expect(messages["database open"]?["path"] == .string(daemon.databasePath))
        #expect(messages["metrics listening"]?["url"] != nil)
        #expect(messages["stopped"]?["label"] == "metricsd")
    }

    @Test func noTokenTheSimulatorIssuedIsEverLoggedEvenAtTrace() throws {
        let directory = try DaemonProcess.makeTemporaryDirectory()
        let now = SystemClock().now
        let created = JSON.string(now.adding(days: -1).iso8601)
        let simulator = try SimulatorProcess(
            config: [
                "seed": [
                    "accounts": [
                        // 55 days into its 60: the daemon extends it (a week before expiry) and gets a new one.
                        ["platform": "instagram", "id": "17841400000000001", "accessToken": "IGQVJ-leak-check-ig",
                         "accessTokenIssuedAt": .string(now.adding(days: -55).iso8601),
                         "accessTokenExpiresAt": .string(now.adding(days: 5).iso8601)],
                        ["platform": "facebook", "id": "100000000000001", "accessToken": "EAA-leak-check-fb"],
                        // Expires an hour from now: two simulated hours later TikTok refuses it and the daemon
                        // rotates the pair with the refresh grant.
                        ["platform": "tiktok", "id": "open-leak", "accessToken": "act.leak-check-tt",
                         "accessTokenExpiresAt": .string(now.adding(milliseconds: 3_600_000).iso8601),
                         "refreshToken": "rft.leak-check-tt", "refreshTokenExpiresAt": .string(now.adding(days: 180).iso8601)],
                    ],
                    "posts": [
                        ["id": "17900000000000001", "account": "17841400000000001", "mediaProductType": "REELS", "createdAt": created],
                        ["id": "17900000000000002", "account": "17841400000000001", "mediaProductType": "FEED", "createdAt": created],
                        ["id": "100000000000001_1000000000000001", "account": "100000000000001", "createdAt": created],
                        ["id": "7300000000000000001", "account": "open-leak", "createdAt": created],
                        ["id": "7300000000000000002", "account": "open-leak", "createdAt": created],
                    ],
                ],
            ],
            directory: directory, manualClock: true)
        let daemon = try DaemonProcess(
            arguments: [
                "--no-schedule", "--log-level", "trace", "--log-format", "json",
                "--instagram-url", simulator.baseURL, "--facebook-url", simulator.baseURL, "--tiktok-url", simulator.baseURL,
            ],
            directory: directory,
            environment: ["METRICSD_TIKTOK_CLIENT_KEY": "client-key", "METRICSD_TIKTOK_CLIENT_SECRET": "client-secret-leak-check"])
        try daemon.result("upsertWorkspace", ["w", "Studio"])
        try daemon.result("upsertAccount", [
            "id": "ig", "workspaceId": "w", "platform": "instagram", "externalAccountId": "17841400000000001",
            "accessToken": "IGQVJ-leak-check-ig", "tokenExpiresAt": .string(now.adding(days: 5).iso8601),
        ])
        try daemon.result("upsertAccount", [
            "id": "fb", "workspaceId": "w", "platform": "facebook", "externalAccountId": "100000000000001",
            "accessToken": "EAA-leak-check-fb",
        ])
        try daemon.result("upsertAccount", [
            "id": "tt", "workspaceId": "w", "platform": "tiktok", "externalAccountId": "open-leak",
            "accessToken": "act.leak-check-tt", "refreshToken": "rft.leak-check-tt",
        ])
        for account in ["ig", "fb", "tt"] {
            let synced = try daemon.result("syncPosts", ["accountId": .string(account)])
            #expect(synced["registered"] != 0, "\(account): \(synced)")
        }
        let first = try daemon.result("refreshAll")
        #expect(first["summary"]?["totalMetricsUpdated"] == 5, "\(first)")
        _ = try simulator.control("POST", "/_sim/clock", body: ["advanceSeconds": 7200])
        let second = try daemon.result("refreshAll")
        #expect(second["summary"]?["totalMetricsUpdated"] == 5, "\(second)")
        #expect(try simulator.requests("tiktok.oauthToken") >= 1)
        #expect(try simulator.requests("instagram.refreshToken") >= 1)
        try daemon.terminate()

        guard case .array(let issued)? = try simulator.control("GET", "/_sim/tokens")["tokens"] else {
            throw TestFailure("the simulator lists no tokens")
        }
        let tokens = issued.compactMap { token -> String? in if case .string(let text) = token { text } else { nil } }
        // The four seeded, Instagram's extension, TikTok's rotated pair.
        #expect(tokens.count >= 7, "\(tokens)")
        let log = daemon.stderrText()
        #expect(log.contains(#""level":"trace","label":"metricsd.platform.tiktok","message":"platform request""#), "no trace line")
        for secret in tokens + ["client-secret-leak-check"] {
            #expect(!log.contains(secret), "a token is in the log: \(secret)")
        }
        withExtendedLifetime(simulator) {}
    }
}
