import Foundation
import JSON
import JSONRPC
import TestSupport
import Testing

/// The JSON-RPC 2.0 semantics, driven through the dispatcher with no socket: every case of the spec's
/// examples section plus the daemon's own rules (field-named param errors, exact id echo, typed errors).
@Suite struct RPCDispatcherTests {
    struct DomainError: Error {}

    let dispatcher = RPCDispatcher(
        methods: [
            .inline("subtract", parameters: ["minuend", "subtrahend"]) { fields, _ in
                let minuend = try fields.required("minuend", expected: "an integer") { if case .number(let n) = $0 { n.int64 } else { nil } }
                let subtrahend = try fields.required("subtrahend", expected: "an integer") { if case .number(let n) = $0 { n.int64 } else { nil } }
                return .int(minuend - subtrahend)
            },
            .task("slowEcho", parameters: ["value"]) { fields, context in
                context.notify(method: "progress", params: ["done": 1])
                return fields.object["value"] ?? .null
            },
            .inline("fails") { _, _ in throw DomainError() },
            .inline("update", parameters: ["a", "b", "c", "d", "e"]) { _, _ in .null },
        ],
        mapError: { _, method in RPCError(code: -32042, message: "mapped from \(method)") })

    private func reply(_ line: String) async -> String? {
        switch dispatcher.handle(line: Array(line.utf8)) {
        case .none: return nil
        case .reply(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .pending(let work): return await work().map { String(decoding: $0, as: UTF8.self) }
        }
    }

    private func replyJSON(_ line: String) async throws -> JSON {
        let text = try #require(await reply(line))
        #expect(text.hasSuffix("\n"))
        return try JSONParser.parse(text)
    }

    @Test func positionalAndNamedParams() async throws {
        #expect(try await replyJSON(#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#)
            == ["jsonrpc": "2.0", "id": 1, "result": 19])
        #expect(try await replyJSON(#"{"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":23,"minuend":42},"id":3}"#)["result"] == 19)
    }

