import JSON
import MetricsCore

/// How a report reads on the wire and in the run record: rendered straight to the one JSON writer, in the
/// original cron endpoint's key order (ok, runId, message, summary, details). Nothing here can fail.
extension RefreshReport {
    public var json: JSON {
        [
            "ok": .bool(ok),
            "runId": .int(runId),
            "message": .string(message),
            "summary": summary.json,
            "details": .array(details.map(\.json)),
        ]
    }
}

extension RefreshReport.Summary {
    var json: JSON {
        [
            "totalPostsProcessed": .int(totalPostsProcessed),
            "totalMetricsUpdated": .int(totalMetricsUpdated),
            "totalErrors": .int(totalErrors),
            "totalSkipped": .int(totalSkipped),
            "totalWithoutData": .int(totalWithoutData),
            // Every platform, in one fixed order, also those the run did not touch.
            "byPlatform": .object(JSONObject(members: Platform.allCases.map { platform in
                JSONObject.Member(key: platform.rawValue, value: (byPlatform[platform.rawValue] ?? RefreshReport.Tally()).json)
            })),
        ]
    }
}

extension RefreshReport.Tally {
    var json: JSON {
        [
            "processed": .int(processed), "updated": .int(updated), "errors": .int(errors), "skipped": .int(skipped),
            "withoutData": .int(withoutData),
        ]
    }
}

extension RefreshReport.Detail {
    var json: JSON {
        [
            "platform": .string(platform.rawValue),
            "workspaceId": .string(workspaceId),
            "accountId": .string(accountId),
            "postsProcessed": .int(postsProcessed),
            "metricsUpdated": .int(metricsUpdated),
            "postsSkipped": .int(postsSkipped),
            "postsWithoutData": .int(postsWithoutData),
            "errors": .array(errors.map(JSON.string)),
            "errorCount": .int(errorCount),
        ]
    }
}

extension RefreshReport.Detail {
    /// Read back from `json`: a shared run's accounts are refreshed by several daemons, each leaving its entry in
    /// the database for the one that writes the report.
    init(json: JSON) throws(UnreadableDetail) {
        func string(_ key: String) throws(UnreadableDetail) -> String {
            guard case .string(let value)? = json[key] else { throw UnreadableDetail(key: key) }
            return value
        }
        func int(_ key: String) throws(UnreadableDetail) -> Int {
            guard case .number(let number)? = json[key], let value = number.int64.flatMap({ Int(exactly: $0) }) else {
                throw UnreadableDetail(key: key)
            }
            return value
        }
        guard let platform = Platform(rawValue: try string("platform")), case .array(let lines)? = json["errors"] else {
            throw UnreadableDetail(key: json["errors"] == nil ? "errors" : "platform")
        }
        let errors = try lines.map { line throws(UnreadableDetail) in
            guard case .string(let text) = line else { throw UnreadableDetail(key: "errors") }
            return text
        }
        self.init(
            platform: platform, workspaceId: try string("workspaceId"), accountId: try string("accountId"),
            postsProcessed: try int("postsProcessed"), metricsUpdated: try int("metricsUpdated"), postsSkipped: try int("postsSkipped"),
            postsWithoutData: try int("postsWithoutData"), errors: errors, errorCount: try int("errorCount"))
    }

    struct UnreadableDetail: Error, CustomStringConvertible {
        var key: String
        var description: String { "a shared run's report entry has no readable \(key)" }
    }
}
