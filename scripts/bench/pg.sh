# scripts/bench/pg.sh — a throwaway PostgreSQL cluster for the benchmarks, sourced (not run) by them.
#
#   pg_start DIR     initdb into DIR/pg and start it listening only on a Unix socket in DIR/pgsock, fsync off
#                    (nothing here needs to survive a crash), as nobody when root (PostgreSQL refuses root)
#   pg_database      creates a fresh database and prints a metricsd --database URL for it
#   pg_sql DB SQL    runs SQL in database DB, rows as unaligned text
#   pg_stop          stops the cluster at once (call it from the bench's EXIT trap)
# Needs `say` and `die` from the sourcing script.
PG_DIR=""
pg_bin() {
    local initdb
    initdb=$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
    [[ -n "$initdb" ]] || die "no initdb (scripts/setup installs postgresql)"
    dirname "$initdb"
}
pg_as_owner() { if ((EUID == 0)); then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }
pg_start() {
    PG_DIR=$1
    PG_BIN=$(pg_bin)
    PG_PSQL=$(command -v psql 2>/dev/null || echo "$PG_BIN/psql")
    mkdir -p "$PG_DIR/pg" "$PG_DIR/pgsock"
    chmod 0755 "$PG_DIR"
    ((EUID == 0)) && chown nobody "$PG_DIR/pg" "$PG_DIR/pgsock"
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/pg" -U postgres --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
        || die "initdb failed: $(cat "$PG_DIR/initdb.log")"
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/pg" -l "$PG_DIR/pg/server.log" -w \
        -o "-k $PG_DIR/pgsock -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || die "pg_ctl start failed: $(cat "$PG_DIR/pg/server.log")"
}
pg_sql() { "$PG_PSQL" -h "$PG_DIR/pgsock" -U postgres -X -q -t -A -d "$1" -c "$2"; }
pg_database() {
    # Named by the clock, not a counter: it is called in $(…), a subshell whose counter would not carry over.
    local name="bench_$(date +%s%N)"
    pg_sql postgres "CREATE DATABASE $name" >/dev/null
    echo "postgresql://postgres@/$name?host=$PG_DIR/pgsock"
}
pg_stop() {
    [[ -n "$PG_DIR" && -d "$PG_DIR/pg" ]] && pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/pg" -m immediate stop >/dev/null 2>&1
    return 0
}
