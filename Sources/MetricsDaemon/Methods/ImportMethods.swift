import JSONRPC
import MetricsCore
import StorageContract

/// `importMetrics`: backfill history from an existing store (the studio's `studio_social_post_metrics`).
enum ImportMethods {
    static let maximumSnapshotsPerCall = 10_000

    static func all(store: any MetricsStorage, access: AccessControl) -> [RPCMethod] {
        [
            .task("importMetrics", parameters: ["snapshots"]) { fields, context in
                let snapshots = try parseSnapshots(fields)
                try await access.caller("importMetrics", context).requireVisible(
                    posts: snapshots.map(\.postId), store: store, parameter: ItemsParameter(name: "snapshots"))
                let result = try await ItemsParameter(name: "snapshots").locating { try await store.importSnapshots(snapshots) }
                return ["imported": .int(result.imported), "skipped": .int(result.skipped)]
            },
        ]
    }

    static func parseSnapshots(_ fields: Fields) throws(RPCError) -> [Snapshot] {
        var snapshots: [Snapshot] = []
        for snapshot in try fields.objects("snapshots", maxCount: maximumSnapshotsPerCall, allowEmpty: true) {
            try snapshot.rejectUnknown(allowed: ["postId", "capturedAt", "metadata"] + MetricValues.names)
            var values = MetricValues()
            for name in MetricValues.names {
                values[name] = try WireFormat.metricValue(snapshot, name)
            }
            let metadata = try snapshot.optional("metadata", expected: "an object") { json -> SnapshotMetadata? in
                guard case .object = json, case .object(let members)? = WireFormat.metadata(json) else { return nil }
                return members
            }
            snapshots.append(Snapshot(
                postId: try WireFormat.id(snapshot, "postId"),
                capturedAt: try WireFormat.timestamp(snapshot, "capturedAt"),
                values: values,
                metadata: metadata ?? [:]))
        }
        return snapshots
    }
}
