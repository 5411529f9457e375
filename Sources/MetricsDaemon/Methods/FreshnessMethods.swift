import JSON
import JSONRPC
import MetricsCore
import RefreshEngine
import StorageContract

/// `freshness`: how fresh each age band is, and where each platform and account stands against its hourly budget.
enum FreshnessMethods {
    static func all(store: any MetricsStorage, engine: RefreshEngine, access: AccessControl) -> [RPCMethod] {
        [
            // A task: it reads every post of the window (streamed, not held), which is an admin's question, not a
            // health check's.
            .task("freshness", parameters: ["workspaceId"]) { fields, context in
                let workspaceId = try fields.optionalString("workspaceId", maxLength: WireFormat.maximumIDLength)
                let caller = access.caller("freshness", context)
                if let workspaceId { try caller.require(workspace: workspaceId) }
                let configuration = engine.configuration
                var tally = tally(engine: engine)
                let now = tally.now
                let postedSince = configuration.window.oldestPostedAt(now: now)
                let accounts: [ScopedAccount]
                if workspaceId == nil, let limited = caller.workspaces {
                    // A caller limited to some workspaces sees theirs, added up.
                    for id in limited.sorted() where try await store.workspace(id: id) != nil {
                        try await store.tallyFreshness(into: &tally, workspaceId: id, postedSince: postedSince)
                    }
                    accounts = try await store.accountsInScope(workspaceIds: limited, platforms: nil)
                } else {
                    try await store.tallyFreshness(into: &tally, workspaceId: workspaceId, postedSince: postedSince)
                    accounts = try await store.accountsInScope(workspaceId: workspaceId, platforms: nil)
                }
                var platforms: [JSON] = []
                for platform in Platform.allCases {
                    platforms.append(standing(await engine.standing(platform: platform), ["platform": .string(platform.rawValue)]))
                }
                var accountStandings: [JSON] = []
                for account in accounts {
                    accountStandings.append(standing(
                        await engine.standing(accountId: account.accountId, platform: account.platform),
                        [
                            "accountId": .string(account.accountId), "workspaceId": .string(account.workspaceId),
                            "platform": .string(account.platform.rawValue),
                        ]))
                }
                return [
                    "at": .string(now.iso8601),
                    "cadence": .string(configuration.schedule.cadence.isFixed ? "fixed" : "ladder"),
                    "budgetShare": .number(JSONNumber(configuration.budget.share) ?? JSONNumber(0)),
                    "bands": .array(tally.bands.map(band)),
                    "platforms": .array(platforms),
                    "accounts": .array(accountStandings),
                ]
            },
        ]
    }

    /// Every post of the window (of one workspace, or all) added up at the engine's now: what `freshness` reports
    /// and the `metricsd_freshness_*` gauges show.
    /// An empty tally at the engine's now, on its schedule.
    private static func tally(engine: RefreshEngine) -> FreshnessTally {
        FreshnessTally(now: engine.clock.now, schedule: engine.configuration.schedule)
    }

    /// Every post of the window tallied (the metrics scrape's freshness gauges).
    static func tally(store: any MetricsStorage, engine: RefreshEngine, workspaceId: String?) async throws -> FreshnessTally {
        var tally = tally(engine: engine)
        try await store.tallyFreshness(
            into: &tally, workspaceId: workspaceId, postedSince: engine.configuration.window.oldestPostedAt(now: tally.now))
        return tally
    }

    private static func seconds(_ milliseconds: Int64) -> JSON {
        .int(milliseconds / 1000)
    }

    private static func band(_ band: FreshnessTally.Band) -> JSON {
        [
            "band": .string(band.band.name),
            "minimumAgeSeconds": seconds(band.band.minimumAge),
            "maximumAgeSeconds": seconds(band.band.maximumAge),
            "targetIntervalSeconds": seconds(band.band.interval),
            "posts": .int(band.posts),
            "due": .int(band.due),
            "overdue": .int(band.overdue),
            "failing": .int(band.failing),
            "paused": .int(band.paused),
            "neverRefreshed": .int(band.neverRefreshed),
            "stalenessSeconds": band.stalenessPercentiles.map { percentiles in
                ["p50": seconds(percentiles.p50), "p95": seconds(percentiles.p95), "p99": seconds(percentiles.p99)]
            } ?? .null,
        ]
    }

    private static func standing(_ standing: CallBudget.Standing, _ who: JSONObject) -> JSON {
        var object = who
        object.append("callsLastHour", .int(standing.callsLastHour))
        object.append("hourlyLimit", .int(standing.hourlyLimit))
        object.append("budget", .int(standing.budget))
        object.append("remaining", .int(standing.remaining))
        return .object(object)
    }
}
