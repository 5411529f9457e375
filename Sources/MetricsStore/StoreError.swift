import MetricsCore

/// Why the store refused a write or a read. The daemon maps these to JSON-RPC errors at its boundary.
///
/// `field` is where the bad value sits in the caller's request (`posts[3].accountId`), because the store
/// is the layer that finds out (inside the transaction) and the caller's shape is what the user sees.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A referenced workspace, account or post does not exist.
        case notFound(entity: String, id: String)
        /// The write contradicts what is stored (e.g. an external post id already registered to another post).
        case conflict
        /// The value is well-formed but not acceptable here (e.g. a media type the platform does not have).
        case invalid
    }

    public var kind: Kind
    public var field: String
    public var message: String

    public init(_ kind: Kind, field: String, message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    public static func notFound(_ entity: String, id: String, field: String) -> StoreError {
        StoreError(.notFound(entity: entity, id: id), field: field, message: "unknown \(entity) \"\(id)\"")
    }

    public var description: String { "\(field): \(message)" }
}

import GRDB

extension MetricsStore {
    /// When `error` means the database itself cannot serve (locked past the busy timeout, disk full, I/O
    /// failure, read-only), a short reason the caller may show; nil for anything else. Keeps GRDB's error
    /// types inside this layer.
    public static func unavailability(of error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "database is locked"
        case .SQLITE_FULL: return "disk is full"
        case .SQLITE_IOERR: return "disk I/O error"
        case .SQLITE_READONLY: return "database is read-only"
        case .SQLITE_CANTOPEN: return "database cannot be opened"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return "database is corrupt"
        default: return nil
        }
    }
}
