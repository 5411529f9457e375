/// Webhook endpoints and their delivery records, added by the migration `pg5-webhooks` (after the event log's):
/// SQLite's `WebhooksMigration` in PostgreSQL terms (times int8 milliseconds, ids `text COLLATE "C"`).
///
/// In a cluster one member at a time delivers an endpoint: `webhook_leases` (migration `pg6-webhook-leases`) is its
/// lease, held like an account's (`account_leases`), on the database's clock, and counting only while its member is
/// alive.
enum WebhooksSchema {
    static let statements = [
        """
        CREATE TABLE webhooks (
            id              text COLLATE "C" PRIMARY KEY,
            url             text NOT NULL,
            types           text,
            workspace_id    text COLLATE "C" REFERENCES workspaces(id) ON DELETE CASCADE,
            secret          text NOT NULL,
            enabled         boolean NOT NULL DEFAULT true,
            disabled_reason text,
            position        bigint NOT NULL,
            version         bigint NOT NULL DEFAULT 1,
            created_at      bigint NOT NULL,
            updated_at      bigint NOT NULL
        )
        """,
        """
        CREATE TABLE webhook_deliveries (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            webhook_id  text COLLATE "C" NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
            seq         bigint NOT NULL,
            event_id    text NOT NULL,
            attempt     integer NOT NULL,
            at          bigint NOT NULL,
            status_code integer,
            error       text,
            outcome     text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'disabled', 'gap')),
            duration_ms bigint NOT NULL
        )
        """,
        "CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id)",
    ]

    static let leases = [
        """
        CREATE TABLE webhook_leases (
            webhook_id text COLLATE "C" PRIMARY KEY REFERENCES webhooks(id) ON DELETE CASCADE,
            member_id  text COLLATE "C" NOT NULL REFERENCES cluster_members(id) ON DELETE CASCADE,
            expires_at timestamptz NOT NULL
        )
        """,
    ]
}
