import GRDB
import StorageContract

/// SQLite's codes that mean the database cannot serve for now: -32003 and `health` failing, not an internal error.
extension DatabaseError: UnavailabilityExplaining, DescribedFailure {
    public var unavailabilityReason: String? {
        switch resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: "database is locked"
        case .SQLITE_FULL: "disk is full"
        case .SQLITE_IOERR: "disk I/O error"
        case .SQLITE_READONLY: "database is read-only"
        case .SQLITE_CANTOPEN: "database cannot be opened"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: "database is corrupt"
        default: nil
        }
    }

    /// SQLite's code and message, without the statement GRDB's own description appends.
    public var sentence: String {
        unavailabilityReason ?? "database error \(extendedResultCode.rawValue): \(message ?? "no message")"
    }
}
