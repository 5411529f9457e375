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
/// The studio's query must stay a seek: PostgreSQL cannot see that `to_timestamp(captured_at / 1000.0)` orders as
/// `captured_at` does, so an expression index on exactly the view's expression serves `ORDER BY captured_at DESC
/// LIMIT 1` as one backward index step (the price: a second index on snapshots, about 30 bytes a row), and an index
/// of the rollups by time makes the metadata one more seek. `to_timestamp(double precision)` is immutable (epoch
/// arithmetic, no time zone), so it can be indexed; milliseconds survive the double exactly at microsecond rounding.
enum StudioMetricsView {
    static let statements = [
        "CREATE INDEX snapshots_by_post_time ON snapshots (post_key, to_timestamp(captured_at / 1000.0))",
        "CREATE INDEX daily_rollups_by_time ON daily_rollups (post_key, captured_at)",
        """
        CREATE VIEW studio_social_post_metrics AS
        SELECT p.id AS social_post_id,
               to_timestamp(s.captured_at / 1000.0) AS captured_at,
               s.impressions, s.views, s.likes, s.comments, s.shares, s.saves,
               r.metadata
        FROM snapshots s
        JOIN posts p ON p.key = s.post_key
        LEFT JOIN daily_rollups r ON r.post_key = s.post_key AND r.captured_at = s.captured_at
        """,
        """
        COMMENT ON VIEW studio_social_post_metrics IS
        'Post metrics as the studio reads them, one row per metricsd snapshot: social_post_id, captured_at (timestamptz), \
        impressions, views, likes, comments, shares, saves (NULL when not reported), metadata (jsonb, from the daily \
        rollup when the snapshot is its local day''s last, else NULL). Maintained by metricsd; read-only.'
        """,
    ]
}
