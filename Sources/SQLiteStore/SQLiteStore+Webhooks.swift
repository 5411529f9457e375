import GRDB
import MetricsCore
import StorageContract

/// Webhook endpoints and their deliveries (`WebhookStorage`); the tables are `WebhooksMigration`'s.
extension SQLiteStore {
    /// A new endpoint's position is `lastEventSeq` + 1, read in its insert's write transaction: SQLite has one writer,
    /// so no event can commit between the read and the insert, and the endpoint gets exactly what commits after it.
    public func upsertWebhook(_ registration: WebhookRegistration, secret: String, replaceSecret: Bool) async throws -> Upsert {
        let now = clock.now.milliseconds
        let types = WebhookEndpoint.storedTypes(registration.types)
        return try await pool.write { db in
            if let workspaceId = registration.workspaceId,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM workspaces WHERE id = ?", arguments: [workspaceId]) == nil
            {
                throw StoreError.notFound(.workspace, id: workspaceId, input: .workspaceId)
            }
            let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM webhooks WHERE id = ?", arguments: [registration.id]) != nil
            if exists {
                try db.execute(
                    sql: """
                        UPDATE webhooks SET url = ?, types = ?, workspace_id = ?, enabled = 1, disabled_reason = NULL,
                            secret = CASE WHEN ? THEN ? ELSE secret END, version = version + 1, updated_at = ?
                        WHERE id = ?
                        """,
                    arguments: [registration.url, types, registration.workspaceId, replaceSecret, secret, now, registration.id])
                return .updated
            }
            try db.execute(
                sql: """
                    INSERT INTO webhooks (id, url, types, workspace_id, secret, position, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [registration.id, registration.url, types, registration.workspaceId, secret, try Self.lastEventSeq(db) + 1, now, now])
            return .created
        }
    }

    private static let endpointColumns =
        "id, url, types, workspace_id, enabled, disabled_reason, created_at, updated_at, version, position"

    private static func endpoint(_ row: Row) -> WebhookEndpoint {
        WebhookEndpoint(
            id: row[0], url: row[1], types: WebhookEndpoint.types(stored: row[2]), workspaceId: row[3], enabled: row[4],
            disabledReason: row[5], createdAt: Timestamp(milliseconds: row[6]), updatedAt: Timestamp(milliseconds: row[7]),
            version: row[8], position: row[9])
    }

    public func listWebhooks() async throws -> [WebhookEndpoint] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.endpointColumns) FROM webhooks ORDER BY id").map(Self.endpoint)
        }
    }

    public func webhook(id: String) async throws -> WebhookEndpoint? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.endpointColumns) FROM webhooks WHERE id = ?", arguments: [id]).map(Self.endpoint)
        }
    }

    public func deleteWebhook(id: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM webhooks WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { throw StoreError.notFound(.webhook, id: id, input: .webhookId) }
        }
    }

    public func webhookSecret(id: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT secret FROM webhooks WHERE id = ?", arguments: [id])
        }
    }

    @discardableResult
    public func recordWebhookAttempt(
        webhookId: String, expectedVersion: Int64, _ attempt: WebhookAttempt, position: Int64?, disabledReason: String?
    ) async throws -> Bool {
        try await pool.write { db in
            guard try Int64.fetchOne(db, sql: "SELECT version FROM webhooks WHERE id = ?", arguments: [webhookId]) == expectedVersion
            else { return false }
            try db.execute(
                sql: """
                    INSERT INTO webhook_deliveries (webhook_id, seq, event_id, attempt, at, status_code, error, outcome, duration_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    webhookId, attempt.seq, attempt.eventId, attempt.attempt, attempt.at.milliseconds, attempt.statusCode, attempt.error,
                    attempt.outcome.rawValue, attempt.durationMs,
                ])
            let newest = db.lastInsertedRowID
            // Bounded: what lies further back than the records kept goes, one index range per write.
            try db.execute(
                sql: "DELETE FROM webhook_deliveries WHERE webhook_id = ? AND id <= ?",
                arguments: [webhookId, newest - Int64(WebhookStorageLimits.deliveriesKept)])
            if let position {
                try db.execute(
                    sql: "UPDATE webhooks SET position = max(position, ?) WHERE id = ?", arguments: [position, webhookId])
            }
            if let disabledReason {
                try db.execute(
                    sql: "UPDATE webhooks SET enabled = 0, disabled_reason = ? WHERE id = ?", arguments: [disabledReason, webhookId])
            }
            return true
        }
    }

    @discardableResult
    public func advanceWebhook(id: String, expectedVersion: Int64, to position: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE webhooks SET position = max(position, ?) WHERE id = ? AND version = ?",
                arguments: [position, id, expectedVersion])
            return db.changesCount > 0
        }
    }

    public func webhookDeliveries(id: String, limit: Int) async throws -> [WebhookAttempt] {
        try await pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM webhooks WHERE id = ?", arguments: [id]) != nil else {
                throw StoreError.notFound(.webhook, id: id, input: .webhookId)
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, event_id, attempt, at, status_code, error, outcome, duration_ms FROM webhook_deliveries
                    WHERE webhook_id = ? ORDER BY id DESC LIMIT ?
                    """,
                arguments: [id, limit]
            ).map { row in
                WebhookAttempt(
                    seq: row[0], eventId: row[1], attempt: row[2], at: Timestamp(milliseconds: row[3]), statusCode: row[4],
                    error: row[5], outcome: WebhookOutcome(rawValue: row[6]) ?? .failed, durationMs: row[7])
            }
        }
    }
}
