import GRDB
import StorageContract

/// The schema, as named migrations applied in order. A released migration is never edited: changes come
/// as new ones, so every database upgrades along the same path.
enum SchemaMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-registry-and-snapshots") { db in
            try db.execute(sql: """
                CREATE TABLE workspaces (
                    id          TEXT PRIMARY KEY NOT NULL,
                    name        TEXT NOT NULL,
                    created_at  INTEGER NOT NULL,
                    updated_at  INTEGER NOT NULL
                );

                CREATE TABLE accounts (
                    id                  TEXT PRIMARY KEY NOT NULL,
                    workspace_id        TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    platform            TEXT NOT NULL CHECK (platform IN ('instagram', 'tiktok', 'facebook')),
                    external_account_id TEXT NOT NULL,
                    access_token        TEXT NOT NULL,
                    refresh_token       TEXT,
                    token_expires_at    INTEGER,
                    refresh_token_expires_at INTEGER,
                    status              TEXT NOT NULL DEFAULT 'connected'
                                        CHECK (status IN ('connected', 'expired', 'needs_reconnect', 'disconnected')),
                    last_error          TEXT,
                    created_at          INTEGER NOT NULL,
                    updated_at          INTEGER NOT NULL,
                    UNIQUE (workspace_id, platform, external_account_id)
                );
                CREATE INDEX accounts_by_status ON accounts(status);

                CREATE TABLE posts (
                    id                 TEXT PRIMARY KEY NOT NULL,
                    account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    platform           TEXT NOT NULL CHECK (platform IN ('instagram', 'tiktok', 'facebook')),
                    external_post_id   TEXT,
                    media_product_type TEXT,
                    posted_at          INTEGER NOT NULL,
                    last_refreshed_at  INTEGER,
                    last_attempt_at    INTEGER,
                    last_error         TEXT,
                    failure_count      INTEGER NOT NULL DEFAULT 0,
                    created_at         INTEGER NOT NULL,
                    updated_at         INTEGER NOT NULL,
                    UNIQUE (account_id, external_post_id)
                );
                CREATE INDEX posts_by_account_recency ON posts(account_id, posted_at);
                CREATE INDEX posts_by_recency ON posts(posted_at, id);

                -- Clustered on (post_id, captured_at): a post's newest snapshot is one seek down one B-tree,
                -- and its history is one contiguous range, however many rows the table holds.
                CREATE TABLE post_metrics (
                    post_id     TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
                    captured_at INTEGER NOT NULL,
                    impressions INTEGER,
                    views       INTEGER,
                    reach       INTEGER,
                    likes       INTEGER,
                    comments    INTEGER,
                    shares      INTEGER,
                    saves       INTEGER,
                    metadata    TEXT,
                    PRIMARY KEY (post_id, captured_at)
                ) WITHOUT ROWID;

                CREATE TABLE refresh_runs (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    trigger     TEXT NOT NULL CHECK (trigger IN ('schedule', 'rpc')),
                    scope       TEXT NOT NULL,
                    status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
                    started_at  INTEGER NOT NULL,
                    finished_at INTEGER,
                    summary     TEXT
                );

                CREATE TABLE refresh_errors (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id      INTEGER NOT NULL REFERENCES refresh_runs(id) ON DELETE CASCADE,
                    post_id     TEXT REFERENCES posts(id) ON DELETE CASCADE,
                    account_id  TEXT REFERENCES accounts(id) ON DELETE CASCADE,
                    platform    TEXT NOT NULL,
                    kind        TEXT NOT NULL,
                    message     TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL
                );
                CREATE INDEX refresh_errors_by_run ON refresh_errors(run_id);
                CREATE INDEX refresh_errors_by_post ON refresh_errors(post_id);
                """)
        }

        migrator.registerMigration("v2-retired-metrics") { db in
            // Metrics a platform refused (code 100) for a media type, so later runs do not ask and pay again.
            try db.execute(sql: """
                CREATE TABLE retired_metrics (
                    platform   TEXT NOT NULL,
                    media_type TEXT NOT NULL DEFAULT '',
                    metric     TEXT NOT NULL,
                    learned_at INTEGER NOT NULL,
                    PRIMARY KEY (platform, media_type, metric)
                ) WITHOUT ROWID;
                """)
        }

        migrator.registerMigration("v3-post-platform-covering-index") { db in
            // latestMetrics reads a post's platform by id: from this index alone, one descent instead of two.
            try db.execute(sql: "CREATE INDEX posts_platform_by_id ON posts(id, platform)")
        }

        migrator.registerMigration("v4-due-times") { db in
            // Each post carries when it is next due, recomputed after every attempt (the planner reads due posts
            // from `posts_due`, an account's own from `posts_due_by_account`); `failure_count` was already the
            // count of failures since the last success, now named for it; the last reading of the main counter
            // (views, else reach, else likes) feeds the velocity rule without reading snapshots back.
            // Existing posts with an external id are due at once: the planner recomputes each one on its first
            // pass (a post outside the window gets no due time, without a call).
            try db.execute(sql: """
                ALTER TABLE posts RENAME COLUMN failure_count TO consecutive_failures;
                ALTER TABLE posts ADD COLUMN next_due_at INTEGER;
                ALTER TABLE posts ADD COLUMN last_main_value INTEGER;
                ALTER TABLE posts ADD COLUMN last_main_at INTEGER;
                UPDATE posts SET next_due_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
                    WHERE external_post_id IS NOT NULL;
                CREATE INDEX posts_due ON posts(next_due_at, account_id) WHERE next_due_at IS NOT NULL;
                CREATE INDEX posts_due_by_account ON posts(account_id, next_due_at) WHERE next_due_at IS NOT NULL;
                CREATE INDEX posts_failing ON posts(consecutive_failures) WHERE consecutive_failures > 0;
                """)
        }

        migrator.registerMigration("v5-compact-snapshots-and-rollups") { db in
            try CompactSnapshotsMigration.migrate(db)
        }

        migrator.registerMigration("v6-events") { db in
            try EventsMigration.migrate(db)
        }

        migrator.registerMigration("v7-webhooks") { db in
            try WebhooksMigration.migrate(db)
        }

        return migrator
    }
}
