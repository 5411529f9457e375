import JSON
import MetricsCore

/// One entry of the event log, as read: rendered once, by the store that holds it.
///
/// `seq` increases in commit order with no gaps across the whole log (a filtered read sees an increasing
/// subsequence); `id` is stable for de-duplication (a webhook's `webhook-id`). `workspaceId` is nil for what spans
/// workspaces (a run): only callers limited to no workspace see those.
public struct Event: Sendable, Equatable {
    public var seq: Int64
    public var id: String
    public var type: EventType
    public var at: Timestamp
    public var workspaceId: String?
    /// The post the event is about, for subscriptions filtered by post (not on the wire: `data` names it).
    public var postId: String?
    public var data: JSON

    public init(seq: Int64, id: String, type: EventType, at: Timestamp, workspaceId: String?, postId: String?, data: JSON) {
        self.seq = seq
        self.id = id
        self.type = type
        self.at = at
        self.workspaceId = workspaceId
        self.postId = postId
        self.data = data
    }

    /// The event as the wire shows it (`events`, subscription notifications, webhook bodies carry the same fields).
    public var json: JSON {
        [
            "seq": .int(seq), "id": .string(id), "type": .string(type.rawValue), "at": .string(at.iso8601),
            "workspaceId": .string(workspaceId), "data": data,
        ]
    }
}

/// Which events a reader wants. Every part is an AND; nil means any.
public struct EventFilter: Sendable, Equatable {
    public var types: Set<EventType>?
    /// The workspaces whose events pass. nil: every event, those of no workspace included (a caller limited to
    /// no workspace); a set: only events of those workspaces (never one of no workspace).
    public var workspaceIds: Set<String>?
    public var postIds: Set<String>?

    public init(types: Set<EventType>? = nil, workspaceIds: Set<String>? = nil, postIds: Set<String>? = nil) {
        self.types = types
        self.workspaceIds = workspaceIds
        self.postIds = postIds
    }

    public static let everything = EventFilter()

    public func admits(_ event: Event) -> Bool {
        admits(type: event.type, workspaceId: event.workspaceId, postId: event.postId)
    }

    public func admits(type: EventType, workspaceId: String?, postId: String?) -> Bool {
        if let types, !types.contains(type) { return false }
        if let workspaceIds {
            guard let workspaceId, workspaceIds.contains(workspaceId) else { return false }
        }
        if let postIds {
            guard let postId, postIds.contains(postId) else { return false }
        }
        return true
    }
}

/// A page of the log: the events from the requested seq that pass the filter, and where the next page starts
/// (one past the last seq examined, filtered out or not, so a sparse filter still moves forward).
public struct EventPage: Sendable, Equatable {
    public var events: [Event]
    public var nextSeq: Int64

    public init(events: [Event], nextSeq: Int64) {
        self.events = events
        self.nextSeq = nextSeq
    }
}

/// What the log holds: `oldestSeq` is nil when it is empty; `lastSeq` is the last committed seq (0 before the first).
public struct EventLogBounds: Sendable, Equatable {
    public var oldestSeq: Int64?
    public var lastSeq: Int64

    public init(oldestSeq: Int64?, lastSeq: Int64) {
        self.oldestSeq = oldestSeq
        self.lastSeq = lastSeq
    }
}

extension EventLogBounds {
    /// Throws when events at or after `fromSeq` were deleted: a reader would otherwise miss them silently. Seqs have
    /// no gaps, so the log lost something before its oldest kept seq exactly when that is not 1.
    public func requireKept(_ fromSeq: Int64) throws(EventsExpired) {
        let oldestKept = oldestSeq ?? (lastSeq + 1)
        if fromSeq < oldestKept, oldestKept > 1 {
            throw EventsExpired(requestedSeq: fromSeq, oldestSeq: oldestKept)
        }
    }
}
