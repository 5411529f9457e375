import GRDB
import MetricsCore
import StorageContract

/// Which workspace a post, an account or a run belongs to: what access control checks before letting a caller
/// limited to some workspaces touch it. Asked only for such callers; an unknown id answers nil.
extension SQLiteStore {
    public func workspaceIds(ofPosts postIds: [String]) throws -> [String?] {
        try pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT workspace_id FROM posts WHERE id = ?")
            return try postIds.map { try String.fetchOne(statement, arguments: [$0]) }
        }
    }

    public func workspaceId(ofAccount accountId: String) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT workspace_id FROM accounts WHERE id = ?", arguments: [accountId])
        }
    }
}
