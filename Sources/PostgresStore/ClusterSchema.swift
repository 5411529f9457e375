/// The tables through which several daemons sharing one database divide the work (`ClusterStorage`), added by the
/// migration `pg3-cluster`.
///
/// - `cluster_members`: one row per daemon process, `last_seen` renewed by each tick. A member is alive while
///   `last_seen + lease_ms` is in the future: each member says how long its own silence may last (its lease),
///   so the rule needs no setting shared by every daemon.
/// - `account_leases`: who holds which account until when. A lease counts only while its member is alive and
///   `expires_at` is in the future; a lapsed row stays until someone claims the account (the claim overwrites it)
///   or its member leaves (the row goes with the member: `ON DELETE CASCADE`).
/// - `app_pauses`: a platform's app-wide pause, until a daemon's time (`Timestamp` milliseconds, like every
///   other time the daemons compute): a rate limit is a fact of the platform's clock, not of the database's.
/// - `refresh_runs` gains who started a run (`member_id`) and, for a shared run, the scope's key and what its work
///   covers (`posted_since`, `due_at`, `deadline`: daemon times). At most one run per scope key is running (a
///   partial unique index), so two daemons starting the same scope at once end up in one run.
/// - `run_work`: one row per account of a shared run, `pending` → `claimed` (by a member, until `claimed_until`)
///   → `done` (with the account's report entry in `detail`).
///
/// Lease, liveness and claim times are the database's clock (`now()`, the transaction's start, in every statement
/// of a transaction; `timestamptz`), so daemons on hosts whose clocks disagree still agree on who holds what.
enum ClusterSchema {
    static let statements = [
        """
        CREATE TABLE cluster_members (
            id        text COLLATE "C" PRIMARY KEY,
            host      text NOT NULL,
            pid       integer NOT NULL,
            last_seen timestamptz NOT NULL,
            lease_ms  bigint NOT NULL CHECK (lease_ms > 0)
        )
        """,
        """
        CREATE TABLE account_leases (
            account_id text COLLATE "C" PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
            member_id  text COLLATE "C" NOT NULL REFERENCES cluster_members(id) ON DELETE CASCADE,
            expires_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX account_leases_by_member ON account_leases (member_id)",
        """
        CREATE TABLE app_pauses (
            platform text PRIMARY KEY CHECK (platform IN ('instagram', 'tiktok', 'facebook')),
            until    bigint NOT NULL
        )
        """,
        """
        ALTER TABLE refresh_runs
            ADD COLUMN member_id    text COLLATE "C",
            ADD COLUMN scope_key    text COLLATE "C",
            ADD COLUMN posted_since bigint,
            ADD COLUMN due_at       bigint,
            ADD COLUMN deadline     bigint
        """,
        "CREATE UNIQUE INDEX refresh_runs_running_scope ON refresh_runs (scope_key) WHERE status = 'running'",
        """
        CREATE TABLE run_work (
            run_id        bigint NOT NULL REFERENCES refresh_runs(id) ON DELETE CASCADE,
            account_id    text COLLATE "C" NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'done')),
            member_id     text COLLATE "C",
            claimed_until timestamptz,
            detail        text,
            PRIMARY KEY (run_id, account_id)
        )
        """,
        // What claims scan: the work not done yet, a few rows per running shared run.
        "CREATE INDEX run_work_open ON run_work (account_id, run_id) WHERE status <> 'done'",
    ]

    /// SQL true when the `cluster_members` row `alias` is alive now.
    static func alive(_ alias: String) -> String {
        "(\(alias).last_seen + \(alias).lease_ms * interval '1 millisecond' > now())"
    }

    /// How long a member that stopped ticking keeps its row before a tick of another deletes it (with its lapsed
    /// leases): long past any lease, so only the dead are forgotten, and the table does not grow a row per restart.
    static let forgetDeadMembersAfter = "interval '1 hour'"
}
