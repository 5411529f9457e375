import JSONRPC
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
