import Foundation

/// The opaque `cursor` of `listPosts` and of `latestMetrics` by workspace: the sort key of the last post of a
/// page (posted_at, id). Both list posts newest first by that key, so a cursor means the same to either.
///
/// Keyset paging, not OFFSET, so a page costs the same however deep it is and posts registered between two
/// calls neither repeat nor vanish. Base64url so it is a plain token to the caller. Shared (`package`) with the
/// PostgreSQL store, so a cursor is the same token whichever backend issued it.
package struct PostCursor: Equatable {
    package var postedAt: Int64
    package var id: String

    package var token: String {
        Data("\(postedAt):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    package init(postedAt: Int64, id: String) {
        self.postedAt = postedAt
        self.id = id
    }

    /// The cursor a caller sent, or an error naming its field. A token the store never issued is a reference
    /// to nothing, like an unknown run id: not found (-32001), not invalid params, since no schema can tell a
    /// client which strings are cursors.
    package static func parse(_ token: String) throws -> PostCursor {
        guard let cursor = PostCursor(token: token) else {
            throw StoreError(.notFound(.cursor, id: token), input: .cursor, message: "not a cursor returned by listPosts or latestMetrics")
        }
        return cursor
    }

    package init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":"), let postedAt = Int64(text[..<colon])
        else { return nil }
        self.postedAt = postedAt
        self.id = String(text[text.index(after: colon)...])
    }
}
