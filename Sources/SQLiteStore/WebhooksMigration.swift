import GRDB

/// Webhook endpoints and their delivery records (`v7-webhooks`).
///
/// `webhooks.position` is the next seq to deliver, moved in the transaction that records the delivery, so a restart
/// resumes exactly there. `version` counts upserts: a deliverer started on an older version can no longer write
/// (its endpoint was changed or re-enabled, and a new loop owns it). The secret is stored as given (`whsec_…`): the
/// deliverer signs with it, so it cannot be a hash; the database file is the daemon's own (mode 0600), like the
/// accounts' tokens.
///
/// `webhook_deliveries` keeps the newest `WebhookStorageLimits.deliveriesKept` records per endpoint (trimmed in
/// the transaction that adds one), newest first by its rowid.
enum WebhooksMigration {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE webhooks (
                id              TEXT PRIMARY KEY NOT NULL,
                url             TEXT NOT NULL,
                types           TEXT,
                workspace_id    TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
                secret          TEXT NOT NULL,
                enabled         INTEGER NOT NULL DEFAULT 1,
                disabled_reason TEXT,
                position        INTEGER NOT NULL,
                version         INTEGER NOT NULL DEFAULT 1,
                created_at      INTEGER NOT NULL,
                updated_at      INTEGER NOT NULL
            );

            CREATE TABLE webhook_deliveries (
                id          INTEGER PRIMARY KEY,
                webhook_id  TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                seq         INTEGER NOT NULL,
                event_id    TEXT NOT NULL,
                attempt     INTEGER NOT NULL,
                at          INTEGER NOT NULL,
                status_code INTEGER,
                error       TEXT,
                outcome     TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'disabled', 'gap')),
                duration_ms INTEGER NOT NULL
            );
            CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, id);
            """)
    }
}
