#!/usr/bin/env bash
# refresh_session_table() under concurrency, with several psql sessions
# against the test server (SZ_DIR, SZ_PORT; see test/check.sh):
#
#   a. two refreshes at once, one holding its transaction open: the second
#      waits, and between them they process every new event exactly once;
#   b. events (and a delete) whose transaction commits after a refresh ran
#      are picked up by the next refresh;
#   c. refreshes running in a loop while another session inserts batches
#      (late events, new users): after a final refresh the table equals the
#      full recomputation and every inserted event was processed once;
#   d. the same with updates and deletes, and a rebuild (after TRUNCATE)
#      while inserts go on;
#   e-g. a TRUNCATE with a reload, a plain TRUNCATE, and events without a
#      user, committing while a refresh waits for the writer's lock: the
#      refresh that waited ends exact.
#
# After each scenario the session table is compared with a session view over
# the same source (EXCEPT ALL both ways).  Every wait is bounded; the script
# prints one line per check and exits non-zero when one fails.
. "$(dirname "$0")/lib.sh"

: "${SZ_DIR:?set SZ_DIR to the server's socket directory}"
: "${SZ_PORT:?set SZ_PORT to the server's port}"

DB=sz_refresh_concurrency
OUT=$(mktemp -d /tmp/sz_concurrency.XXXXXX)
chmod 777 "$OUT"
failures=0
bg_pids=()

cleanup() {
	local p
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$OUT"
}
trap cleanup EXIT

# q SQL: run SQL in the test database, unaligned tuples only
q() { sz_psql "$SZ_DIR" "$SZ_PORT" -d "$DB" -At -c "SET statement_timeout = '120s'; SET lock_timeout = '60s'" -c "$1"; }
# bg NAME SQL: run a SQL script in a background session (application_name
# NAME), its output in $OUT/NAME.out; its pid in last_pid
bg() {
	local name=$1 sql=$2
	printf "SET application_name = '%s';\nSET statement_timeout = '120s';\nSET lock_timeout = '60s';\n%s\n" \
		"$name" "$sql" >"$OUT/$name.sql"
	sz_psql "$SZ_DIR" "$SZ_PORT" -d "$DB" -At -f - <"$OUT/$name.sql" >"$OUT/$name.out" 2>&1 &
	bg_pids+=($!)
	last_pid=$!
}
# wait_for WHAT SECONDS SQL: poll until SQL returns t
wait_for() {
	local what=$1 deadline=$((SECONDS + $2)) sql=$3
	while [ "$SECONDS" -lt "$deadline" ]; do
		if [ "$(q "$sql")" = t ]; then return 0; fi
		sleep 0.1
	done
	echo "FAIL: timed out waiting for $what"
	failures=$((failures + 1))
	return 1
}
# wait_pid PID SECONDS: wait for a background session, killing it at the deadline
wait_pid() {
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			kill "$pid" 2>/dev/null || true
			echo "FAIL: background session $pid still running after $2 s"
			failures=$((failures + 1))
			return 1
		fi
		sleep 0.1
	done
	wait "$pid" || { echo "FAIL: background session $pid failed"; failures=$((failures + 1)); return 1; }
}
# the table against the full recomputation: rows missing + rows in excess
differences() {
	q "SELECT (SELECT count(*) FROM (SELECT * FROM cc_ref EXCEPT ALL SELECT * FROM cc_sessions) x)
	        + (SELECT count(*) FROM (SELECT * FROM cc_sessions EXCEPT ALL SELECT * FROM cc_ref) y)"
}
processed_total() { q "SELECT events_processed FROM cc_sessions_config"; }
counted_total() { q "SELECT count(*) FROM cc_events WHERE event_timestamp IS NOT NULL AND event_name IS DISTINCT FROM 'Notification Sent'"; }

sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
q "CREATE EXTENSION sessionize" >/dev/null

# The source (AWS event_v2 shape) and cc_insert(tag, users, n): n random
# events over 20 days for users 1..users (late events for old users, new
# users above the old range); returns how many it inserted.
q "
CREATE TABLE cc_events (
    event_id text PRIMARY KEY, event_name text, event_timestamp timestamp,
    platform text, user_pseudo_id text NOT NULL, page_view_page_title text,
    screen_view_screen_name text, user_engagement_time_msec bigint);
