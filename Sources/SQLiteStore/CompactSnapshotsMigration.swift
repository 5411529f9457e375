import GRDB
import StorageContract

/// Migration v5: snapshots keyed by an integer post key, daily rollups and daily totals, workspace time zones.
///
/// Why: a snapshot row repeated its post's id string (75–78 bytes a row imported, 95–135 written by refreshes with
/// their metadata JSON, measured at 1–10M rows). Now:
/// - `posts` gets `key INTEGER PRIMARY KEY` (its old rowid: stable, never renumbered by VACUUM once it is the
///   primary key), and `workspace_id` copied from its account, so a workspace's posts page from one index in
///   `listPosts`' order (`posts_by_workspace`) instead of sorting the workspace for every page;
/// - `snapshots (post_key, captured_at, 7 counters)`, clustered on the pair, no metadata: about 35 bytes a row;
/// - `daily_rollups`: per post and local day (in its workspace's time zone), the day's last snapshot, with the
///   metadata the platform sent for it (kept per day, not per snapshot; no method returns it);
/// - `daily_totals`: per workspace, platform and local day, the sums of the day's rollups, and how many posts had
///   a point that day: `series` by workspace reads these;
/// - `store_stats`: counters `health` reads without counting millions of rows (snapshot rows, the last retention
///   pass).
/// Existing workspaces are in UTC, so existing rollups are built in UTC. Foreign keys are checked by the migrator
/// after the rebuild (refresh_errors keeps referencing `posts(id)`, unique in the new table).
enum CompactSnapshotsMigration {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE workspaces ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

            CREATE TABLE posts_v5 (
                key                  INTEGER PRIMARY KEY,
                id                   TEXT NOT NULL UNIQUE,
                account_id           TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                workspace_id         TEXT NOT NULL,
                platform             TEXT NOT NULL CHECK (platform IN ('instagram', 'tiktok', 'facebook')),
                external_post_id     TEXT,
                media_product_type   TEXT,
                posted_at            INTEGER NOT NULL,
                last_refreshed_at    INTEGER,
                last_attempt_at      INTEGER,
                last_error           TEXT,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                created_at           INTEGER NOT NULL,
                updated_at           INTEGER NOT NULL,
                next_due_at          INTEGER,
                last_main_value      INTEGER,
                last_main_at         INTEGER,
                UNIQUE (account_id, external_post_id)
            );
            INSERT INTO posts_v5 (key, id, account_id, workspace_id, platform, external_post_id, media_product_type, posted_at,
                                  last_refreshed_at, last_attempt_at, last_error, consecutive_failures, created_at, updated_at,
                                  next_due_at, last_main_value, last_main_at)
                SELECT p.rowid, p.id, p.account_id, a.workspace_id, p.platform, p.external_post_id, p.media_product_type, p.posted_at,
                       p.last_refreshed_at, p.last_attempt_at, p.last_error, p.consecutive_failures, p.created_at, p.updated_at,
                       p.next_due_at, p.last_main_value, p.last_main_at
                FROM posts p JOIN accounts a ON a.id = p.account_id
                ORDER BY p.rowid;

            CREATE TABLE snapshots (
                post_key    INTEGER NOT NULL,
                captured_at INTEGER NOT NULL,
                impressions INTEGER,
                views       INTEGER,
                reach       INTEGER,
                likes       INTEGER,
                comments    INTEGER,
                shares      INTEGER,
                saves       INTEGER,
                PRIMARY KEY (post_key, captured_at)
            ) WITHOUT ROWID;
            INSERT INTO snapshots
                SELECT p.key, m.captured_at, m.impressions, m.views, m.reach, m.likes, m.comments, m.shares, m.saves
                FROM post_metrics m JOIN posts_v5 p ON p.id = m.post_id
                ORDER BY p.key, m.captured_at;

