import Logging
import PostgresNIO

/// The PostgreSQL schema, as named migrations applied in order, each in its own transaction, recorded in
/// `metricsd_migrations (name, applied_at)`. A released migration is never edited: changes come as new ones, so
/// every database upgrades along the same path.
///
/// Several daemons starting at once against one database must not race: each migration's transaction first takes
/// a transaction-scoped advisory lock (`pg_advisory_xact_lock`, released at commit or rollback, so a daemon that
/// dies mid-migration leaves no lock behind), then looks again whether another daemon applied it meanwhile.
///
/// The tables are SQLite's (`SchemaMigrations`, `CompactSnapshotsMigration`) in PostgreSQL terms: times stay int8
/// milliseconds (the same arithmetic and the same keys as SQLite, no conversion on any read), ids are `text COLLATE
/// "C"` so they sort and compare byte by byte as SQLite's do (pages and cursors come out in the same order whatever
/// the database's locale), and the rollups' metadata is `jsonb`.
enum PostgresMigrations {
    struct Migration: Sendable {
        let name: String
        let statements: [String]
    }

    /// "metricsd" in ASCII: the advisory-lock key of schema changes (a constant every daemon build agrees on).
    static let lockKey: Int64 = 0x6d65_7472_6963_7364

    static let all: [Migration] = [
        Migration(name: "pg1-registry-snapshots-rollups", statements: registryAndSnapshots),
        Migration(name: "pg2-studio-social-post-metrics", statements: StudioMetricsView.statements),
        Migration(name: "pg3-cluster", statements: ClusterSchema.statements),
        Migration(name: "pg4-events", statements: EventsSchema.statements),
        Migration(name: "pg5-webhooks", statements: WebhooksSchema.statements),
        Migration(name: "pg6-webhook-leases", statements: WebhooksSchema.leases),
    ]

