import MetricsCore

/// Why the store refused a write or a read, in the store's own terms: which input, and in a call with many items,
/// which item by its position. The method layer, which knows the request's shape, turns that into a param path
/// (`posts[3].accountId`), and the daemon's boundary into a JSON-RPC error.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A referenced workspace, account, post or run does not exist, or a cursor the store never issued.
        case notFound(Entity, id: String)
        /// The write contradicts what is stored (e.g. an external post id already registered to another post,
        /// or a media type the stored account's platform does not have).
        case conflict
        /// The value is well-formed but not one the store can use (a time zone the time-zone database lacks); the
        /// method layer checks params first, so this reaches a caller only through a layer that does not.
        case invalid
    }

    public enum Entity: String, Sendable {
        case workspace, account, post, run, cursor, webhook
    }

    /// The input the error is about, by the name the store's methods give it.
    public enum Input: String, Sendable {
        case workspaceId, accountId, postId, runId, platform, externalAccountId, externalPostId, mediaProductType, cursor, timeZone
        case webhookId = "id"
    }

    public var kind: Kind
    public var input: Input
    /// In a call with many items (posts, snapshots, post ids): the position of the one refused.
    public var index: Int?
    public var message: String

    public init(_ kind: Kind, input: Input, index: Int? = nil, message: String) {
        self.kind = kind
        self.input = input
        self.index = index
        self.message = message
    }

    public static func notFound(_ entity: Entity, id: String, input: Input, index: Int? = nil) -> StoreError {
        StoreError(.notFound(entity, id: id), input: input, index: index, message: "unknown \(entity.rawValue) \"\(id)\"")
    }

    public var description: String {
        let item = index.map { "item \($0): " } ?? ""
        return "\(item)\(input.rawValue): \(message)"
    }
}

/// The database cannot serve at all for now (unreachable, locked past the busy timeout, full, read-only): -32003
/// at the boundary and `health` failing, never a crash. A network backend throws it for connection failures and
/// keeps reconnecting behind it.
public struct StorageUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// Short, safe to show a caller: no password, no SQL.
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "storage unavailable: \(reason)" }
}

/// A backend's own error that can say the database is unavailable (SQLite's busy, full, I/O and read-only codes):
/// the backend conforms it, so its driver's error types stay inside its own module.
public protocol UnavailabilityExplaining: Error {
    /// A short reason the caller may be shown, or nil when this error is about the request, not the database.
    var unavailabilityReason: String? { get }
}

extension StorageUnavailable {
    /// When `error` means the database itself cannot serve (`StorageUnavailable` from any backend, or a backend's
    /// error that explains itself so), a short reason the caller may be shown; nil for anything else.
    public static func reason(of error: any Error) -> String? {
        if let unavailable = error as? StorageUnavailable { return unavailable.reason }
        return (error as? any UnavailabilityExplaining)?.unavailabilityReason
    }
}
