import GRDB
import MetricsCore
import StorageContract

/// What discovery (`syncPosts`) needs to add only the posts metricsd does not know yet.
extension SQLiteStore {
    /// External post ids of an account already registered, so discovery only adds the new ones.
    public func knownExternalPostIds(accountId: String) async throws -> Set<String> {
        try await pool.read { db in
            Set(try String.fetchAll(
                db, sql: "SELECT external_post_id FROM posts WHERE account_id = ? AND external_post_id IS NOT NULL",
                arguments: [accountId]))
        }
    }
}
