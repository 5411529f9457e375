import Foundation
import JSON
import JSONRPC
import Logging
import MetricsCore
@testable import MetricsDaemon
import PlatformClients
import RefreshEngine
import StorageContract
import Testing

/// The methods behind the socket, driven through `MetricsDaemon.dispatcher` with no socket: where a store error
/// about one item of a bulk call lands in the request, which only the method layer can tell.
@Suite struct MethodDispatchTests {
    private func withDispatcher(_ body: (RPCDispatcher) async throws -> Void) async throws {
        try await DispatcherFixture.with { dispatcher, _, _ in try await body(dispatcher) }
    }

    private func call(_ dispatcher: RPCDispatcher, _ method: String, _ params: JSON) async throws -> Result<JSON, RPCError> {
        let line = JSONWriter.serialize(["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": params])
        let bytes: [UInt8]?
        switch dispatcher.handle(line: line) {
        case .none: bytes = nil
        case .reply(let reply): bytes = reply
        case .pending(let work): bytes = await work()
        }
        let reply = try JSONParser.parse(try #require(bytes))
        if let result = reply["result"] { return .success(result) }
        let error = try #require(reply["error"])
        guard case .number(let code)? = error["code"], case .string(let message)? = error["message"] else {
            throw TestFailure("malformed error \(error)")
        }
        return .failure(RPCError(code: Int(code.int64 ?? 0), message: message, data: error["data"]))
    }

    private func registered(_ dispatcher: RPCDispatcher) async throws {
        _ = try await call(dispatcher, "upsertWorkspace", ["id": "w1", "name": "Studio"]).get()
        _ = try await call(dispatcher, "upsertAccount", [
            "id": "ig1", "workspaceId": "w1", "platform": "instagram", "externalAccountId": "178", "accessToken": "t",
        ]).get()
        _ = try await call(dispatcher, "upsertPosts", ["posts": [
            ["id": "p0", "accountId": "ig1", "externalPostId": "x0", "postedAt": "2026-11-20T10:00:00Z"],
        ]]).get()
    }

    private func expectNotFound(_ outcome: Result<JSON, RPCError>, field: String, id: String) {
        guard case .failure(let error) = outcome else {
            Issue.record("expected -32001 at \(field), got \(outcome)")
            return
        }
        #expect(error.code == -32001)
        #expect(error.data?["field"] == .string(field))
        #expect(error.data?["id"] == .string(id))
    }

    @Test func aBadItemOfABulkCallIsNamedByItsPathInTheRequest() async throws {
        try await withDispatcher { dispatcher in
            try await registered(dispatcher)
            expectNotFound(
                try await call(dispatcher, "upsertPosts", ["posts": [
                    ["id": "p1", "accountId": "ig1", "postedAt": "2026-11-20T10:00:00Z"],
                    ["id": "p2", "accountId": "ghost", "postedAt": "2026-11-20T10:00:00Z"],
                ]]),
                field: "posts[1].accountId", id: "ghost")
            expectNotFound(try await call(dispatcher, "latestMetrics", ["postIds": ["p0", "nope"]]), field: "postIds[1]", id: "nope")
            expectNotFound(
                try await call(dispatcher, "importMetrics", ["snapshots": [
                    ["postId": "p0", "capturedAt": "2026-11-21T00:00:00Z", "views": 1],
                    ["postId": "p0", "capturedAt": "2026-11-22T00:00:00Z", "views": 2],
                    ["postId": "lost", "capturedAt": "2026-11-22T00:00:00Z", "views": 2],
                ]]),
                field: "snapshots[2].postId", id: "lost")
        }
    }

    @Test func aLoneInputIsNamedByItsParam() async throws {
        try await withDispatcher { dispatcher in
            try await registered(dispatcher)
            expectNotFound(try await call(dispatcher, "history", ["postId": "ghost"]), field: "postId", id: "ghost")
            expectNotFound(try await call(dispatcher, "listPosts", ["workspaceId": "w9"]), field: "workspaceId", id: "w9")
            expectNotFound(try await call(dispatcher, "runStatus", ["runId": 42]), field: "runId", id: "42")
            expectNotFound(try await call(dispatcher, "refreshWorkspace", ["workspaceId": "w9"]), field: "workspaceId", id: "w9")
            guard case .failure(let conflict) = try await call(dispatcher, "upsertAccount", [
                "id": "ig1", "workspaceId": "w1", "platform": "tiktok", "externalAccountId": "178", "accessToken": "t",
            ]) else {
                Issue.record("moving an account to another platform was accepted")
                return
            }
            #expect(conflict.code == -32002)
            #expect(conflict.data?["field"] == "platform")
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
