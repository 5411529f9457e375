import GRDB
import MetricsCore
import StorageContract

/// Metrics a platform refused (code 100) for a media type, remembered so later runs do not ask and pay again.
extension SQLiteStore {
    /// Metrics learned to be retired, by platform and media type ("" for platforms without types).
    public func retiredMetrics() async throws -> [Platform: [String: Set<String>]] {
        try await pool.read { db in
            var result: [Platform: [String: Set<String>]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT platform, media_type, metric FROM retired_metrics") {
                let platform: Platform = try row.decode(atIndex: 0)
                result[platform, default: [:]][try row.decode(atIndex: 1), default: []].insert(try row.decode(atIndex: 2))
            }
            return result
        }
    }

    public func rememberRetiredMetrics(platform: Platform, mediaType: String, metrics: [String]) async throws {
        let now = clock.now.milliseconds
        try await pool.write { db in
            for metric in metrics {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO retired_metrics (platform, media_type, metric, learned_at) VALUES (?, ?, ?, ?)",
                    arguments: [platform.rawValue, mediaType, metric, now])
            }
        }
    }
}
