/// The event log and what decides what goes in it, added by the migration `pg4-events`: SQLite's `EventsMigration`
/// in PostgreSQL terms, with one difference that makes a cluster's writers independent.
///
/// SQLite has one writer, so it numbers each event as it inserts it. Here several daemons commit at once, and one
/// counter taken in every write transaction would make them wait for each other (undoing what a cluster adds). So a
/// write transaction inserts its events unnumbered (`id`, from an identity: unique, but with gaps and not in commit
/// order), and they are numbered after they commit, by one member at a time (`EventNumbering`): it holds the
/// `event_log` row's lock, gives the committed unnumbered events the next seqs in `id` order, moves `last_seq`, and
/// notifies `metricsd_events` in the same transaction. Readers read only numbered events (`seq IS NOT NULL`), so
/// the log they see is one unbroken run of seqs in the order events were numbered, which follows commit order.
enum EventsSchema {
    /// What `pg_notify` says: "first-last", the seqs one numbering gave out.
    static let channel = "metricsd_events"

    static let statements = [
        """
        CREATE TABLE events (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            seq          bigint UNIQUE,
            at           bigint NOT NULL,
            type         smallint NOT NULL,
            workspace_id text COLLATE "C",
            post_key     bigint,
            captured_at  bigint,
            data         text
        )
        """,
        // What numbering scans: the few committed events not numbered yet.
        "CREATE INDEX events_unnumbered ON events (id) WHERE seq IS NULL",
        // What retention scans: the oldest numbered events by the daemon's clock.
        "CREATE INDEX events_by_at ON events (at) WHERE seq IS NOT NULL",
        """
        CREATE TABLE event_log (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            last_seq  bigint NOT NULL
        )
        """,
        "INSERT INTO event_log (last_seq) VALUES (0)",
        // A workspace's own thresholds per counter; a workspace with no row for any counter has the default rules.
        """
        CREATE TABLE milestone_rules (
            workspace_id text COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            metric       text NOT NULL,
            thresholds   bigint[] NOT NULL,
            PRIMARY KEY (workspace_id, metric)
        )
        """,
        // Each (post, counter, threshold) announced once ever: two daemons racing to announce it meet on this key.
        """
        CREATE TABLE milestones_reached (
            post_key  bigint NOT NULL,
            metric    text NOT NULL,
            threshold bigint NOT NULL,
            PRIMARY KEY (post_key, metric, threshold)
        )
        """,
        // Each workspace's local day evaluated for anomalies once, by whichever daemon got there first.
        """
        CREATE TABLE anomaly_days (
            workspace_id text COLLATE "C" NOT NULL,
            day          bigint NOT NULL,
            PRIMARY KEY (workspace_id, day)
        )
        """,
    ]
}
