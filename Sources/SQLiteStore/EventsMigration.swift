import GRDB

/// The event log and what decides what goes in it.
///
/// `events.seq` is AUTOINCREMENT, not a plain rowid: retention deletes the oldest rows, and a log it emptied must
/// not hand out seqs a subscriber already saw. SQLite has one writer, so seqs are assigned in commit order with no
/// gaps (a rolled-back insert takes its seq back with it).
///
/// A snapshot event is a reference (`post_key`, `captured_at`), rendered when read: no copy of the counters, and
/// no workspace text (it is the post's). About 25 bytes a row, kept `--keep-events-days`.
enum EventsMigration {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE events (
                seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                at           INTEGER NOT NULL,
                type         INTEGER NOT NULL,
                workspace_id TEXT,
                post_key     INTEGER,
                captured_at  INTEGER,
                data         TEXT
            );

            -- A workspace's own thresholds per counter; a workspace with no row for any counter has the default rules.
            CREATE TABLE milestone_rules (
                workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                metric       TEXT NOT NULL,
                thresholds   TEXT NOT NULL,
                PRIMARY KEY (workspace_id, metric)
            ) WITHOUT ROWID;

            -- Each (post, counter, threshold) announced once ever.
            CREATE TABLE milestones_reached (
                post_key   INTEGER NOT NULL,
                metric     TEXT NOT NULL,
                threshold  INTEGER NOT NULL,
                PRIMARY KEY (post_key, metric, threshold)
            ) WITHOUT ROWID;

            -- Each workspace's local day evaluated for anomalies once.
            CREATE TABLE anomaly_days (
                workspace_id TEXT NOT NULL,
                day          INTEGER NOT NULL,
                PRIMARY KEY (workspace_id, day)
            ) WITHOUT ROWID;
            """)
    }
}
