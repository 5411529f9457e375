import GRDB
import StorageContract

extension PostCursor {
    /// The order both listings use, and the condition that starts a page after this cursor (alias `p` for posts).
    static let orderSQL = "ORDER BY p.posted_at DESC, p.id ASC"
    static let afterSQL = "(p.posted_at < ? OR (p.posted_at = ? AND p.id > ?))"
    var afterArguments: StatementArguments { [postedAt, postedAt, id] }
}
