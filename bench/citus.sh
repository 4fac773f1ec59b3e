#!/usr/bin/env bash
# sessionize on Citus against one node, in the same run: builds Citus 13.2.2
# once from ../shared/vendor (test/citus_build.sh, cached outside the
# checkout), starts a coordinator and two workers on this machine with
# default settings (test/citus_lib.sh), and runs bench/citus.sql: one row per
# session and the session view over a table distributed by user_pseudo_id and
# over the same table on the coordinator alone.
#
#   bench/citus.sh                     200,000 users (~3.3M events), ~5 min
#   BENCH_USERS=20000 bench/citus.sh   a quick run
#
# Environment: BENCH_USERS (200000), BENCH_SEED (0.42), BENCH_RUNS (5: the
# median is reported), SZ_SKIP_BUILD=1 (the extension as installed), SZ_KEEP=1
# (keep the cluster's directory).  Prints a markdown report and writes it to
# bench/results/citus-STAMP.md (not committed).  Exits 0 with a message when
# Citus cannot be had (no ../shared/vendor, or PG_MAJOR other than 15), and
# non-zero when the two disagree.
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../test/lib.sh"
# shellcheck source=test/citus_lib.sh
. "$SZ_ROOT/test/citus_lib.sh"

BENCH_USERS=${BENCH_USERS:-200000}
BENCH_SEED=${BENCH_SEED:-0.42}
BENCH_RUNS=${BENCH_RUNS:-5}

rc=0
sz_citus_setup || rc=$?
if [ "$rc" = 3 ]; then
	echo "bench/citus.sh: skipped: $SZ_CITUS_SKIP"
	exit 0
elif [ "$rc" != 0 ]; then
	exit 1
fi
sz_setup

W=$(sz_workdir)
cleanup() {
	sz_citus_stop "$W"
	if [ "${SZ_KEEP:-0}" = 1 ]; then
		echo "cluster kept in $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

mkdir -p "$W/bench"
cp "$SZ_ROOT/bench/generate.sql" "$SZ_ROOT/bench/citus.sql" "$W/bench/"
[ "$(id -u)" = 0 ] && chown -R postgres: "$W/bench"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

sz_citus_start "$W"
sz_citus_psql "$W" -c "CREATE EXTENSION sessionize"

RESULTS=$SZ_ROOT/bench/results
mkdir -p "$RESULTS"
out=$RESULTS/citus-$(date -u +%Y%m%d-%H%M%S).md
sz_log "generating $BENCH_USERS users, loading both tables, then $BENCH_RUNS runs per query"
t0=$SECONDS
{
	echo "# sessionize benchmark: Citus against one node"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$SZ_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "- $(sz_citus_psql "$W" -At -c 'SELECT version()')"
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), load average at start $LOAD0"
	(cd "$W/bench" && sz_citus_psql "$W" -v users="$BENCH_USERS" -v seed="$BENCH_SEED" -v runs="$BENCH_RUNS" -f citus.sql) 2> >(grep -v 'has dependency on unsupported object\|will be created only locally' >&2)
	echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out"
cat "$out"
sz_log "written $out ($((SECONDS - t0)) s)"
! grep -q 'DISAGREE\| NO |' "$out"
