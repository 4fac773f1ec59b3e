#!/usr/bin/env bash
# bench/instructions.sh: what the queries of the agg suite cost in
# instructions, counted by valgrind's cachegrind, which the load of the
# machine does not change (timings on a shared machine vary by ±10 %).
#
#   bench/instructions.sh                       # 20,000 users, ~340,000 events, ~2 min
#   BENCH_USERS=5000 bench/instructions.sh      # quicker
#
# (Up to about 150,000 users: a larger table exceeds a quarter of
# shared_buffers, its scans then go through a small ring of buffers, and the
# second run no longer finds the table in memory.)
#   SZ_SKIP_BUILD=1 bench/instructions.sh       # the extension as installed
#
# Generates the clickstream of bench/generate.sql in a throwaway cluster,
# registers the agg suite's queries (bench/lib.sql, bench/agg.sql, which
# also checks ours against the plain SQL row by row), stops the server, then
# runs each query in single-user mode (postgres --single) under cachegrind,
# once and twice: the difference is the cost of one run with warm caches of
# the catalog and of the table, without start-up.  The plain SQL is left
# out (its sort makes it slow under valgrind; bench/run.sh agg times it).
# Prints a markdown table: millions of instructions per run and the ratio to
# the floor, and the last-level-cache data-read misses of cachegrind's
# simulated 4 MB cache, which stand for the data that does not fit in a
# cache.  Fails when a query fails or cachegrind gives no totals.
set -euo pipefail
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../test/lib.sh"

BENCH_USERS=${BENCH_USERS:-20000}
BENCH_SEED=${BENCH_SEED:-0.42}
QUERIES=(floor builtin ours_state ours)

sz_setup
if ! command -v valgrind >/dev/null; then
	sz_log "installing valgrind"
	sz_as_root apt-get update -qq
	sz_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi

W=$(sz_workdir)
cleanup() {
	sz_stop_server "$W"
	if [ "${SZ_KEEP:-0}" = 1 ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT

cp "$SZ_ROOT"/bench/*.sql "$W/"
[ "$(id -u)" = 0 ] && chown -R postgres: "$W"
sz_start_server "$W" "$SZ_PORT" "shared_buffers = '2GB'" "work_mem = '1GB'" \
	"hash_mem_multiplier = 2" "jit = off" "max_parallel_workers_per_gather = 0" \
	"autovacuum = off" "timezone = 'UTC'"
q() { sz_psql "$W" "$SZ_PORT" -d postgres "$@"; }
q -c "CREATE EXTENSION sessionize"
sz_log "generating $BENCH_USERS users (seed $BENCH_SEED)"
q -v users="$BENCH_USERS" -v seed="$BENCH_SEED" -f "$W/generate.sql"
q -c "VACUUM (FREEZE, ANALYZE) events"
q -f "$W/lib.sql" >/dev/null
q -v suite=agg -f "$W/agg.sql" >/dev/null
DATA=$(q -At -c "SELECT count(*) || ' events of ' || count(DISTINCT user_pseudo_id) || ' users' FROM events")

# one line per query: single-user mode ends a command at a newline
for name in "${QUERIES[@]}" rows; do
	if [ "$name" = rows ]; then
		# the rows of sessions() alone, without the checksum over them
		sql=$(q -At -c "SELECT regexp_replace(sql, '^SELECT concat_ws\(.*\)\s+FROM \(SELECT user_pseudo_id', 'SELECT count(*) FROM (SELECT user_pseudo_id') FROM bench_query WHERE suite = 'agg' AND name = 'ours'")
	else
		sql=$(q -At -c "SELECT sql FROM bench_query WHERE suite = 'agg' AND name = '$name'")
	fi
	[ -n "$sql" ] || { echo "no query $name" >&2; exit 1; }
	if [ "$name" = rows ] && [ "$sql" = "$(q -At -c "SELECT sql FROM bench_query WHERE suite = 'agg' AND name = 'ours'")" ]; then
		echo "the checksum of the ours query could not be replaced by count(*)" >&2
		exit 1
	fi
	if [ "$name" = rows ]; then
		echo "ours without the checksum: count(*) of the rows of sessions()" >"$W/$name.label"
	else
		q -At -c "SELECT label FROM bench_query WHERE suite = 'agg' AND name = '$name'" >"$W/$name.label"
	fi
	line="$(printf '%s' "$sql" | tr '\n' ' ');"
	printf '%s\n' "$line" >"$W/$name.1.sql"
	printf '%s\n%s\n' "$line" "$line" >"$W/$name.2.sql"
done
[ "$(id -u)" = 0 ] && chown -R postgres: "$W"
sz_stop_server "$W"
# (stopped: the cleanup must not signal that process id, reused by now)
unset SZ_POSTMASTER_PID

# cachegrind's totals: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
count() {
	local out=$W/cg.$1
	if ! sz_as_pg valgrind --tool=cachegrind --cache-sim=yes --LL=4194304,16,64 \
		--cachegrind-out-file="$out" "$PG_BIN/postgres" --single -D "$W/data" postgres \
		<"$W/$1.sql" >"$W/$1.log" 2>&1 ||
		grep -q 'ERROR:' "$W/$1.log" || ! grep -q '^summary:' "$out"; then
		# (postgres --single exits with 0 after a failed query)
		echo "cachegrind run of $1 failed:" >&2
		tail -20 "$W/$1.log" >&2
		return 1
	fi
	grep '^summary:' "$out" | cut -d' ' -f2-
}
echo "# instructions per run of the agg queries"
echo
echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$SZ_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- data: bench/generate.sql users=$BENCH_USERS seed=$BENCH_SEED: $DATA"
echo "- valgrind --tool=cachegrind, postgres --single; one run = two runs minus one"
echo
echo "| query | M instructions | × floor | LL data-read misses (k) |"
echo "|---|---:|---:|---:|"
floor=
for name in floor builtin ours_state rows ours; do
	sz_log "cachegrind: $name"
	sum1=$(count "$name.1") || exit 1
	sum2=$(count "$name.2") || exit 1
	read -r -a one <<<"$sum1"
	read -r -a two <<<"$sum2"
	ir=$((two[0] - one[0]))
	llmr=$((two[5] - one[5]))
	[ -n "$floor" ] || floor=$ir
	label=$(cat "$W/$name.label")
	awk -v l="$label" -v ir="$ir" -v f="$floor" -v m="$llmr" \
		'BEGIN { printf "| %s | %.0f | %.2f | %.0f |\n", l, ir / 1e6, ir / f, m / 1e3 }'
done
