#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds and installs the
# extension, starts a throwaway PostgreSQL server as the postgres OS user, runs
# the pg_regress files listed in test/schedule and the script tests
# test/t_*.sh against it, stops it, and ends with one line "N passed, N failed".
# Exit status is non-zero when anything failed.
#
#   test/check.sh                 everything, on every supported major (15
#                                 and 18; SZ_MAJORS="18" for one), each
#                                 major's lines prefixed with [pgNN]
#   PG_MAJOR=18 test/check.sh     everything, on one major
#   test/check.sh NAME...         only these pg_regress files, on PG_MAJOR
#                                 (default 15), no script tests
if [ -z "${PG_MAJOR:-}" ] && [ $# -eq 0 ]; then
	# each major in turn; the last line sums them: "N passed, N failed".
	# PostgreSQL 18 is built from source once into a cache outside the
	# checkout (test/pgbuild.sh: minutes the first time, seconds after).
	set -uo pipefail
	read -r -a majors <<<"${SZ_MAJORS:-15 18}"
	logdir=$(mktemp -d /tmp/sessionize-ci.XXXXXX)
	total_passed=0
	total_failed=0
	summary=()
	for m in "${majors[@]}"; do
		echo "=== PostgreSQL $m ==="
		t0=$(date +%s)
		PG_MAJOR=$m bash "$0" </dev/null 2>&1 | tee "$logdir/pg$m.log" | sed -u "s/^/[pg$m] /"
		status=${PIPESTATUS[0]}
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logdir/pg$m.log" | tail -1)
		if [ -n "$line" ]; then
			p=${line%% passed*}
			f=${line#*passed, }
			f=${f%% failed*}
		else
			# test/check.sh stopped before its count (setup or build failed)
			p=0 f=0
		fi
		# a non-zero exit counts as a failure even when the count says none
		if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		total_passed=$((total_passed + p))
		total_failed=$((total_failed + f))
		summary+=("PostgreSQL $m: $p passed, $f failed, exit $status, $(($(date +%s) - t0)) s")
		echo "=== PostgreSQL $m: $p passed, $f failed (exit $status) in $(($(date +%s) - t0)) s ==="
	done
	for s in "${summary[@]}"; do echo "== $s"; done
	rm -rf "$logdir"
	echo "$total_passed passed, $total_failed failed"
	[ "$total_failed" -eq 0 ]
	exit $?
fi
. "$(dirname "$0")/lib.sh"

sz_setup

W=$(sz_workdir)
cleanup() {
	sz_stop_server "$W"
	if [ "${failed:-1}" = 0 ] && [ "${SZ_KEEP:-0}" != 1 ]; then
		rm -rf "$W"
	else
		echo "test outputs kept in $W/out (results/, regression.diffs) and $W/*.log" >&2
	fi
}
trap cleanup EXIT

cp -r "$SZ_ROOT/sql" "$SZ_ROOT/expected" "$SZ_ROOT/test" "$SZ_ROOT/bench" "$W/"
mkdir -p "$W/out"
[ "$(id -u)" = 0 ] && chown -R postgres: "$W"

# pg_cron runs in the test server (its jobs as background workers, since the
# server listens on a Unix socket only), for the scheduled-refresh test.
# Where this major has no pg_cron (test/pgbuild.sh builds it only from
# Debian's source package), that test is skipped and says so.
if [ -f "$($PG_CONFIG --pkglibdir)/pg_cron.so" ]; then
	have_cron=true
	sz_start_server "$W" "$SZ_PORT" \
		"shared_preload_libraries = 'pg_cron'" \
		"cron.database_name = 'contrib_regression'" \
		"cron.use_background_workers = on" \
		"max_worker_processes = 20"
else
	have_cron=false
	echo "cron ... skipped: no pg_cron for PostgreSQL $PG_MAJOR on this machine"
	sed -E 's/^(test:.*) cron( |$)/\1\2/' "$W/test/schedule" >"$W/test/schedule.nocron"
	mv "$W/test/schedule.nocron" "$W/test/schedule"
	sz_start_server "$W" "$SZ_PORT" "max_worker_processes = 20"
fi

# Peer projects' fixtures, when the shared folder is beside the checkout.
PEERS=$(cd "$SZ_ROOT/.." && pwd)/shared/peer-fixtures
if [ -d "$PEERS" ]; then export SESSIONIZE_PEER_FIXTURES=$PEERS; fi

PG_REGRESS=$(dirname "$($PG_CONFIG --pgxs)")/../test/regress/pg_regress
if [ $# -gt 0 ]; then
	schedule_args=("$@")
	run_scripts=false
else
	schedule_args=(--schedule="$W/test/schedule")
	run_scripts=true
fi

# pg_regress feeds each file to psql on stdin: \i paths are relative to $W.
cd "$W"
set +e
sz_as_pg env SESSIONIZE_PEER_FIXTURES="${SESSIONIZE_PEER_FIXTURES:-}" \
	"$PG_REGRESS" --host="$W" --port="$SZ_PORT" --user=postgres \
	--bindir="$PG_BIN" --inputdir="$W" --outputdir="$W/out" \
	--load-extension=sessionize --dbname=contrib_regression "${schedule_args[@]}" 2>&1 | tee "$W/regress.log"
set -e

passed=$(grep -cE '\.\.\. ok|^ok ' "$W/regress.log" || true)
failed=$(grep -cE '\.\.\. FAILED|\.\.\. failed|^not ok ' "$W/regress.log" || true)
if [ -s "$W/out/regression.diffs" ]; then
	cat "$W/out/regression.diffs"
	cp "$W/out/regression.diffs" "$SZ_ROOT/regression.diffs" 2>/dev/null || true
fi

# Script tests: each gets the server's socket directory and port.
if $run_scripts; then
	for t in "$SZ_ROOT"/test/t_*.sh; do
		[ -e "$t" ] || continue
		name=$(basename "$t" .sh)
		if SZ_DIR="$W" SZ_PORT="$SZ_PORT" bash "$t" >"$W/$name.log" 2>&1; then
			# a script test that cannot run here says "skipped: why" and exits 0
			skip=$(sed -n 's/^skipped: //p' "$W/$name.log" | tail -1)
			if [ -n "$skip" ]; then
				echo "script $name ... skipped: $skip"
			else
				echo "script $name ... ok"
				passed=$((passed + 1))
			fi
		else
			echo "script $name ... FAILED"
			tail -40 "$W/$name.log"
			failed=$((failed + 1))
		fi
	done
fi

if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
	echo "no test ran"
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
