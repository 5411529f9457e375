import MetricsCore
import PostgresNIO
import StorageContract

/// Webhook endpoints and their deliveries (`WebhookStorage`), with the SQLite store's rules; the tables are
/// `WebhooksSchema`'s.
extension PostgresStore {
    /// The last numbered seq of the event log (0 before the first event).
    static func lastEventSeq(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        try await connection.first("SELECT last_seq FROM event_log", logger) { try $0.next(Int64.self) } ?? 0
    }

    public func upsertWebhook(_ registration: WebhookRegistration, secret: String, replaceSecret: Bool) async throws -> Upsert {
        let now = nowMilliseconds
        let logger = self.logger
        let types = WebhookEndpoint.storedTypes(registration.types)
        return try await transaction { connection in
            if let workspaceId = registration.workspaceId,
                try await connection.first("SELECT 1 FROM workspaces WHERE id = \(workspaceId)", logger, { _ in true }) == nil
            {
                throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
            }
            let updated = try await connection.first("""
                UPDATE webhooks SET url = \(registration.url), types = \(types), workspace_id = \(registration.workspaceId),
                    enabled = true, disabled_reason = NULL,
                    secret = CASE WHEN \(replaceSecret) THEN \(secret) ELSE secret END, version = version + 1, updated_at = \(now)
                WHERE id = \(registration.id) RETURNING 1
                """, logger) { _ in true }
            if updated != nil { return .updated }
            let position = try await Self.lastEventSeq(connection, logger) + 1
            // Another daemon inserting the same id at once is a unique violation, which `transaction` runs again:
            // then this one updates.
            try await connection.run("""
                INSERT INTO webhooks (id, url, types, workspace_id, secret, position, created_at, updated_at)
                VALUES (\(registration.id), \(registration.url), \(types), \(registration.workspaceId), \(secret), \(position), \(now), \(now))
                """, logger)
            return .created
        }
    }

    private static let endpointColumns =
        "id, url, types, workspace_id, enabled, disabled_reason, created_at, updated_at, version, position"

    private static func endpoint(_ row: inout RowReader) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: try row.next(String.self), url: try row.next(String.self), types: WebhookEndpoint.types(stored: try row.next(String?.self)),
            workspaceId: try row.next(String?.self), enabled: try row.next(Bool.self), disabledReason: try row.next(String?.self),
            createdAt: try row.timestamp(), updatedAt: try row.timestamp(), version: try row.next(Int64.self),
            position: try row.next(Int64.self))
    }

    public func listWebhooks() async throws -> [WebhookEndpoint] {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.all("SELECT \(unescaped: Self.endpointColumns) FROM webhooks ORDER BY id", logger, Self.endpoint)
        }
    }

    public func webhook(id: String) async throws -> WebhookEndpoint? {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.first(
                "SELECT \(unescaped: Self.endpointColumns) FROM webhooks WHERE id = \(id)", logger, Self.endpoint)
        }
    }

    public func deleteWebhook(id: String) async throws {
        let logger = self.logger
        try await transaction { connection in
            guard try await connection.first("DELETE FROM webhooks WHERE id = \(id) RETURNING 1", logger, { _ in true }) != nil else {
                throw StoreError.notFound(.webhook, id: id, input: .webhookId)
            }
        }
    }

    public func webhookSecret(id: String) async throws -> String? {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.first("SELECT secret FROM webhooks WHERE id = \(id)", logger) { try $0.next(String.self) }
        }
    }

    @discardableResult
    public func recordWebhookAttempt(
        webhookId: String, expectedVersion: Int64, _ attempt: WebhookAttempt, position: Int64?, disabledReason: String?
    ) async throws -> Bool {
        let logger = self.logger
        let kept = Int64(WebhookStorageLimits.deliveriesKept)
        return try await transaction { connection in
            // Locked: a concurrent upsert (a new version) waits for this record, or this one sees its version.
            guard try await connection.first(
                "SELECT version FROM webhooks WHERE id = \(webhookId) FOR UPDATE", logger, { try $0.next(Int64.self) }) == expectedVersion
            else { return false }
            let newest = try await connection.first("""
                INSERT INTO webhook_deliveries (webhook_id, seq, event_id, attempt, at, status_code, error, outcome, duration_ms)
                VALUES (\(webhookId), \(attempt.seq), \(attempt.eventId), \(Int32(attempt.attempt)), \(attempt.at.milliseconds),
                    \(attempt.statusCode.map(Int32.init)), \(attempt.error), \(attempt.outcome.rawValue), \(attempt.durationMs))
                RETURNING id
                """, logger) { try $0.next(Int64.self) } ?? 0
            try await connection.run(
                "DELETE FROM webhook_deliveries WHERE webhook_id = \(webhookId) AND id <= \(newest - kept)", logger)
            if let position {
                try await connection.run(
                    "UPDATE webhooks SET position = greatest(position, \(position)) WHERE id = \(webhookId)", logger)
            }
            if let disabledReason {
                try await connection.run(
                    "UPDATE webhooks SET enabled = false, disabled_reason = \(disabledReason) WHERE id = \(webhookId)", logger)
            }
            return true
        }
    }

    @discardableResult
    public func advanceWebhook(id: String, expectedVersion: Int64, to position: Int64) async throws -> Bool {
        let logger = self.logger
        return try await transaction { connection in
            try await connection.first("""
                UPDATE webhooks SET position = greatest(position, \(position)) WHERE id = \(id) AND version = \(expectedVersion)
                RETURNING 1
                """, logger) { _ in true } != nil
        }
    }

    public func webhookDeliveries(id: String, limit: Int) async throws -> [WebhookAttempt] {
        let logger = self.logger
        return try await withConnection { connection in
            guard try await connection.first("SELECT 1 FROM webhooks WHERE id = \(id)", logger, { _ in true }) != nil else {
                throw StoreError.notFound(.webhook, id: id, input: .webhookId)
            }
            return try await connection.all("""
                SELECT seq, event_id, attempt, at, status_code, error, outcome, duration_ms FROM webhook_deliveries
                WHERE webhook_id = \(id) ORDER BY id DESC LIMIT \(Int64(limit))
                """, logger) { row in
                WebhookAttempt(
                    seq: try row.next(Int64.self), eventId: try row.next(String.self), attempt: Int(try row.next(Int32.self)),
                    at: try row.timestamp(), statusCode: try row.next(Int32?.self).map(Int.init), error: try row.next(String?.self),
                    outcome: try row.next(WebhookOutcome.self), durationMs: try row.next(Int64.self))
            }
        }
    }
}
