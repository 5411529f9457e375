import Foundation
import JSON
import JSONRPC
import MetricsCore
@testable import RefreshEngine
import Testing

@Suite struct RefreshScopeTests {
    @Test func keysMatchEqualScopesWhateverTheOrderPlatformsWereGivenIn() {
        #expect(RefreshScope.all(platforms: nil).key == "all")
        #expect(RefreshScope.all(platforms: [.tiktok, .instagram]).key == "all:instagram,tiktok")
        #expect(RefreshScope.all(platforms: [.instagram, .tiktok]).key == RefreshScope.all(platforms: [.tiktok, .instagram]).key)
        #expect(RefreshScope.all(platforms: Set(Platform.allCases)).key == "all:facebook,instagram,tiktok")
        #expect(RefreshScope.workspace("w1").key == "workspace:w1")
        // Different scopes never share a run.
        let keys = [
            RefreshScope.all(platforms: nil), .all(platforms: [.instagram]), .all(platforms: []), .workspace("w1"),
            .workspace("all"),
        ].map(\.key)
        #expect(Set(keys).count == keys.count)
    }

    @Test func jsonIsTheRecordTheRunRowKeeps() {
        #expect(RefreshScope.all(platforms: nil).json == #"{"kind":"all"}"#)
        #expect(RefreshScope.all(platforms: [.tiktok, .facebook]).json == #"{"kind":"all","platforms":["facebook","tiktok"]}"#)
        #expect(RefreshScope.workspace("w1").json == #"{"kind":"workspace","workspaceId":"w1"}"#)
    }

    @Test func jsonEscapesAWorkspaceIdSoTheRecordStaysValidJSON() throws {
        let id = "studio \"north\"\n\\ é"
        let json = RefreshScope.workspace(id).json
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
        #expect(decoded == ["kind": "workspace", "workspaceId": id])
    }
}

@Suite struct RefreshReportTests {
    func detail(
        _ platform: Platform, _ account: String, workspace: String = "w1", processed: Int, updated: Int, skipped: Int = 0,
        withoutData: Int = 0, errors: [String] = []
    ) -> RefreshReport.Detail {
        RefreshReport.Detail(
            platform: platform, workspaceId: workspace, accountId: account, postsProcessed: processed,
            metricsUpdated: updated, postsSkipped: skipped, postsWithoutData: withoutData, errors: errors)
    }

    @Test func theSummaryAddsUpEveryDetailByPlatformAndInTotal() {
        let details = [
            detail(.instagram, "ig-1", processed: 5, updated: 3, withoutData: 1, errors: ["Post a: (#10) Not enough viewers"]),
            detail(.instagram, "ig-2", processed: 3, updated: 2, withoutData: 1),
            detail(.tiktok, "tt-1", processed: 20, updated: 18, skipped: 5, errors: ["Post x: not returned", "Post y: not returned"]),
        ]
        let report = RefreshReport.make(runId: 42, ok: true, details: details)
        #expect(report.ok)
        #expect(report.runId == 42)
        #expect(report.details == details)
        #expect(report.summary.totalPostsProcessed == 28)
        #expect(report.summary.totalMetricsUpdated == 23)
        #expect(report.summary.totalErrors == 3)
        #expect(report.summary.totalSkipped == 5)
        #expect(report.summary.totalWithoutData == 2)
        var instagram = RefreshReport.Tally()
        instagram.processed = 8
        instagram.updated = 5
        instagram.errors = 1
        instagram.withoutData = 2
        var tiktok = RefreshReport.Tally()
        tiktok.processed = 20
        tiktok.updated = 18
        tiktok.errors = 2
        tiktok.skipped = 5
        #expect(report.summary.byPlatform == ["instagram": instagram, "tiktok": tiktok, "facebook": RefreshReport.Tally()])
        #expect(report.message == "Refreshed metrics for 23 posts across 3 platform connections")
    }

    @Test func anEmptyRunStillListsEveryPlatform() {
        let report = RefreshReport.make(runId: 1, ok: true, details: [])
        #expect(report.message == "Refreshed metrics for 0 posts across 0 platform connections")
        #expect(Set(report.summary.byPlatform.keys) == ["instagram", "facebook", "tiktok"])
        #expect(report.summary.totalPostsProcessed == 0)
    }

    @Test func theRunRecordHoldsTheReportAsTheWireShowsIt() throws {
        let report = RefreshReport.make(
            runId: 7, ok: true, details: [detail(.instagram, "ig", processed: 3, updated: 2, withoutData: 1)])
        let stored = try JSONParser.parse(RunExecution.encode(report))
        #expect(stored == report.json)
        #expect(stored["summary"]?["byPlatform"]?["instagram"]
            == ["processed": 3, "updated": 2, "errors": 0, "skipped": 0, "withoutData": 1])
        #expect(stored["summary"]?["totalWithoutData"] == 1)
        guard case .array(let details)? = stored["details"], let first = details.first else {
            Issue.record("no details in \(stored)")
            return
        }
        #expect(first["accountId"] == "ig")
        #expect(first["metricsUpdated"] == 2)
        #expect(first["postsWithoutData"] == 1)
    }
}