CREATE SEQUENCE cc_seq;
CREATE FUNCTION cc_insert(tag text, users int, n int) RETURNS bigint LANGUAGE sql AS \$\$
    WITH ins AS (
        INSERT INTO cc_events
        SELECT tag || '-' || nextval('cc_seq'),
               (ARRAY['_page_view', '_click', '_user_engagement', '_session_start'])[1 + floor(random() * 4)::int],
               timestamp '2026-04-01' + floor(random() * 20 * 86400000) * interval '1 ms',
               (ARRAY['Web', 'Android'])[1 + u % 2], 'u' || u,
               'page ' || floor(random() * 5), NULL, floor(random() * 10000)::bigint
        FROM (SELECT 1 + floor(random() * users)::int AS u FROM generate_series(1, n)) x
        RETURNING 1)
    SELECT count(*) FROM ins
\$\$;
SELECT cc_insert('init', 200, 3000);
" >/dev/null
q "SELECT create_session_table('cc_events', 'cc_sessions', dashboards => false)" >/dev/null
q "SELECT create_session_view('cc_events', 'cc_ref', dashboards => false)" >/dev/null
check "initial build equals the recomputation" 0 "$(differences)"
check "initial build processed every event" "$(counted_total)" "$(processed_total)"

########################################################################
echo "== a. two concurrent refreshes"
before=$(processed_total)
q "SELECT cc_insert('a1', 220, 500)" >/dev/null
# session A refreshes and keeps its transaction (and the refresh lock) open
bg a_first "BEGIN;
SELECT refresh_session_table('cc_sessions');
SELECT pg_sleep(3);
COMMIT;"
pid_a=$last_pid
wait_for "session A to have refreshed, in its open transaction" 20 "
    SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                   WHERE application_name = 'a_first' AND query LIKE 'SELECT pg_sleep%' AND state = 'active')" || true
check "A holds the refresh lock" "t" "$(q "
    SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                   WHERE a.application_name = 'a_first' AND l.relation = 'cc_sessions_state'::regclass
                     AND l.mode = 'ShareRowExclusiveLock' AND l.granted)")"
# events committed while A still runs: A does not see them, B must take them
q "SELECT cc_insert('a2', 220, 300)" >/dev/null
bg a_second "SELECT refresh_session_table('cc_sessions');"
pid_b=$last_pid
wait_for "session B to wait for A's lock" 20 "
    SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                   WHERE application_name = 'a_second' AND wait_event_type = 'Lock')" || true
check "A still running while B waits" "t" "$(q "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'a_first')")"
wait_pid "$pid_a" 60 || true
wait_pid "$pid_b" 60 || true
proc_a=$(grep -E '^[0-9]+$' "$OUT/a_first.out" | head -1 || true)
proc_b=$(grep -E '^[0-9]+$' "$OUT/a_second.out" | head -1 || true)
echo "      A processed ${proc_a:-?}, B processed ${proc_b:-?}"
check "A processed the first batch" 500 "${proc_a:-none}"
check "B processed the batch committed during A" 300 "${proc_b:-none}"
check "events_processed grew by the events inserted" 800 "$(( $(processed_total) - before ))"
check "table equals the recomputation after (a)" 0 "$(differences)"
check "nothing left to refresh after (a)" 0 "$(q "SELECT refresh_session_table('cc_sessions')")"

########################################################################
echo "== b. a transaction that commits after a refresh"
# the partitions of the events the writer deletes are recomputed
q "CREATE TABLE cc_b_deleted AS SELECT event_id, user_pseudo_id, platform FROM cc_events
   WHERE event_id LIKE 'init-%' ORDER BY event_id LIMIT 5" >/dev/null
bg b_writer "BEGIN;
SELECT cc_insert('b', 250, 120);
DELETE FROM cc_events WHERE event_id IN (SELECT event_id FROM cc_b_deleted);
SELECT pg_sleep(3);
COMMIT;"
pid_w=$last_pid
wait_for "the writer to have written (uncommitted)" 20 "
    SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                   WHERE application_name = 'b_writer' AND query LIKE 'SELECT pg_sleep%' AND state = 'active')" || true
