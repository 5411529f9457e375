import JSONRPC
import Synchronization
import Testing

/// The dispatcher tells its observer of every answer, once, with the code it answered and how long it took, and
/// asks for each method's probe once, when it is built.
@Suite struct RPCCallObserverTests {
    final class Recorder: RPCCallObserver, Sendable {
        struct Call: Equatable {
            var method: String
            var code: Int?
        }

        final class Probe: RPCCallProbe {
            let method: String
            let recorder: Recorder
            init(method: String, recorder: Recorder) {
                self.method = method
                self.recorder = recorder
            }

            func answered(errorCode: Int?, duration: Duration) {
                recorder.calls.withLock { $0.append(Call(method: method, code: errorCode)) }
                recorder.durations.withLock { $0.append(duration) }
            }
        }

        let calls = Mutex<[Call]>([])
        let durations = Mutex<[Duration]>([])
        let probesMade = Mutex<[String]>([])

        func probe(forMethod name: String) -> any RPCCallProbe {
            probesMade.withLock { $0.append(name) }
            return Probe(method: name, recorder: self)
        }

        var unknownMethodProbe: any RPCCallProbe { Probe(method: "unknown", recorder: self) }
        var invalidRequestProbe: any RPCCallProbe { Probe(method: "invalid", recorder: self) }
    }

    struct DomainError: Error {}

    static func dispatcher(_ recorder: Recorder) -> RPCDispatcher {
        RPCDispatcher(
            methods: [
                .inline("ping") { _, _ in "pong" },
                .inline("fails") { _, _ in throw DomainError() },
                .task("slow", parameters: ["ms"]) { _, _ in
                    try await Task.sleep(for: .milliseconds(20))
                    return "done"
                },
            ],
            observer: recorder, mapError: { _, _ in RPCError(code: -32042, message: "mapped") })
    }

    static func run(_ dispatcher: RPCDispatcher, _ line: String) async {
        if case .pending(let work) = dispatcher.handle(line: Array(line.utf8)) { _ = await work() }
    }

    @Test func everyAnswerIsRecordedOnceWithItsCode() async {
        let recorder = Recorder()
        let dispatcher = Self.dispatcher(recorder)
        #expect(Set(recorder.probesMade.withLock { $0 }) == ["ping", "fails", "slow"])
        await Self.run(dispatcher, #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        await Self.run(dispatcher, #"{"jsonrpc":"2.0","method":"ping"}"#)
        await Self.run(dispatcher, #"{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":1}}"#)
        await Self.run(dispatcher, #"{"jsonrpc":"2.0","id":3,"method":"fails"}"#)
        await Self.run(dispatcher, #"{"jsonrpc":"2.0","id":4,"method":"slow"}"#)
        await Self.run(dispatcher, #"{"jsonrpc":"2.0","id":5,"method":"what"}"#)
        await Self.run(dispatcher, #"[{"jsonrpc":"2.0","id":6,"method":"ping"},{"id":7},1]"#)
        await Self.run(dispatcher, #"{oops"#)
        #expect(recorder.calls.withLock { $0 } == [
            .init(method: "ping", code: nil),
            .init(method: "ping", code: nil),
            .init(method: "ping", code: -32602),
            .init(method: "fails", code: -32042),
            .init(method: "slow", code: nil),
            .init(method: "unknown", code: -32601),
            .init(method: "ping", code: nil),
            .init(method: "invalid", code: -32600),
            .init(method: "invalid", code: -32600),
            .init(method: "invalid", code: -32700),
        ])
        // The task's time is its call's, from dispatch to answer.
        #expect(recorder.durations.withLock { $0[4] } >= .milliseconds(20))
    }

    @Test func withoutAnObserverNothingChanges() async throws {
        let dispatcher = RPCDispatcher(methods: [.inline("ping") { _, _ in "pong" }], mapError: { _, _ in .internalError })
        guard case .reply(let bytes) = dispatcher.handle(line: Array(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8)) else {
            Issue.record("no reply")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"jsonrpc":"2.0","id":1,"result":"pong"}"# + "\n")
    }
}
