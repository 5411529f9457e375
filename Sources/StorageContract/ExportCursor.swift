import MetricsCore

/// Where an export page ends: (post key, time or day) of its last row, opaque to the caller. Shared (`package`) with
/// the PostgreSQL store.
package struct ExportCursor {
    package var postKey: Int64
    package var position: Int64

    package init(postKey: Int64, position: Int64) {
        self.postKey = postKey
        self.position = position
    }

    package static func token(_ text: String) -> String {
        "x" + text
    }

    package static func parse(_ token: String) throws -> ExportCursor {
        let parts = token.dropFirst().split(separator: ":")
        guard token.hasPrefix("x"), parts.count == 2, let key = Int64(parts[0]), let position = Int64(parts[1]) else {
            throw StoreError(.notFound(.cursor, id: token), input: .cursor, message: "not a cursor returned by export")
        }
        return ExportCursor(postKey: key, position: position)
    }
}
