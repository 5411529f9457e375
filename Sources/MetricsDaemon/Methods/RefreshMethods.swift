import JSON
import JSONRPC
import MetricsCore
import RefreshEngine
import StorageContract

/// `refreshAll`, `refreshWorkspace`, `runStatus`, `listRuns`, `syncPosts`: the refresh on demand.
enum RefreshMethods {
    static func all(engine: RefreshEngine, store: any MetricsStorage, health: HealthMonitor, access: AccessControl) -> [RPCMethod] {
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
                // A caller limited to some workspaces refreshes those: the same run whoever else asks for them.
                let workspaces = access.caller("refreshAll", context).workspaces
                let scope: RefreshScope = workspaces.map { .workspaces($0, platforms: platforms, dueOnly: dueOnly) }
                    ?? .all(platforms: platforms, dueOnly: dueOnly)
                return try await refresh(scope, fields: fields, context: context, engine: engine, health: health)
            },

            .task("refreshWorkspace", parameters: ["workspaceId", "wait", "progress", "dueOnly"]) { fields, context in
                let workspaceId = try WireFormat.id(fields, "workspaceId")
                try access.caller("refreshWorkspace", context).require(workspace: workspaceId)
                // An unknown workspace is -32001 before a run exists.
                guard try await store.workspace(id: workspaceId) != nil else {
                    throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
                }
                let dueOnly = try fields.optionalBool("dueOnly") ?? false
                return try await refresh(
                    .workspace(workspaceId, dueOnly: dueOnly), fields: fields, context: context, engine: engine, health: health)
            },

            ReadRoute<Int64, (runId: Int64, run: RefreshRunInfo?)>(
                "runStatus", parameters: ["runId"], access: access,
                parse: { fields, _ in
                    try fields.required("runId", expected: "a run id (positive integer)") { json -> Int64? in
                        if case .number(let number) = json, let value = number.int64, value > 0 { value } else { nil }
                    }
                },
                fetchNow: { reads, runId, _ in (runId, try reads.run(id: runId)) },
                fetch: { store, runId, _ in (runId, try await store.run(id: runId)) },
                render: { answer, caller in try visible(answer.run, of: answer.runId, to: caller) }
            ).method(store: store),

            ReadRoute<Int, [JSON]>(
                "listRuns", parameters: ["limit"], access: access,
                parse: { fields, _ in Int(try fields.optionalInt("limit", in: 1...1000) ?? 20) },
                fetchNow: { reads, limit, caller in
                    var pages = RunPages(limit: limit, caller: caller)
                    while let (size, before) = pages.next { try pages.take(try reads.listRuns(limit: size, before: before)) }
                    return pages.runs
                },
                fetch: { store, limit, caller in
                    var pages = RunPages(limit: limit, caller: caller)
                    while let (size, before) = pages.next { try pages.take(try await store.listRuns(limit: size, before: before)) }
                    return pages.runs
                },
                render: { runs, _ in ["runs": .array(runs)] }
            ).method(store: store),

            .task("syncPosts", parameters: ["accountId"]) { fields, context in
                let accountId = try WireFormat.id(fields, "accountId")
                try await access.caller("syncPosts", context).requireVisible(account: accountId, store: store)
                let result = try await engine.syncPosts(accountId: accountId)
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

    /// A run for `runStatus`: -32001 when absent, or not the caller's to see (as if absent).
    private static func visible(_ run: RefreshRunInfo?, of runId: Int64, to caller: Caller) throws -> JSON {
        guard let run, case let rendered = try WireFormat.run(run), caller.canSee(runScope: rendered["scope"] ?? .null) else {
            throw StoreError.notFound(.run, id: String(runId), input: .runId)
        }
        return rendered
    }

    /// `listRuns`' walk: newest first; a limited caller's runs are found among everyone's, a page at a time.
    struct RunPages {
        let limit: Int
        let caller: Caller
        private(set) var runs: [JSON] = []
        private var before: Int64?
        private var exhausted = false

        init(limit: Int, caller: Caller) {
            self.limit = limit
            self.caller = caller
        }

        private var pageSize: Int { caller.seesAll ? limit : 200 }

        /// The next page to read (its size, and the id it starts below); nil when done.
        var next: (Int, Int64?)? { runs.count < limit && !exhausted ? (pageSize, before) : nil }

        mutating func take(_ page: [RefreshRunInfo]) throws {
            for run in page {
                let rendered = try WireFormat.run(run)
                if caller.canSee(runScope: rendered["scope"] ?? .null), runs.count < limit { runs.append(rendered) }
            }
            before = page.last?.id
            exhausted = page.count < pageSize
        }
    }
}
