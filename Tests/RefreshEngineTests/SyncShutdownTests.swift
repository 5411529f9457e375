import MetricsCore
import PlatformClients
import PlatformSimulator
@testable import RefreshEngine
import Testing
import TestSupport

/// Post discovery stops with the engine: one in progress is cancelled and awaited by `shutdown`, and none starts
/// after it, so no listing page goes out on an HTTP client the daemon shuts down next (the demo discovers beside
/// the daemon and outlives it).
@Suite(.timeLimit(.minutes(3))) struct SyncShutdownTests {
    @Test func shutdownCancelsADiscoveryInProgressAndRefusesNewOnes() async throws {
        try await withEngineFixture { f in
            let account = try await f.account("ig", platform: .instagram, external: "17841400000000001")
            try await f.post("17900000000000011", on: account, daysAgo: 2, register: false)
            f.simulator.inject(ScriptedFault(.latency(milliseconds: 120_000), pathContains: "/media"))
            let engine = try await f.makeEngine()
            let sync = Task { try await engine.syncPosts(accountId: "ig") }
            try await waitUntil("the listing is on the wire") { f.simulator.stats().endpoint(.instagramMediaList).requests == 1 }

            let started = ContinuousClock.now
            await engine.shutdown()
            // Cancelled, not waited out: the answer would take 120 s (full runs beside two builds took 4.6 s and 11 s
            // to cancel, so the bound is far above both and far below the answer).
            #expect(ContinuousClock.now - started < .seconds(60))
            await #expect(throws: (any Error).self) { try await sync.value }

            do {
                _ = try await engine.syncPosts(accountId: "ig")
                Issue.record("discovery started after shutdown")
            } catch let error as RefreshEngineError {
                #expect(error.kind == .shuttingDown)
            }
            #expect(f.simulator.stats().endpoint(.instagramMediaList).requests == 1)
        }
    }
}
