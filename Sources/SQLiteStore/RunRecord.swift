import GRDB
import MetricsCore
import StorageContract

/// A row of `refresh_runs`.
struct RunRecord: Codable, FetchableRecord, TableRecord, Sendable {
    static let databaseTableName = "refresh_runs"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    var id: Int64
    var trigger: RefreshTrigger
    var scope: String
    var status: RefreshRunStatus
    var startedAt: Timestamp
    var finishedAt: Timestamp?
    var summary: String?

    enum Columns {
        static let id = Column("id")
    }

    var info: RefreshRunInfo {
        RefreshRunInfo(id: id, trigger: trigger, scope: scope, status: status, startedAt: startedAt, finishedAt: finishedAt, summary: summary)
    }

    static func newest(_ db: Database, limit: Int) throws -> [RefreshRunInfo] {
        try RunRecord.order(Columns.id.desc).limit(limit).fetchAll(db).map(\.info)
    }
}
