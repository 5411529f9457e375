/// `studio_social_post_metrics`: the studio's own table of post metrics, as a view over metricsd's snapshots, so
/// the studio's existing query keeps working unchanged against the shared database:
///
///     SELECT … FROM studio_social_post_metrics WHERE social_post_id = $1 ORDER BY captured_at DESC LIMIT 1
///
/// Columns: `social_post_id` (metricsd's post id, which is the studio's), `captured_at` (`timestamptz`),
/// `impressions`, `views`, `likes`, `comments`, `shares`, `saves` (bigint, NULL when the platform did not report
/// the metric), and `metadata` (`jsonb`): snapshots keep no metadata (about 35 bytes a row instead of 95–135), each
/// post's last snapshot of each local day keeps it in its daily rollup, so a row has the metadata the platform sent
/// when it is its day's last one — the one the studio's query reads — and NULL otherwise.
///
/// Why a view and not a table kept in sync: a second copy would be written in every refresh transaction (or by a
/// trigger or a job that can lag, fail or be forgotten), would double the largest table, and would have to follow
/// everything that changes the snapshots — retention thinning old days, an import backfilling, a time-zone change
/// moving the days whose last point carries the metadata. The view reads the one copy, so it is never stale and
/// never disagrees with `history`.
///
/// The studio's query reads one post's snapshots, never another's: the post by its unique id, then its snapshots
/// by the primary key's `post_key` prefix, a top-1 sort of those (a post has a few hundred: one an hour in its first
/// day, fewer later, retention thinning old days), and the metadata looked up for the one row returned — a scalar
/// subquery, which PostgreSQL evaluates after the sort when a LIMIT follows, where a join would look it up for every
/// snapshot of the post. (It cannot be one backward index step: PostgreSQL keeps the order of a join's outer side
/// only, and here the order is the inner side's, the snapshots'. 5,000 snapshots of one post answer in about 4 ms.)
enum StudioMetricsView {
    static let statements = [
        "CREATE INDEX daily_rollups_by_time ON daily_rollups (post_key, captured_at)",
        """
        CREATE VIEW studio_social_post_metrics AS
        SELECT p.id AS social_post_id,
               to_timestamp(s.captured_at / 1000.0) AS captured_at,
               s.impressions, s.views, s.likes, s.comments, s.shares, s.saves,
               (SELECT r.metadata FROM daily_rollups r WHERE r.post_key = s.post_key AND r.captured_at = s.captured_at) AS metadata
        FROM snapshots s
        JOIN posts p ON p.key = s.post_key
        """,
        """
        COMMENT ON VIEW studio_social_post_metrics IS
        'Post metrics as the studio reads them, one row per metricsd snapshot: social_post_id, captured_at (timestamptz), \
        impressions, views, likes, comments, shares, saves (NULL when not reported), metadata (jsonb, from the daily \
        rollup when the snapshot is its local day''s last, else NULL). Maintained by metricsd; read-only.'
        """,
    ]
}
