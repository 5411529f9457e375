import Foundation
import GRDB
import MetricsCore

/// The facts `health` reports about the database.
extension MetricsStore {
    public struct HealthFacts: Sendable, Equatable {
        /// On disk: the database's pages plus its write-ahead log, which between checkpoints can be the
        /// larger part (a big import lands there first).
        public var sizeBytes: Int64
        public var accountsByStatus: [AccountStatus: Int]
        public var lastRun: RefreshRunInfo?
    }

    public func healthFacts() throws -> HealthFacts {
        try pool.read { db in
            let pageCount = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            var byStatus: [AccountStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM accounts GROUP BY status") {
                if let status = AccountStatus(rawValue: row[0]) {
                    byStatus[status] = row[1]
                }
            }
            let lastRun = try Self.runs(db, limit: 1).first
            return HealthFacts(sizeBytes: pageCount * pageSize + walBytes(), accountsByStatus: byStatus, lastRun: lastRun)
        }
    }

    private func walBytes() -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "-wal")
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The newest runs first.
    public func listRuns(limit: Int) throws -> [RefreshRunInfo] {
        try pool.read { db in try Self.runs(db, limit: limit) }
    }

    public func run(id: Int64) throws -> RefreshRunInfo? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "\(Self.runColumns) WHERE id = ?", arguments: [id]).map(Self.runInfo)
        }
    }

    static let runColumns = "SELECT id, trigger, scope, status, started_at, finished_at, summary FROM refresh_runs"

    static func runs(_ db: Database, limit: Int) throws -> [RefreshRunInfo] {
        try Row.fetchAll(db, sql: "\(runColumns) ORDER BY id DESC LIMIT ?", arguments: [limit]).map(runInfo)
    }

    static func runInfo(_ row: Row) -> RefreshRunInfo {
        RefreshRunInfo(
            id: row[0], trigger: RefreshTrigger(rawValue: row[1]) ?? .rpc, scope: row[2],
            status: RefreshRunStatus(rawValue: row[3]) ?? .failed, startedAt: Timestamp(milliseconds: row[4]),
            finishedAt: (row[5] as Int64?).map(Timestamp.init(milliseconds:)), summary: row[6])
    }
}