    static let createLedger = """
        CREATE TABLE IF NOT EXISTS metricsd_migrations (
            name       text PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Connects on its own connection, applies what is missing, and returns the names it applied.
    static func apply(_ configuration: PostgresConnection.Configuration, logger: Logger) async throws -> [String] {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            let applied = try await apply(on: connection, logger: logger)
            try await connection.close()
            return applied
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func apply(on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        // Already applied (the usual start): one read, no lock taken.
        let known = Set(try await applied(on: connection, logger: logger))
        var applied: [String] = []
        for migration in all where !known.contains(migration.name) {
            let didApply = try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: createLedger), logger: logger)
                let done = try await connection.query(
                    "SELECT 1 FROM metricsd_migrations WHERE name = \(migration.name)", logger: logger).collect()
                guard done.isEmpty else { return false }
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO metricsd_migrations (name) VALUES (\(migration.name))", logger: logger)
                return true
            }
            if didApply { applied.append(migration.name) }
        }
        return applied
    }

    /// The names applied, oldest first (none on an empty database).
    static func applied(on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        let exists = try await connection.query("SELECT to_regclass('metricsd_migrations') IS NOT NULL", logger: logger).collect()
        guard try exists.first?.decode(Bool.self) == true else { return [] }
        var names: [String] = []
        for try await name in try await connection.query(
            "SELECT name FROM metricsd_migrations ORDER BY applied_at, name", logger: logger
        ).decode(String.self) {
            names.append(name)
        }
        return names
    }

    // MARK: pg1

    private static let platforms = "('instagram', 'tiktok', 'facebook')"

    static let registryAndSnapshots = [
        """
        CREATE TABLE workspaces (
            id          text COLLATE "C" PRIMARY KEY,
            name        text NOT NULL,
            time_zone   text NOT NULL DEFAULT 'UTC',
            created_at  bigint NOT NULL,
            updated_at  bigint NOT NULL
        )
        """,
        """
        CREATE TABLE accounts (
            id                       text COLLATE "C" PRIMARY KEY,
            workspace_id             text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            platform                 text NOT NULL CHECK (platform IN \(platforms)),
            external_account_id      text COLLATE "C" NOT NULL,
            access_token             text NOT NULL,
            refresh_token            text,
            token_expires_at         bigint,
            refresh_token_expires_at bigint,
            status                   text NOT NULL DEFAULT 'connected'
                                     CHECK (status IN ('connected', 'expired', 'needs_reconnect', 'disconnected')),
            last_error               text,
            created_at               bigint NOT NULL,
            updated_at               bigint NOT NULL,
            UNIQUE (workspace_id, platform, external_account_id)
        )
        """,
        "CREATE INDEX accounts_by_status ON accounts (status, id)",
        // Posts keep an integer key (snapshots and rollups refer to it: 8 bytes a row instead of the id string) and
        // their workspace, copied from the account, so a workspace's posts page from one index in listing order.
        """
        CREATE TABLE posts (
            key                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id                   text COLLATE "C" NOT NULL UNIQUE,
            account_id           text COLLATE "C" NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            workspace_id         text COLLATE "C" NOT NULL,
            platform             text NOT NULL CHECK (platform IN \(platforms)),
            external_post_id     text COLLATE "C",
            media_product_type   text,
            posted_at            bigint NOT NULL,
            last_refreshed_at    bigint,
            last_attempt_at      bigint,
            last_error           text,
            consecutive_failures integer NOT NULL DEFAULT 0,
            created_at           bigint NOT NULL,
            updated_at           bigint NOT NULL,
            next_due_at          bigint,
            last_main_value      bigint,
            last_main_at         bigint,
            UNIQUE (account_id, external_post_id)
        )
        """,
        "CREATE INDEX posts_by_account_recency ON posts (account_id, posted_at)",
        "CREATE INDEX posts_by_recency ON posts (posted_at DESC, id)",
        "CREATE INDEX posts_by_workspace ON posts (workspace_id, posted_at DESC, id)",
        "CREATE INDEX posts_due ON posts (next_due_at, account_id) WHERE next_due_at IS NOT NULL",
        "CREATE INDEX posts_due_by_account ON posts (account_id, next_due_at) WHERE next_due_at IS NOT NULL",
        "CREATE INDEX posts_failing ON posts (consecutive_failures) WHERE consecutive_failures > 0",
        // A post's newest snapshot is one backward step down the primary key; its history one range of it.
        """
        CREATE TABLE snapshots (
            post_key    bigint NOT NULL,
            captured_at bigint NOT NULL,
            impressions bigint,
            views       bigint,
            reach       bigint,
            likes       bigint,
            comments    bigint,
            shares      bigint,
            saves       bigint,
            PRIMARY KEY (post_key, captured_at)
        )
        """,
        // Per post and local day (its workspace's time zone) the day's last snapshot, with the metadata the
        // platform sent for it.
        """
        CREATE TABLE daily_rollups (
            post_key    bigint NOT NULL,
            day         bigint NOT NULL,
            captured_at bigint NOT NULL,
            impressions bigint,
            views       bigint,
            reach       bigint,
            likes       bigint,
            comments    bigint,
            shares      bigint,
            saves       bigint,
            metadata    jsonb,
            PRIMARY KEY (post_key, day)
        )
        """,
        // Per metric the sum of the day's reported values and how many posts reported one: a metric no post
        // reported is null, not 0.
        """
        CREATE TABLE daily_totals (
            workspace_id  text COLLATE "C" NOT NULL,
            platform      text NOT NULL,
            day           bigint NOT NULL,
            posts         bigint NOT NULL,
            impressions   bigint NOT NULL DEFAULT 0, impressions_n bigint NOT NULL DEFAULT 0,
            views         bigint NOT NULL DEFAULT 0, views_n       bigint NOT NULL DEFAULT 0,
            reach         bigint NOT NULL DEFAULT 0, reach_n       bigint NOT NULL DEFAULT 0,
            likes         bigint NOT NULL DEFAULT 0, likes_n       bigint NOT NULL DEFAULT 0,
            comments      bigint NOT NULL DEFAULT 0, comments_n    bigint NOT NULL DEFAULT 0,
            shares        bigint NOT NULL DEFAULT 0, shares_n      bigint NOT NULL DEFAULT 0,
            saves         bigint NOT NULL DEFAULT 0, saves_n       bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (workspace_id, platform, day)
        )
        """,
        // Values `health` reads without counting millions of rows (the last retention pass).
        """
        CREATE TABLE store_stats (
            name  text PRIMARY KEY,
            value bigint NOT NULL
        )
        """,
        // The snapshot row count, split over a few rows each transaction picks by its server process: one row
        // every writer of every daemon updated would make their commits wait on each other.
        """
        CREATE TABLE snapshot_row_counts (
            shard integer PRIMARY KEY,
            value bigint NOT NULL
        )
        """,
        """
        CREATE TABLE refresh_runs (
            id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            trigger     text NOT NULL CHECK (trigger IN ('schedule', 'rpc')),
            scope       text NOT NULL,
            status      text NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
            started_at  bigint NOT NULL,
            finished_at bigint,
            summary     text
        )
        """,
        "CREATE INDEX refresh_runs_running ON refresh_runs (id) WHERE status = 'running'",
        """
        CREATE TABLE refresh_errors (
            id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            run_id      bigint NOT NULL REFERENCES refresh_runs(id) ON DELETE CASCADE,
            post_id     text COLLATE "C" REFERENCES posts(id) ON DELETE CASCADE,
            account_id  text COLLATE "C" REFERENCES accounts(id) ON DELETE CASCADE,
            platform    text NOT NULL,
            kind        text NOT NULL,
            message     text NOT NULL,
            occurred_at bigint NOT NULL
        )
        """,
        "CREATE INDEX refresh_errors_by_run ON refresh_errors (run_id)",
        "CREATE INDEX refresh_errors_by_post ON refresh_errors (post_id)",
        "CREATE INDEX refresh_errors_by_account ON refresh_errors (account_id)",
        // Metrics a platform refused (code 100) for a media type, so later runs do not ask and pay again.
        """
        CREATE TABLE retired_metrics (
            platform   text NOT NULL,
            media_type text NOT NULL DEFAULT '',
            metric     text NOT NULL,
            learned_at bigint NOT NULL,
            PRIMARY KEY (platform, media_type, metric)
        )
        """,
    ]
}
