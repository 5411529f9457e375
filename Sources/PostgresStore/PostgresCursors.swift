import StorageContract

/// The listings' cursors: the SQLite store's own tokens (`PostCursor`, `ExportCursor`), so a cursor reads the same
/// whichever backend issued it, and the same order and page boundary in PostgreSQL terms.
enum PostgresCursors {
    /// Newest posted first, then by id (byte order: `id` is `COLLATE "C"`, as SQLite compares).
    static let orderSQL = "ORDER BY p.posted_at DESC, p.id ASC"

    /// The cursor a caller sent, or not-found naming the cursor. Ids never hold NUL (the schema refuses it, and
    /// PostgreSQL cannot store it), so a token that decodes to one was never issued.
    static func post(_ token: String) throws -> PostCursor {
        let cursor = try PostCursor.parse(token)
        guard !cursor.id.contains("\u{0}") else {
            throw StoreError(.notFound(.cursor, id: token), input: .cursor, message: "not a cursor returned by listPosts or latestMetrics")
        }
        return cursor
    }
}

extension PostgresStore {
    /// Starts a page after `cursor`: posted earlier, or at the same time with a greater id (alias `p` for posts).
    /// The redundant `posted_at <=` lets the index scan start at the cursor instead of filtering every earlier row:
    /// a deep page costs what the first one does.
    static func appendAfter(_ sql: inout SQLBuilder, _ cursor: PostCursor) throws {
        sql.append(
            " AND p.posted_at <= ? AND (p.posted_at < ? OR (p.posted_at = ? AND p.id > ?))",
            cursor.postedAt, cursor.postedAt, cursor.postedAt, cursor.id)
    }
}