    @Test func idsAreEchoedExactly() async throws {
        #expect(await reply(#"{"jsonrpc":"2.0","method":"subtract","params":[1,1],"id":1.0}"#)?.contains(#""id":1.0,"#) == true)
        #expect(await reply(#"{"jsonrpc":"2.0","method":"subtract","params":[1,1],"id":18446744073709551616}"#)?
            .contains(#""id":18446744073709551616,"#) == true)
        #expect(try await replyJSON(#"{"jsonrpc":"2.0","method":"subtract","params":[1,1],"id":"abc"}"#)["id"] == "abc")
        #expect(try await replyJSON(#"{"jsonrpc":"2.0","method":"subtract","params":[1,1],"id":null}"#)["id"] == nil as JSON)
    }

    @Test func notificationsGetNoReplyEvenWhenTheyFail() async {
        #expect(await reply(#"{"jsonrpc":"2.0","method":"subtract","params":[1,2]}"#) == nil)
        #expect(await reply(#"{"jsonrpc":"2.0","method":"nope"}"#) == nil)
        #expect(await reply(#"{"jsonrpc":"2.0","method":"subtract","params":["x"]}"#) == nil)
        #expect(await reply(#"{"jsonrpc":"2.0","method":"slowEcho","params":[1]}"#) == nil)
    }

    @Test func unknownMethod() async throws {
        let reply = try await replyJSON(#"{"jsonrpc":"2.0","method":"foobar","id":"1"}"#)
        #expect(reply["error"]?["code"] == .int(-32601))
        #expect(reply["id"] == "1")
    }

    @Test func invalidJSONIsAParseErrorWithNullID() async throws {
        let reply = try await replyJSON(#"{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]"#)
        #expect(reply["error"]?["code"] == .int(-32700))
        #expect(reply["id"] == nil as JSON)
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","method":1,"params":"bar"}"#,
        #"{"jsonrpc":"1.0","method":"subtract","id":1}"#,
        #"{"method":"subtract","id":1}"#,
        #"{"jsonrpc":"2.0","method":"subtract","params":"bar","id":1}"#,
        #"{"jsonrpc":"2.0","method":"subtract","id":{"a":1}}"#,
        #"{"jsonrpc":"2.0","method":"subtract","id":[1]}"#,
        #"{"jsonrpc":"2.0","method":"subtract","id":true}"#,
        #"{"jsonrpc":"2.0","method":"subtract","param":[1,2],"id":1}"#,
        #"1"#,
        #""request""#,
    ])
    func invalidRequestShapes(_ line: String) async throws {
        let reply = try await replyJSON(line)
        #expect(reply["error"]?["code"] == .int(-32600), "\(line)")
    }

    @Test func aBrokenRequestWithAReadableIDIsAnsweredWithThatID() async throws {
        #expect(try await replyJSON(#"{"jsonrpc":"1.0","method":"subtract","id":7}"#)["id"] == 7)
    }

    @Test func emptyBatchIsASingleInvalidRequest() async throws {
        let reply = try await replyJSON("[]")
        #expect(reply["error"]?["code"] == .int(-32600))
        #expect(reply["id"] == nil as JSON)
    }

    @Test func batchOfInvalidElementsAnswersEach() async throws {
        let reply = try await replyJSON("[1,2,3]")
        guard case .array(let replies) = reply else { Issue.record("expected an array"); return }
        #expect(replies.count == 3)
        #expect(replies.allSatisfy { $0["error"]?["code"] == .int(-32600) && $0["id"] == nil as JSON })
    }

    @Test func mixedBatchAnswersInOrderAndSkipsNotifications() async throws {
        let line = """
            [{"jsonrpc":"2.0","method":"subtract","params":[5,1],"id":"1"},
             {"jsonrpc":"2.0","method":"subtract","params":[7]},
             {"jsonrpc":"2.0","method":"slowEcho","params":["x"],"id":"2"},
             {"foo":"boo"},
             {"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},
             {"jsonrpc":"2.0","method":"subtract","params":[9,4],"id":"9"}]
            """.replacingOccurrences(of: "\n", with: "")
        let reply = try await replyJSON(line)
        guard case .array(let replies) = reply else { Issue.record("expected an array"); return }
        #expect(replies.map { $0["id"] } == ["1", "2", nil as JSON, "5", "9"])
        #expect(replies[0]["result"] == 4)
        #expect(replies[1]["result"] == "x")
        #expect(replies[2]["error"]?["code"] == JSON.int(-32600))
        #expect(replies[3]["error"]?["code"] == JSON.int(-32601))
        #expect(replies[4]["result"] == 5)
    }

    @Test func allNotificationBatchGetsNothing() async {
        #expect(await reply(#"[{"jsonrpc":"2.0","method":"subtract","params":[1,2]},{"jsonrpc":"2.0","method":"slowEcho"}]"#) == nil)
    }

    @Test func invalidParamsNameTheField() async throws {
        let missing = try await replyJSON(#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1},"id":1}"#)
        #expect(missing["error"]?["code"] == .int(-32602))
        #expect(missing["error"]?["data"]?["field"] == "subtrahend")

        let unknown = try await replyJSON(#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1,"subtrahend":2,"extra":3},"id":1}"#)
        #expect(unknown["error"]?["data"]?["field"] == "extra")

        let wrongType = try await replyJSON(#"{"jsonrpc":"2.0","method":"subtract","params":[1,"two"],"id":1}"#)
        #expect(wrongType["error"]?["data"]?["field"] == "subtrahend")
        #expect(wrongType["error"]?["data"]?["reason"] == "expected an integer, got a string")

        let tooMany = try await replyJSON(#"{"jsonrpc":"2.0","method":"subtract","params":[1,2,3],"id":1}"#)
        #expect(tooMany["error"]?["data"]?["field"] == "params[2]")
    }

    @Test func domainErrorsGoThroughTheMapping() async throws {
        let reply = try await replyJSON(#"{"jsonrpc":"2.0","method":"fails","id":1}"#)
        #expect(reply["error"] == ["code": -32042, "message": "mapped from fails"])
    }

    @Test func blankLinesAreIgnored() async {
        #expect(await reply("   \r") == nil)
    }

    @Test func taskMethodsCanNotifyTheCallerBeforeReplying() async throws {
        let notes = Recorder<String>()
        let result = dispatcher.handle(line: Array(#"{"jsonrpc":"2.0","method":"slowEcho","params":[1],"id":1}"#.utf8)) { method, _ in
            notes.append(method)
        }
        guard case .pending(let work) = result else { Issue.record("expected pending"); return }
        _ = await work()
        #expect(notes.all == ["progress"])
    }

    @Test func everyCallOfALineSeesItsPeer() async throws {
        let peer = PeerCredentials(uid: 501, gid: 20, pid: 4242)
        let dispatcher = RPCDispatcher(
            methods: [
                .inline("now") { _, context in .int(Int(context.peer?.pid ?? -1)) },
                .task("later") { _, context in .int(Int(context.peer?.uid ?? 0)) },
            ],
            mapError: { _, _ in .internalError })
        let line = #"[{"jsonrpc":"2.0","id":1,"method":"now"},{"jsonrpc":"2.0","id":2,"method":"later"}]"#
        guard case .pending(let work) = dispatcher.handle(line: Array(line.utf8), peer: peer) else {
            Issue.record("expected pending")
            return
        }
        let reply = try JSONParser.parse(try #require(await work()))
        #expect(reply == [["jsonrpc": "2.0", "id": 1, "result": 4242], ["jsonrpc": "2.0", "id": 2, "result": 501]])
        guard case .reply(let bytes) = dispatcher.handle(line: Array(#"{"jsonrpc":"2.0","id":3,"method":"now"}"#.utf8)) else {
            Issue.record("expected a reply")
            return
        }
        #expect(try JSONParser.parse(bytes)["result"] == -1, "no peer when the caller gives none")
    }

    /// The server cancels the task of a call whose connection went away; what the method throws then is
    /// not the daemon's failure, so it does not reach the error mapping (which logs unexpected errors).
    @Test func aCancelledCallsErrorIsNotMapped() async throws {
        let mapped = Recorder<String>()
        let (started, starting) = AsyncStream<Void>.makeStream()
        let dispatcher = RPCDispatcher(
            methods: [
                .task("hang") { _, _ in
                    starting.yield()
                    try await Task.sleep(for: .seconds(3600))
                    return .null
                }
            ],
            mapError: { _, method in
                mapped.append(method)
                return RPCError(code: -32042, message: "mapped")
            })
        guard case .pending(let work) = dispatcher.handle(line: Array(#"{"jsonrpc":"2.0","id":1,"method":"hang"}"#.utf8)) else {
            Issue.record("expected pending")
            return
        }
        let call = Task { await work() }
        for await _ in started { break }
        call.cancel()
        let reply = try JSONParser.parse(try #require(await call.value))
        #expect(reply["error"]?["code"] == .int(RPCError.internalErrorCode))
        #expect(mapped.all == [])
    }
}
