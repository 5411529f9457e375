import MetricsCore
import PlatformClients
import PlatformSimulator
import Testing

@Suite("Faults on demand")
struct FaultTests {
    @Test("5xx is transient on both Graph and TikTok")
    func serverErrors() async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.serverError, pathContains: "/insights"))
            sim.simulator.inject(ScriptedFault(.serverError, pathContains: "/v2/video/query"))
            let graph = await failure {
                try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            }
            #expect(graph?.kind == .transient(code: "2", message: "An unexpected error has occurred. Please retry your request later."))
            #expect(graph?.httpStatus == 500)
            let tiktok = await failure { try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken) }
            guard case .transient(let code, _)? = tiktok?.kind else {
                Issue.record("expected transient, got \(String(describing: tiktok))")
                return
            }
            #expect(code == "internal_error")
        }
    }

    @Test("Graph #1 and #2 are transient", arguments: [1, 2])
    func graphTransient(code: Int) async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.graphError(code: code, httpStatus: code == 2 ? 500 : 400)))
            let error = await failure { try await sim.facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken) }
            guard case .transient(let reported, _)? = error?.kind else {
                Issue.record("expected transient, got \(String(describing: error))")
                return
            }
            #expect(reported == String(code))
        }
    }

    @Test("permission errors #200 skip the post")
    func permission() async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.graphError(code: 200, httpStatus: 403)))
            let error = await failure { try await sim.facebook.postMetrics(postID: Fixture.post, accessToken: Fixture.pageToken) }
            #expect(error?.kind == .skipPost(reason: .permission, code: "200", message: "(#200) Permissions error"))
            #expect(error?.httpStatus == 403)
        }
    }

    @Test("TikTok scope_permission_missed is a request not to retry")
    func tiktokPermissionMissed() async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.tiktokError(code: "scope_permission_missed", httpStatus: 400)))
            let error = await failure { try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken) }
            guard case .invalidRequest(let code, _)? = error?.kind else {
                Issue.record("expected invalidRequest, got \(String(describing: error))")
                return
            }
            #expect(code == "scope_permission_missed")
        }
    }

    @Test("a request that is never answered times out as transient")
    func timeout() async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.timeout))
            let error = await failure {
                try await sim.instagram(timeout: .milliseconds(250)).insights(
                    mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            }
            guard case .transient(let code, _)? = error?.kind else {
                Issue.record("expected transient, got \(String(describing: error))")
                return
            }
            #expect(code == "timeout")
            #expect(error?.httpStatus == nil)
        }
    }

    @Test("a reset connection is transient and its message carries no token")
    func reset() async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.reset))
            let error = await failure {
                try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            }
            guard case .transient(_, let message)? = error?.kind else {
                Issue.record("expected transient, got \(String(describing: error))")
                return
            }
            #expect(!message.contains(Fixture.igToken))
            #expect(!String(describing: error).contains(Fixture.igToken))
        }
    }

    @Test("a truncated body is malformed")
    func malformedBody() async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.malformed))
            sim.simulator.inject(ScriptedFault(.malformed))
            let graph = await failure {
                try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            }
            guard case .malformed? = graph?.kind else {
                Issue.record("expected malformed, got \(String(describing: graph))")
                return
            }
            let tiktok = await failure { try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken) }
            guard case .malformed? = tiktok?.kind else {
                Issue.record("expected malformed, got \(String(describing: tiktok))")
                return
            }
        }
    }

    @Test("added latency delays but does not fail")
    func latency() async throws {
        try await withSimulator { sim in
            sim.simulator.inject(ScriptedFault(.latency(milliseconds: 30)))
            let response = try await sim.instagram.insights(mediaID: Fixture.feed, productType: .feed, accessToken: Fixture.igToken)
            #expect(response.value.values.likes == 50)
            #expect(sim.simulator.stats().total.faults == 1)
        }
    }

    @Test("random faults repeat exactly for a given seed")
    func deterministicFaults() async throws {
        func outcomes() async throws -> [Bool] {
            var results: [Bool] = []
            try await withSimulator(configure: { configuration in
                configuration.faults.seed = 42
                configuration.faults.serverErrorRate = 0.3
                configuration.faults.malformedRate = 0.2
            }) { sim in
                for _ in 0..<30 {
                    do {
                        _ = try await sim.tiktok.videoQuery(ids: [Fixture.videos[0]], accessToken: Fixture.tiktokToken)
                        results.append(true)
                    } catch {
                        results.append(false)
                    }
                }
                #expect(sim.simulator.stats().total.faults == results.filter { !$0 }.count)
            }
            return results
        }
        let first = try await outcomes()
        let second = try await outcomes()
        #expect(first == second)
        #expect(first.contains(true))
        #expect(first.contains(false))
    }
}