check "a refresh during the open transaction sees nothing" 0 "$(q "SELECT refresh_session_table('cc_sessions')")"
check "the writer is still uncommitted" "t" "$(q "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'b_writer')")"
wait_pid "$pid_w" 60 || true
check "table lags behind before the next refresh" "t" "$(q "SELECT $(differences) > 0")"
# the inserts are merged, the partitions with a deleted event recomputed
# from the source (all their events); each event counted once
expected=$(q "SELECT count(*) FROM cc_events e
              WHERE e.event_id LIKE 'b-%' AND (e.user_pseudo_id, e.platform) NOT IN (SELECT user_pseudo_id, platform FROM cc_b_deleted)
                 OR (e.user_pseudo_id, e.platform) IN (SELECT user_pseudo_id, platform FROM cc_b_deleted)")
check "the next refresh processes them" "$expected" "$(q "SELECT refresh_session_table('cc_sessions')")"
check "table equals the recomputation after (b)" 0 "$(differences)"
check "nothing left to refresh after (b)" 0 "$(q "SELECT refresh_session_table('cc_sessions')")"

########################################################################
echo "== c. refreshes in a loop while batches are inserted"
before=$(processed_total)
before_counted=$(counted_total)
bg c_inserter "DO \$\$
BEGIN
    FOR i IN 1..40 LOOP
        PERFORM cc_insert('c' || i, 200 + i * 5, 25);
        COMMIT;
        PERFORM pg_sleep(0.05);
    END LOOP;
END \$\$;"
pid_i=$last_pid
bg c_refresher "DO \$\$
BEGIN
    FOR i IN 1..60 LOOP
        PERFORM refresh_session_table('cc_sessions');
        COMMIT;
        PERFORM pg_sleep(0.03);
    END LOOP;
END \$\$;"
pid_r=$last_pid
bg c_refresher2 "DO \$\$
BEGIN
    FOR i IN 1..40 LOOP
        PERFORM refresh_session_table('cc_sessions');
        COMMIT;
        PERFORM pg_sleep(0.05);
    END LOOP;
END \$\$;"
pid_r2=$last_pid
wait_pid "$pid_i" 120 || true
wait_pid "$pid_r" 120 || true
wait_pid "$pid_r2" 120 || true
for f in c_inserter c_refresher c_refresher2; do
	if grep -q ERROR "$OUT/$f.out"; then
		echo "FAIL: $f: $(grep ERROR "$OUT/$f.out" | head -3)"
		failures=$((failures + 1))
	fi
done
q "SELECT refresh_session_table('cc_sessions')" >/dev/null
inserted=$(( $(counted_total) - before_counted ))
check "1000 events inserted" 1000 "$inserted"
check "every inserted event processed exactly once" "$inserted" "$(( $(processed_total) - before ))"
check "table equals the recomputation after (c)" 0 "$(differences)"

########################################################################
echo "== d. updates, deletes and a rebuild while inserts go on"
bg d_writer "DO \$\$
BEGIN
    FOR i IN 1..30 LOOP
        PERFORM cc_insert('d' || i, 300, 20);
        UPDATE cc_events SET event_timestamp = event_timestamp + interval '40 minutes'
        WHERE event_id IN (SELECT event_id FROM cc_events ORDER BY md5(event_id || i) LIMIT 3);
        DELETE FROM cc_events
        WHERE event_id IN (SELECT event_id FROM cc_events ORDER BY md5(event_id || i || 'd') LIMIT 3);
        COMMIT;
        PERFORM pg_sleep(0.05);
    END LOOP;
END \$\$;"
pid_w=$last_pid
bg d_refresher "DO \$\$
BEGIN
    FOR i IN 1..50 LOOP
        PERFORM refresh_session_table('cc_sessions');
        COMMIT;
        PERFORM pg_sleep(0.03);
    END LOOP;
END \$\$;"
pid_r=$last_pid
wait_pid "$pid_w" 120 || true
wait_pid "$pid_r" 120 || true
for f in d_writer d_refresher; do
	if grep -q ERROR "$OUT/$f.out"; then
		echo "FAIL: $f: $(grep ERROR "$OUT/$f.out" | head -3)"
		failures=$((failures + 1))
	fi
done
q "SELECT refresh_session_table('cc_sessions')" >/dev/null
check "table equals the recomputation after updates and deletes" 0 "$(differences)"

# a rebuild (the source was truncated) while another session inserts
q "TRUNCATE cc_events" >/dev/null
q "SELECT cc_insert('e0', 100, 500)" >/dev/null
bg e_inserter "DO \$\$
BEGIN
    FOR i IN 1..20 LOOP
        PERFORM cc_insert('e' || i, 150, 25);
        COMMIT;
        PERFORM pg_sleep(0.05);
    END LOOP;
END \$\$;"
pid_i=$last_pid
sleep 0.3
rebuild=$(q "SELECT refresh_session_table('cc_sessions')" 2>&1 || true)
echo "      rebuild: ${rebuild%%$'\n'*}"
check "the rebuild after TRUNCATE succeeds" "t" "$( [[ "$rebuild" =~ ^[0-9]+$ ]] && echo t || echo f)"
wait_pid "$pid_i" 120 || true
grep -q ERROR "$OUT/e_inserter.out" && { echo "FAIL: e_inserter: $(grep ERROR "$OUT/e_inserter.out" | head -3)"; failures=$((failures + 1)); }
q "SELECT refresh_session_table('cc_sessions')" >/dev/null 2>&1 || true
check "table equals the recomputation after the rebuild" 0 "$(differences)"
check "bookkeeping empty at the end" 0 "$(q "SELECT (SELECT count(*) FROM cc_sessions_delta) + (SELECT count(*) FROM cc_sessions_dirty)")"

########################################################################
# e-g: a change that asks for a rebuild commits while a refresh is under
# way, after it started and before it reads the captured changes (it waits
# for the writer's lock on the source).  The refresh must see the rebuild
# mark in the snapshot in which it consumes the changes.
# in_writer NAME SQL: run SQL in a transaction that sleeps 3 s before it
# commits, and wait until it sleeps
in_writer() {
	bg "$1" "BEGIN;
$2
SELECT pg_sleep(3);
COMMIT;"
	writer_pid=$last_pid
	wait_for "$1 to hold its lock" 20 "
	    SELECT EXISTS (SELECT 1 FROM pg_stat_activity
	                   WHERE application_name = '$1' AND query LIKE 'SELECT pg_sleep%' AND state = 'active')" || true
}
# refresh_during NAME: a refresh while writer NAME sleeps; it must wait
refresh_during() {
	local out
	out=$(q "SELECT refresh_session_table('cc_sessions')" 2>&1 || true)
	check "the refresh during $1 succeeds" "t" "$( [[ "$out" =~ ^[0-9]+$ ]] && echo t || echo f)"
	wait_pid "$writer_pid" 60 || true
	if grep -q ERROR "$OUT/$1.out"; then
		echo "FAIL: $1: $(grep ERROR "$OUT/$1.out" | head -3)"
		failures=$((failures + 1))
	fi
}

echo "== e. TRUNCATE and reload committing during a refresh"
q "CREATE TABLE cc_backup AS SELECT * FROM cc_events" >/dev/null
q "SELECT cc_insert('f0', 200, 400)" >/dev/null	# pending events the refresh would merge
in_writer e_reload "TRUNCATE cc_events; INSERT INTO cc_events SELECT * FROM cc_backup;"
refresh_during e_reload
check "table equals the recomputation right after that refresh (e)" 0 "$(differences)"
check "sessions after the reload" "$(q "SELECT count(*) FROM cc_ref")" "$(q "SELECT count(*) FROM cc_sessions")"
check "nothing left to refresh after (e)" 0 "$(q "SELECT refresh_session_table('cc_sessions')")"

echo "== f. a plain TRUNCATE committing during a refresh"
q "SELECT cc_insert('g0', 200, 400)" >/dev/null
in_writer f_truncate "TRUNCATE cc_events;"
refresh_during f_truncate
check "table equals the recomputation right after that refresh (f)" 0 "$(differences)"
check "no sessions left" 0 "$(q "SELECT count(*) FROM cc_sessions")"

echo "== g. events without a user committing during a refresh"
q "ALTER TABLE cc_events ALTER COLUMN user_pseudo_id DROP NOT NULL" >/dev/null
q "INSERT INTO cc_events SELECT * FROM cc_backup" >/dev/null
q "SELECT refresh_session_table('cc_sessions')" >/dev/null
check "table equals the recomputation before (g)" 0 "$(differences)"
q "SELECT cc_insert('h0', 200, 300)" >/dev/null
in_writer g_nulls "INSERT INTO cc_events
    SELECT 'n' || i, '_page_view', timestamp '2026-04-05' + i * interval '1 minute', 'Web', NULL, 'p', NULL, NULL
    FROM generate_series(1, 50) i;
LOCK TABLE cc_events IN ACCESS EXCLUSIVE MODE;"
refresh_during g_nulls
check "table equals the recomputation right after that refresh (g)" 0 "$(differences)"
check "the sessions without a user are there" "t" "$(q "SELECT count(*) > 0 FROM cc_sessions WHERE user_pseudo_id IS NULL")"
check "bookkeeping empty after (g)" 0 "$(q "SELECT (SELECT count(*) FROM cc_sessions_delta) + (SELECT count(*) FROM cc_sessions_dirty)")"

sz_finish t_refresh_concurrency
