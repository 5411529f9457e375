import Foundation
import JSONRPC
import MetricsCore
import TestSupport
import Testing

/// TikTok refresh tokens rotate: once TikTok answers a refresh grant, the old refresh token is dead. The
/// daemon commits the new pair before using it, so a crash right after the refresh must not lose the account.
@Suite(.serialized, .ownThread) struct TokenRotationTests {
    @Test func aRotatedTikTokTokenSurvivesADaemonKilledRightAfterTheRefresh() throws {
        let directory = try DaemonProcess.makeTemporaryDirectory()
        let now = SystemClock().now
        let videos = (1...3).map { "70000000000000000\($0)" }
        let simulator = try SimulatorProcess(
            config: [
                "seed": [
                    "accounts": [[
                        "platform": "tiktok", "id": "open-1", "accessToken": "act.first",
                        "accessTokenExpiresAt": .string(now.adding(milliseconds: 3_600_000).iso8601),
                        "refreshToken": "rft.first",
                        "refreshTokenExpiresAt": .string(now.adding(days: 180).iso8601),
                    ]],
                    "posts": .array(videos.map { ["id": .string($0), "account": "open-1", "createdAt": .string(now.adding(days: -1).iso8601)] }),
                ],
            ],
            directory: directory, manualClock: true)
        let arguments = ["--no-schedule", "--tiktok-url", simulator.baseURL, "--instagram-url", simulator.baseURL, "--facebook-url", simulator.baseURL]
        let credentials = ["METRICSD_TIKTOK_CLIENT_KEY": "client-key", "METRICSD_TIKTOK_CLIENT_SECRET": "client-secret"]
        let daemon = try DaemonProcess(arguments: arguments, directory: directory, environment: credentials)
        try daemon.result("upsertWorkspace", ["w", "Studio"])
        try daemon.result("upsertAccount", [
            "id": "tt", "workspaceId": "w", "platform": "tiktok", "externalAccountId": "open-1",
            "accessToken": "act.first", "refreshToken": "rft.first",
        ])
        try daemon.result("upsertPosts", ["posts": .array(videos.map {
            ["id": .string("post-\($0)"), "accountId": "tt", "externalPostId": .string($0), "postedAt": .string(now.adding(days: -1).iso8601)]
        })])

        // Two hours on the platform's clock: the access token is expired, the refresh token is not.
        _ = try simulator.control("POST", "/_sim/clock", body: ["advanceSeconds": 7200])
        try daemon.result("refreshAll", ["wait": false])
        // The first video query after the grant can only carry the new access token, which the daemon uses
        // only once the pair is committed: kill it the moment that query is seen.
        try waitUntilBlocking("the daemon refreshed the token and used it", timeout: 20) {
            try simulator.requests("tiktok.oauthToken") >= 1 && simulator.requests("tiktok.videoQuery") >= 2
        }
        try daemon.kill()

        // Another three hours: the rotated access token is expired too, so the restarted daemon needs the
        // rotated refresh token. Had it been lost, TikTok would refuse the dead "rft.first".
        _ = try simulator.control("POST", "/_sim/clock", body: ["advanceSeconds": 10_800])
        let restarted = try DaemonProcess(arguments: arguments, directory: directory, environment: credentials)
        let report = try restarted.result("refreshAll")
        #expect(report["summary"]?["totalMetricsUpdated"] == 3)
        #expect(report["summary"]?["totalSkipped"] == 0)
        #expect(try simulator.requests("tiktok.oauthToken") == 2)
        guard case .array(let accounts)? = try restarted.result("listAccounts")["accounts"] else {
            Issue.record("no accounts")
            return
        }
        #expect(accounts.first?["status"] == "connected")
        // The daemon never writes a token anywhere but its database.
        #expect(!restarted.stderrText().contains("rft."))
        #expect(!daemon.stderrText().contains("rft."))
        withExtendedLifetime(daemon) {}
    }
}
