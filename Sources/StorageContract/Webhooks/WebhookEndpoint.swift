import MetricsCore

/// A webhook endpoint as stored: where events go, which ones, and how far delivery got. Its signing secret is not
/// part of it (`WebhookStorage.webhookSecret`), so nothing that lists endpoints can leak one.
public struct WebhookEndpoint: Sendable, Equatable {
    public var id: String
    public var url: String
    /// The event types delivered; nil: every type.
    public var types: Set<EventType>?
    /// The workspace whose events are delivered; nil: every event, those of no workspace (runs) included.
    public var workspaceId: String?
    public var enabled: Bool
    /// Why delivery stopped (`410 Gone`, the last retry failed), while disabled.
    public var disabledReason: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Counts the endpoint's upserts (a rotated secret included): the deliverer restarts an endpoint's loop when it
    /// moves, and a loop's writes are refused once it has (`WebhookStorage.recordWebhookAttempt`).
    public var version: Int64
    /// The next seq to deliver: every event before it was delivered, filtered out, or lost to retention (a `gap`
    /// record says so). A new endpoint starts one past the last committed seq.
    public var position: Int64

    public init(
        id: String, url: String, types: Set<EventType>?, workspaceId: String?, enabled: Bool, disabledReason: String?,
        createdAt: Timestamp, updatedAt: Timestamp, version: Int64, position: Int64
    ) {
        self.id = id
        self.url = url
        self.types = types
        self.workspaceId = workspaceId
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
        self.position = position
    }

    /// The events this endpoint receives.
    public var filter: EventFilter {
        EventFilter(types: types, workspaceIds: workspaceId.map { [$0] })
    }
}

/// What `upsertWebhook` asks the store to keep.
public struct WebhookRegistration: Sendable, Equatable {
    public var id: String
    public var url: String
    public var types: Set<EventType>?
    public var workspaceId: String?

    public init(id: String, url: String, types: Set<EventType>?, workspaceId: String?) {
        self.id = id
        self.url = url
        self.types = types
        self.workspaceId = workspaceId
    }
}

extension WebhookEndpoint {
    /// Types as stored: sorted names joined by commas; nil for every type.
    package static func storedTypes(_ types: Set<EventType>?) -> String? {
        types.map { $0.map(\.rawValue).sorted().joined(separator: ",") }
    }

    /// Types from their stored form (unknown names, from a newer daemon, are skipped).
    package static func types(stored: String?) -> Set<EventType>? {
        stored.map { Set($0.split(separator: ",").compactMap { EventType(rawValue: String($0)) }) }
    }
}
