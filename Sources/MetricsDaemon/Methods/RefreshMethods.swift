import JSONRPC
import MetricsCore
import MetricsStore
import RefreshEngine

/// `refreshAll`, `refreshWorkspace`, `runStatus`, `listRuns`, `syncPosts`: the refresh on demand.
enum RefreshMethods {
    static func all(engine: RefreshEngine, store: MetricsStore, health: HealthMonitor) -> [RPCMethod] {
        [
            .task("refreshAll", parameters: ["wait", "platforms", "progress", "dueOnly"]) { fields, context in
                var platforms: Set<Platform>?
                if let list = try fields.optionalArray("platforms", maxCount: Platform.allCases.count) {
                    platforms = []
                    for element in list {
                        guard case .string(let raw) = element.value, let platform = Platform(rawValue: raw) else {
                            throw RPCError.invalidParams(
                                field: element.path, reason: "expected one of \"instagram\", \"tiktok\", \"facebook\"")
                        }
                        platforms?.insert(platform)
                    }
                }
                let dueOnly = try fields.optionalBool("dueOnly") ?? false
                return try await refresh(
                    .all(platforms: platforms, dueOnly: dueOnly), fields: fields, context: context, engine: engine, health: health)
            },

            .task("refreshWorkspace", parameters: ["workspaceId", "wait", "progress", "dueOnly"]) { fields, context in
                let workspaceId = try WireFormat.id(fields, "workspaceId")
                // An unknown workspace is -32001 before a run exists.
                guard try await store.workspace(id: workspaceId) != nil else {
                    throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
                }
                let dueOnly = try fields.optionalBool("dueOnly") ?? false
                return try await refresh(
                    .workspace(workspaceId, dueOnly: dueOnly), fields: fields, context: context, engine: engine, health: health)
            },

            .inline("runStatus", parameters: ["runId"]) { fields, _ in
                let runId = try fields.required("runId", expected: "a run id (positive integer)") { json -> Int64? in
                    if case .number(let number) = json, let value = number.int64, value > 0 { value } else { nil }
                }
                guard let run = try store.run(id: runId) else {
                    throw StoreError.notFound(.run, id: String(runId), input: .runId)
                }
                return try WireFormat.run(run)
            },

            .inline("listRuns", parameters: ["limit"]) { fields, _ in
                let limit = Int(try fields.optionalInt("limit", in: 1...1000) ?? 20)
                return ["runs": .array(try store.listRuns(limit: limit).map { run throws(WireFormat.UnreadableRecord) in try WireFormat.run(run) })]
            },

            .task("syncPosts", parameters: ["accountId"]) { fields, _ in
                let result = try await engine.syncPosts(accountId: try WireFormat.id(fields, "accountId"))
                return ["discovered": .int(result.discovered), "registered": .int(result.registered)]
            },
        ]
    }

    /// Starts (or joins) the run; with `wait` (the default) answers with its report, sending progress
    /// notifications first when asked; without, answers at once with the run id.
    private static func refresh(
        _ scope: RefreshScope, fields: Fields, context: CallContext, engine: RefreshEngine, health: HealthMonitor
    ) async throws -> JSON {
        let wait = try fields.optionalBool("wait") ?? true
        let progress = try fields.optionalBool("progress") ?? false
        let handle = try await engine.start(scope, trigger: .rpc)
        let runId = try await handle.runId
        health.invalidate()
        guard wait else {
            return ["runId": .int(runId), "status": "running"]
        }
        if progress {
            handle.onProgress { update in
                context.notify(
                    method: "progress",
                    params: ["runId": .int(update.runId), "done": .int(update.done), "total": .int(update.total)])
            }
        }
        let report = try await handle.report()
        health.invalidate()
        return report.json
    }
}