            CREATE TABLE daily_rollups (
                post_key    INTEGER NOT NULL,
                day         INTEGER NOT NULL,
                captured_at INTEGER NOT NULL,
                impressions INTEGER,
                views       INTEGER,
                reach       INTEGER,
                likes       INTEGER,
                comments    INTEGER,
                shares      INTEGER,
                saves       INTEGER,
                metadata    TEXT,
                PRIMARY KEY (post_key, day)
            ) WITHOUT ROWID;
            -- The day's last snapshot (SQLite takes the other columns from the row max() picks), floor division so
            -- a time before 1970 lands on the right day.
            INSERT INTO daily_rollups
                SELECT p.key, (m.captured_at - ((m.captured_at % 86400000) + 86400000) % 86400000) / 86400000 AS day,
                       max(m.captured_at), m.impressions, m.views, m.reach, m.likes, m.comments, m.shares, m.saves, m.metadata
                FROM post_metrics m JOIN posts_v5 p ON p.id = m.post_id
                GROUP BY p.key, day;

            -- Per metric, the sum of the reported values and how many posts reported one: a metric no post
            -- reported is null, not 0.
            CREATE TABLE daily_totals (
                workspace_id  TEXT NOT NULL,
                platform      TEXT NOT NULL,
                day           INTEGER NOT NULL,
                posts         INTEGER NOT NULL,
                impressions   INTEGER NOT NULL DEFAULT 0, impressions_n INTEGER NOT NULL DEFAULT 0,
                views         INTEGER NOT NULL DEFAULT 0, views_n       INTEGER NOT NULL DEFAULT 0,
                reach         INTEGER NOT NULL DEFAULT 0, reach_n       INTEGER NOT NULL DEFAULT 0,
                likes         INTEGER NOT NULL DEFAULT 0, likes_n       INTEGER NOT NULL DEFAULT 0,
                comments      INTEGER NOT NULL DEFAULT 0, comments_n    INTEGER NOT NULL DEFAULT 0,
                shares        INTEGER NOT NULL DEFAULT 0, shares_n      INTEGER NOT NULL DEFAULT 0,
                saves         INTEGER NOT NULL DEFAULT 0, saves_n       INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (workspace_id, platform, day)
            ) WITHOUT ROWID;
            INSERT INTO daily_totals
                SELECT p.workspace_id, p.platform, r.day, count(*),
                       coalesce(sum(r.impressions), 0), count(r.impressions), coalesce(sum(r.views), 0), count(r.views), coalesce(sum(r.reach), 0), count(r.reach),
                       coalesce(sum(r.likes), 0), count(r.likes), coalesce(sum(r.comments), 0), count(r.comments), coalesce(sum(r.shares), 0), count(r.shares),
                       coalesce(sum(r.saves), 0), count(r.saves)
                FROM daily_rollups r JOIN posts_v5 p ON p.key = r.post_key
                GROUP BY p.workspace_id, p.platform, r.day;

            CREATE TABLE store_stats (
                name  TEXT PRIMARY KEY NOT NULL,
                value INTEGER NOT NULL
            ) WITHOUT ROWID;
            INSERT INTO store_stats SELECT 'snapshot_rows', count(*) FROM snapshots;

            DROP TABLE post_metrics;
            DROP TABLE posts;
            ALTER TABLE posts_v5 RENAME TO posts;

            CREATE INDEX posts_by_account_recency ON posts(account_id, posted_at);
            CREATE INDEX posts_by_recency ON posts(posted_at, id);
            CREATE INDEX posts_by_workspace ON posts(workspace_id, posted_at DESC, id);
            CREATE INDEX posts_platform_by_id ON posts(id, platform);
            CREATE INDEX posts_due ON posts(next_due_at, account_id) WHERE next_due_at IS NOT NULL;
            CREATE INDEX posts_due_by_account ON posts(account_id, next_due_at) WHERE next_due_at IS NOT NULL;
            CREATE INDEX posts_failing ON posts(consecutive_failures) WHERE consecutive_failures > 0;
            """)
    }
}
