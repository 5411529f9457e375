import Foundation
import JSON
import JSONRPC
import Logging
import MetricsCore
@testable import MetricsDaemon
import NIOCore
import NIOPosix
import PlatformClients
import RefreshEngine
import StorageContract
import Telemetry
import Testing

/// The `metrics` method through the dispatcher, with no socket: every instrument of `Instruments` is exported with
/// its help and type, and the dispatcher counts what it answers. (`promtool` lints a real daemon's exposition in
/// MetricsEndpointTests.)
@Suite struct MetricsExpositionTests {
    private func withDaemon(_ body: (RPCDispatcher, RefreshEngine, DaemonMetrics) async throws -> Void) async throws {
        try await DispatcherFixture.with(body)
    }

    private func answer(_ dispatcher: RPCDispatcher, _ line: String) async -> JSON? {
        let bytes: [UInt8]? = switch dispatcher.handle(line: Array(line.utf8)) {
        case .none: nil
        case .reply(let reply): reply
        case .pending(let work): await work()
        }
        return bytes.flatMap { try? JSONParser.parse($0) }
    }

    private func exposition(_ dispatcher: RPCDispatcher) async throws -> String {
        let reply = try #require(await answer(dispatcher, #"{"jsonrpc":"2.0","id":"m","method":"metrics"}"#))
        guard case .string(let text)? = reply["result"]?["text"] else { throw TestFailure("no text in \(reply)") }
        return text
    }

    @Test func everyInstrumentIsExportedWithItsHelpAndType() async throws {
        try await withDaemon { dispatcher, _, _ in
            let text = try await exposition(dispatcher)
            for instrument in Instruments.all {
                #expect(text.contains("# HELP \(instrument.name) \(instrument.help)\n"), "\(instrument.name)")
                let type = switch instrument.kind {
                case .counter: "counter"
                case .gauge: "gauge"
                case .histogram: "histogram"
                }
                #expect(text.contains("# TYPE \(instrument.name) \(type)\n"), "\(instrument.name)")
            }
        }
    }

    @Test func requestsAreCountedByMethodAndCodeWithTheirLatency() async throws {
        try await withDaemon { dispatcher, _, _ in
            _ = await answer(dispatcher, #"{"jsonrpc":"2.0","id":1,"method":"health"}"#)
            _ = await answer(dispatcher, #"{"jsonrpc":"2.0","method":"health"}"#)  // a notification is counted too
            _ = await answer(dispatcher, #"{"jsonrpc":"2.0","id":2,"method":"health","params":{"x":1}}"#)
            _ = await answer(dispatcher, #"{"jsonrpc":"2.0","id":3,"method":"nope"}"#)
            _ = await answer(dispatcher, #"{"jsonrpc":"2.0","id":4,"method":"nope-again"}"#)
            _ = await answer(dispatcher, #"{"jsonrpc":"2.0","id":5}"#)
            _ = await answer(dispatcher, #"{not json"#)
            _ = await answer(dispatcher, #"{"jsonrpc":"2.0","id":6,"method":"upsertWorkspace","params":{"id":"w1","name":"S"}}"#)
            _ = await answer(dispatcher, #"{"jsonrpc":"2.0","id":7,"method":"listAccounts","params":{"workspaceId":"ghost"}}"#)
            let text = try await exposition(dispatcher)
            #expect(text.contains(#"metricsd_rpc_requests_total{method="health",code="ok"} 2"# + "\n"))
            #expect(text.contains(#"metricsd_rpc_requests_total{method="health",code="-32602"} 1"# + "\n"))
            #expect(text.contains(#"metricsd_rpc_requests_total{method="unknown",code="-32601"} 2"# + "\n"))
            #expect(text.contains(#"metricsd_rpc_requests_total{method="invalid",code="-32600"} 1"# + "\n"))
            #expect(text.contains(#"metricsd_rpc_requests_total{method="invalid",code="-32700"} 1"# + "\n"))
            #expect(text.contains(#"metricsd_rpc_requests_total{method="upsertWorkspace",code="ok"} 1"# + "\n"))
            #expect(text.contains(#"metricsd_rpc_requests_total{method="listAccounts",code="-32001"} 1"# + "\n"))
            #expect(text.contains(#"metricsd_rpc_request_duration_seconds_count{method="health"} 3"# + "\n"))
            // Never the caller's text as a label.
            #expect(!text.contains("nope"))
            // Methods never called are there at 0, so a rate() sees their first call.
            #expect(text.contains(#"metricsd_rpc_requests_total{method="history",code="ok"} 0"# + "\n"))
        }
    }

    @Test func theAccessPolicysDenialsAreCountedPerMethod() async throws {
        try await withDaemon { dispatcher, _, metrics in
            // What the access policy calls when it refuses: the method's instruments, found by name.
            metrics.telemetry.rpc.method("upsertAccount").permissionDenied()
            let text = try await exposition(dispatcher)
            #expect(text.contains(#"metricsd_rpc_permission_denials_total{method="upsertAccount"} 1"# + "\n"))
            #expect(text.contains(#"metricsd_rpc_permission_denials_total{method="upsertPosts"} 0"# + "\n"))
        }
    }

    @Test func theWatchdogsProbeVouchesOnlyForLoopsThatAnswer() async throws {
        try await withDaemon { _, engine, _ in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let loops = Array(group.makeIterator())
            let probe = LivenessProbe(loops: loops, engine: engine)
            #expect(await probe.run(timeout: .seconds(5)) == .ping)

            // One loop busy past the probe's timeout: no ping.
            let release = DispatchSemaphore(value: 0)
            loops[1].execute { release.wait() }
            let started = ContinuousClock.now
            #expect(await probe.run(timeout: .milliseconds(200)) == .withhold(reason: "1 of 2 event loops did not answer"))
            // The loop is still blocked: returning at all is the timeout working. Loose, because a loaded test run
            // can hold the probe's timer task for seconds before it runs.
            #expect(ContinuousClock.now - started < .seconds(15))
            release.signal()
            #expect(await probe.run(timeout: .seconds(5)) == .ping)
            try await group.shutdownGracefully()
        }
    }
}
