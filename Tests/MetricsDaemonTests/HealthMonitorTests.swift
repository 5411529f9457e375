import Foundation
import JSON
import JSONRPC
import MetricsCore
@testable import MetricsDaemon
import SQLiteStore
import StorageContract
import Testing

/// `health` when the database answers and when it does not: the failing report is what a monitor sees on a
/// broken disk, which no end-to-end test can produce on demand.
@Suite struct HealthMonitorTests {
    private func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("health-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore.open(path: directory.appendingPathComponent("m.sqlite").path)
        try await body(store)
    }

    @Test func aReadableDatabaseReportsCountsAndSize() async throws {
        try await withStore { store in
            _ = try await store.upsertWorkspace(Workspace(id: "w1", name: "Studio"))
            _ = try await store.upsertAccount(AccountRegistration(
                id: "a1", workspaceId: "w1", platform: .tiktok, externalAccountId: "x", accessToken: "t"))
            let report = HealthMonitor(store: store).report(reads: store)
            // A network store's path (awaited) says the same.
            #expect(await HealthMonitor(store: store).report() == report)
            #expect(report["status"] == "ok")
            #expect(report["database"]?["ok"] == true)
            #expect(report["accounts"] == ["connected": 1, "expired": 0, "needsReconnect": 0, "disconnected": 0])
            try store.close()
        }
    }

    @Test func anUnreadableDatabaseIsFailingWithUnknownCountsNotZeros() async throws {
        try await withStore { store in
            try store.close()  // every read now fails, as on a broken disk
            let report = HealthMonitor(store: store).report(reads: store)
            #expect(await HealthMonitor(store: store).report()["status"] == "failing")
            #expect(report["status"] == "failing")
            #expect(report["database"]?["ok"] == false)
            #expect(report["database"]?["sizeBytes"] == nil as JSON)
            guard case .string(let reason)? = report["database"]?["error"] else {
                Issue.record("no error string in \(report)")
                return
            }
            #expect(!reason.isEmpty)
            #expect(report["accounts"] == ["connected": nil, "expired": nil, "needsReconnect": nil, "disconnected": nil])
            #expect(report["lastRun"] == nil as JSON)
            if case .object(let object) = report {
                #expect(object.keys == ["status", "version", "uptimeSeconds", "database", "accounts", "lastRun", "posts"])
                #expect(report["posts"] == ["failing": nil])
            }
        }
    }
}
