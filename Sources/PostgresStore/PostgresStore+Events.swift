import MetricsCore
import StorageContract

/// The event log on PostgreSQL: not written yet (issue 17, part 5: one log for the cluster, numbered after commit by
/// one member at a time, `LISTEN/NOTIFY` to wake the others). Until then a PostgreSQL daemon writes no events, its
/// log reads as empty, and milestone rules cannot be set; nothing it reports is inconsistent with what it stores.
extension PostgresStore {
    public func events(fromSeq: Int64, filter: EventFilter, limit: Int) async throws -> EventPage {
        EventPage(events: [], nextSeq: max(fromSeq, 1))
    }

    public func eventLogBounds() async throws -> EventLogBounds {
        EventLogBounds(oldestSeq: nil, lastSeq: 0)
    }

    public func upsertMilestones(workspaceId: String, metric: String, thresholds: [Int64]) async throws -> Upsert {
        throw StoreError(.invalid, input: .workspaceId, message: "milestone rules are not kept on PostgreSQL yet")
    }

    public func milestoneRules(workspaceId: String) async throws -> [String: [Int64]] {
        MilestoneRules.defaultRules
    }

    public func recordAnomalies(workspaceId: String, day: Int64, flagged: [AnomalyEventFacts], at: Timestamp) async throws -> Bool {
        false
    }
}
