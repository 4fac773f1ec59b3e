#!/usr/bin/env bash
# sessionize on a Citus cluster: Citus 13.2.2 built once from the vendored
# source (test/citus_build.sh, cached outside the checkout), a coordinator and
# two workers started as the postgres OS user on Unix sockets
# (test/citus_lib.sh), then test/citus_checks.sql: the same events in a table
# distributed by user_pseudo_id and in a plain table, every function, view,
# dashboard and live report compared exactly, and EXPLAIN checked for what
# runs on the workers.  Prints one "ok:"/"FAIL:" line per check, "note:"
# lines, and "known:" lines for the failure docs/citus.md describes (which
# do not fail the test); exits non-zero when a check failed.
#
# Skips (exit 0, with a line saying why) when ../shared/vendor is absent or
# PG_MAJOR is not 15 (Citus 13.2 supports PostgreSQL 15 to 17; the suite's
# other major is 18).  Run by test/check.sh with the suite's extension build
# installed; alone it builds and installs sessionize first (SZ_SKIP_BUILD=1:
# as installed).  SZ_CITUS_USERS sets the number of users (default 3000).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/citus_lib.sh"
. "$(dirname "$0")/ingest_scenario.sh"

t0=$SECONDS
rc=0
sz_citus_setup || rc=$?
if [ "$rc" = 3 ]; then
	echo "skipped: $SZ_CITUS_SKIP"
	exit 0
elif [ "$rc" != 0 ]; then
	echo "FAIL: could not build or install Citus (test/citus_build.sh exit $rc)"
	exit 1
fi
# alone (not under test/check.sh): build and install the extension
[ -n "${SZ_DIR:-}" ] || sz_setup

W=$(sz_workdir)
cleanup() {
	[ -n "${bg_pid:-}" ] && kill "$bg_pid" 2>/dev/null
	sz_citus_stop "$W"
	if [ "${SZ_KEEP:-0}" = 1 ]; then
		echo "cluster kept in $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

mkdir -p "$W/bench" "$W/test"
cp "$SZ_ROOT/bench/generate.sql" "$SZ_ROOT/bench/generate_webinar.sql" "$W/bench/"
cp "$SZ_ROOT/test/citus_checks.sql" "$W/test/"
[ "$(id -u)" = 0 ] && chown -R postgres: "$W/bench" "$W/test"

# (in a zone with daylight saving time: generated statements must not
# depend on the workers' zone, test/citus_checks.sql)
sz_citus_start "$W" "timezone = 'Europe/Berlin'"
# CREATE EXTENSION on the coordinator propagates to the workers
sz_citus_psql "$W" -c "CREATE EXTENSION sessionize"
failures=0
for n in 1 2; do
	v=$(sz_citus_worker_psql "$W" "$n" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'sessionize'")
	if [ -n "$v" ]; then
		echo "ok:   CREATE EXTENSION sessionize propagated to worker $n (version $v)"
	else
		echo "FAIL: CREATE EXTENSION sessionize did not reach worker $n"
		failures=$((failures + 1))
	fi
done

out=$W/checks.out
(cd "$W" && sz_citus_psql "$W" -At -v users="${SZ_CITUS_USERS:-3000}" -f test/citus_checks.sql) >"$out" 2>&1 || {
	cat "$out"
	echo "FAIL: test/citus_checks.sql stopped with an error"
	exit 1
}
# (Citus's warnings about bench/generate.sql's temporary function)
grep -v 'has dependency on unsupported object\|will be created only locally' "$out"
failures=$((failures + $(grep -c '^FAIL' "$out" || true)))
ok=$(grep -c '^ok' "$out")

# the ingest scenario of one server (test/ingest_scenario.sh: arrivals,
# late-committing transactions, marked users, TRUNCATE), the events
# distributed by Citus
echo "== test/ingest_scenario.sh with the events distributed by Citus"
q() { sz_citus_psql "$W" -At -c "SET client_min_messages = warning" -c "$1"; }
qbg() { sz_citus_psql "$W" -f "$1" >/dev/null 2>&1 & bg_pid=$!; }
SZ_INGEST_SETUP="SELECT create_distributed_table('ig_events', 'user_pseudo_id')"
before=$failures
ingest_scenario | tee "$W/ingest.out"
failures=$((before + $(grep -c '^FAIL' "$W/ingest.out" || true)))
ok=$((ok + $(grep -c '^ok' "$W/ingest.out" || true)))
check "the scenario's session table is distributed" 3 \
	"$(q "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid IN ('ig_sessions'::regclass, 'ig_sessions_state'::regclass, 'ig_sessions_delta'::regclass)")"

echo "$ok checks ok, $failures failed, in $((SECONDS - t0)) s"
[ "$failures" -eq 0 ]
