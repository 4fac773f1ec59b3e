#!/usr/bin/env bash
# A session table survives pg_dump and restore (plain and custom format):
# the restored copy keeps refreshing exactly, its pending captured events
# included, and its capture triggers keep capturing.  Against the test
# server (SZ_DIR, SZ_PORT; see test/check.sh).
. "$(dirname "$0")/lib.sh"

: "${SZ_DIR:?set SZ_DIR to the server's socket directory}"
: "${SZ_PORT:?set SZ_PORT to the server's port}"

SRC=sz_dump_src
OUT=$(mktemp -d /tmp/sz_dump.XXXXXX)
chmod 777 "$OUT"
failures=0
cleanup() {
	for db in $SRC ${SRC}_plain ${SRC}_custom; do
		sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	done
	rm -rf "$OUT"
}
trap cleanup EXIT

q() { local db=$1; shift; sz_psql "$SZ_DIR" "$SZ_PORT" -d "$db" -At -c "SET client_min_messages = warning" -c "$1"; }
differences() {
	q "$1" "SELECT (SELECT count(*) FROM (SELECT * FROM dr_ref EXCEPT ALL SELECT * FROM dr_sessions) x)
	             + (SELECT count(*) FROM (SELECT * FROM dr_sessions EXCEPT ALL SELECT * FROM dr_ref) y)"
}
add_events() {	# add_events DB TAG: late and new events
	q "$1" "INSERT INTO app.dr_events
	        SELECT '$2-' || i, '_page_view', timestamp '2026-04-01' + (i * 7919 % 2000) * interval '13 minutes',
	               (ARRAY['Web', 'iOS'])[1 + i % 2], 'u' || (i % 40), 'P' || (i % 5), NULL, NULL
	        FROM generate_series(1, 300) i" >/dev/null
}

sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $SRC WITH (FORCE)" -c "CREATE DATABASE $SRC" >/dev/null
q $SRC "CREATE EXTENSION sessionize" >/dev/null
q $SRC "CREATE SCHEMA app;
CREATE TABLE app.dr_events (
    event_id text, event_name text, event_timestamp timestamp, platform text,
    user_pseudo_id text, page_view_page_title text, screen_view_screen_name text,
    user_engagement_time_msec bigint)" >/dev/null
add_events $SRC a
q $SRC "SELECT create_session_table('app.dr_events', 'dr_sessions')" >/dev/null
q $SRC "SELECT create_session_view('app.dr_events', 'dr_ref', dashboards => false)" >/dev/null
add_events $SRC b
q $SRC "SELECT refresh_session_table('dr_sessions')" >/dev/null
check "the original equals the recomputation" 0 "$(differences $SRC)"
# captured, not yet refreshed: the dump carries them
add_events $SRC c
q $SRC "DELETE FROM app.dr_events WHERE event_id LIKE 'a-1%'" >/dev/null
pending=$(q $SRC "SELECT (SELECT count(*) FROM dr_sessions_delta) + (SELECT count(*) FROM dr_sessions_dirty)")
check "changes pending before the dump" t "$([ "$pending" -gt 0 ] && echo t || echo f)"

sz_as_pg "$PG_BIN/pg_dump" -h "$SZ_DIR" -p "$SZ_PORT" -U postgres -Fp -f "$OUT/plain.sql" $SRC
sz_as_pg "$PG_BIN/pg_dump" -h "$SZ_DIR" -p "$SZ_PORT" -U postgres -Fc -f "$OUT/custom.dump" $SRC
for fmt in plain custom; do
	db=${SRC}_$fmt
	echo "== restored from the $fmt dump"
	sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
	if [ $fmt = plain ]; then
		sz_psql "$SZ_DIR" "$SZ_PORT" -d "$db" -f "$OUT/plain.sql" >"$OUT/restore_$fmt.log" 2>&1
	else
		sz_as_pg "$PG_BIN/pg_restore" -h "$SZ_DIR" -p "$SZ_PORT" -U postgres -d "$db" --exit-on-error \
			"$OUT/custom.dump" >"$OUT/restore_$fmt.log" 2>&1
	fi
	check "the $fmt restore succeeds" 0 "$?"
	check "pending changes restored" "$pending" "$(q "$db" "SELECT (SELECT count(*) FROM dr_sessions_delta) + (SELECT count(*) FROM dr_sessions_dirty)")"
	check "source recorded by name" "app.dr_events" "$(q "$db" "SELECT source::text FROM dr_sessions_config")"
	out=$(q "$db" "SELECT refresh_session_table('dr_sessions')" 2>&1) || true
	check "the first refresh after the restore succeeds" t "$( [[ "$out" =~ ^[0-9]+$ ]] && echo t || echo f)"
	check "the restored table equals the recomputation" 0 "$(differences "$db")"
	# the restored triggers capture, and refreshes stay exact
	add_events "$db" d
	q "$db" "UPDATE app.dr_events SET page_view_page_title = 'X' WHERE event_id LIKE 'b-2%'" >/dev/null
	check "new events are captured" t "$(q "$db" "SELECT count(*) > 0 FROM dr_sessions_delta")"
	q "$db" "SELECT refresh_session_table('dr_sessions')" >/dev/null
	check "the restored table equals the recomputation after new events" 0 "$(differences "$db")"
	q "$db" "TRUNCATE app.dr_events" >/dev/null
	add_events "$db" e
	q "$db" "SELECT refresh_session_table('dr_sessions')" >/dev/null
	check "after TRUNCATE and new events" 0 "$(differences "$db")"
	check "the capture functions are still not executable by PUBLIC" f \
		"$(q "$db" "SELECT bool_or(has_function_privilege('public', p.oid, 'EXECUTE')) FROM pg_proc p WHERE proname LIKE 'dr_sessions_capture_%'")"
done

sz_finish t_dump_restore
