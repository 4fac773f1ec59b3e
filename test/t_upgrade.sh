#!/usr/bin/env bash
# ALTER EXTENSION sessionize UPDATE from every released version: the result
# equals a fresh install of the current version (every member object, its
# definition, settings, privileges and comment), and session tables made by
# the old version keep refreshing exactly, with their capture functions made
# again as the current version makes them.  Against the test server
# (SZ_DIR, SZ_PORT; see test/check.sh).
. "$(dirname "$0")/lib.sh"

: "${SZ_DIR:?set SZ_DIR to the server's socket directory}"
: "${SZ_PORT:?set SZ_PORT to the server's port}"

OLD_VERSIONS="0.1.0"
FRESH=sz_upgrade_fresh
OUT=$(mktemp -d /tmp/sz_upgrade.XXXXXX)
chmod 777 "$OUT"
failures=0
dbs=("$FRESH")
cleanup() {
	local db
	for db in "${dbs[@]}"; do
		sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	done
	rm -rf "$OUT"
}
trap cleanup EXIT

q() { local db=$1; shift; sz_psql "$SZ_DIR" "$SZ_PORT" -d "$db" -At -c "SET client_min_messages = warning" -c "$1"; }
newdb() {
	sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
}
# members DB: every member object of the extension with its definition
members() {
	q "$1" "
	SELECT pg_describe_object(d.classid, d.objid, 0) || E'\n' ||
	       coalesce(CASE d.classid
	           WHEN 'pg_proc'::regclass THEN (
	               SELECT CASE WHEN p.prokind = 'a'
	                           THEN pg_get_function_arguments(p.oid) || ' ' ||
	                                (SELECT row(a.aggtransfn::regprocedure, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
	                                            a.aggdeserialfn, a.aggtranstype::regtype, a.aggtransspace,
	                                            a.aggfinalmodify, a.aggkind)::text
	                                 FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
	                           ELSE pg_get_functiondef(p.oid) END
	                      || E'\nacl: ' || coalesce(p.proacl::text, 'default')
	               FROM pg_proc p WHERE p.oid = d.objid)
	           WHEN 'pg_type'::regclass THEN (
	               SELECT row(t.typinput, t.typoutput, t.typreceive, t.typsend, t.typlen, t.typbyval,
	                          t.typalign, t.typstorage, t.typcategory, t.typtype)::text ||
	                      coalesce((SELECT ' ' || string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
	                                FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0), '')
	               FROM pg_type t WHERE t.oid = d.objid)
	           WHEN 'pg_cast'::regclass THEN (
	               SELECT row(c.castsource::regtype, c.casttarget::regtype, c.castfunc::regprocedure,
	                          c.castcontext, c.castmethod)::text
	               FROM pg_cast c WHERE c.oid = d.objid)
	           END, '') || E'\ncomment: ' ||
	       coalesce(obj_description(d.objid, (SELECT relname FROM pg_class WHERE oid = d.classid)), '')
	FROM pg_depend d
	WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sessionize') AND d.deptype = 'e'
	ORDER BY 1"
}
differences() {
	q "$1" "SELECT (SELECT count(*) FROM (SELECT * FROM up_ref EXCEPT ALL SELECT * FROM up_sessions) x)
	             + (SELECT count(*) FROM (SELECT * FROM up_sessions EXCEPT ALL SELECT * FROM up_ref) y)"
}
add_events() {	# add_events DB TAG
	q "$1" "INSERT INTO up_events
	        SELECT '$2-' || i, CASE WHEN i % 4 = 0 THEN '_user_engagement' ELSE '_page_view' END,
	               timestamp '2026-04-01' + (i * 7919 % 3000) * interval '11 minutes',
	               (ARRAY['Web', 'iOS', NULL])[1 + i % 3], 'u' || (i % 50), 'P' || (i % 5), NULL,
	               CASE WHEN i % 4 = 0 THEN 3000 + i END
	        FROM generate_series(1, 400) i" >/dev/null
}

newdb $FRESH
q $FRESH "CREATE EXTENSION sessionize" >/dev/null
current=$(q $FRESH "SELECT extversion FROM pg_extension WHERE extname = 'sessionize'")
members $FRESH >"$OUT/fresh.txt"
echo "current version $current: $(grep -c '^comment:' "$OUT/fresh.txt") member objects"

for old in $OLD_VERSIONS; do
	db=sz_upgrade_${old//./_}
	dbs+=("$db")
	echo "== from $old"
	newdb "$db"
	q "$db" "CREATE EXTENSION sessionize VERSION '$old'" >/dev/null
	q "$db" "CREATE TABLE up_events (
	    event_id text, event_name text, event_timestamp timestamp, platform text,
	    user_pseudo_id text, page_view_page_title text, screen_view_screen_name text,
	    user_engagement_time_msec bigint)" >/dev/null
	add_events "$db" a
	q "$db" "SELECT create_session_table('up_events', 'up_sessions')" >/dev/null
	q "$db" "SELECT create_session_view('up_events', 'up_ref', dashboards => false)" >/dev/null
	add_events "$db" b	# pending across the update
	q "$db" "ALTER EXTENSION sessionize UPDATE" >/dev/null
	check "updated to the current version" "$current" "$(q "$db" "SELECT extversion FROM pg_extension WHERE extname = 'sessionize'")"
	members "$db" >"$OUT/updated.txt"
	if diff -u "$OUT/fresh.txt" "$OUT/updated.txt" >"$OUT/members.diff"; then
		check "members equal a fresh install" 0 0
	else
		check "members equal a fresh install" 0 "$(grep -c '^[-+][^-+]' "$OUT/members.diff")"
		head -60 "$OUT/members.diff"
	fi
	# the old session table: its capture made again, and refreshing exactly
	check "capture functions no longer executable by PUBLIC" f \
		"$(q "$db" "SELECT bool_or(has_function_privilege('public', p.oid, 'EXECUTE')) FROM pg_proc p WHERE proname LIKE 'up_sessions_capture_%'")"
	check "the old table keeps refreshing" 0 "$(q "$db" "SELECT refresh_session_table('up_sessions') >= 0" >/dev/null; differences "$db")"
	q "$db" "SELECT upgrade_session_table('up_sessions')" >/dev/null
	check "capture functions pin search_path and are guarded" 4 \
		"$(q "$db" "SELECT count(*) FROM pg_proc p WHERE proname LIKE 'up_sessions_capture_%'
		            AND 'search_path=pg_catalog, pg_temp' = ANY (proconfig) AND prosrc LIKE '%sessionize_capture_guard%'")"
	check "configuration records types and version" "true $current" \
		"$(q "$db" "SELECT (config ? 'types') || ' ' || (config->>'version') FROM up_sessions_config")"
	check "configuration no longer keeps the source's OID" f "$(q "$db" "SELECT config ? 'source' FROM up_sessions_config")"
	check "the unique key is made" 1 "$(q "$db" "SELECT count(*) FROM pg_indexes WHERE tablename = 'up_sessions' AND indexdef LIKE '%UNIQUE%'")"
	check "the index of captured events without a user is made" 1 \
		"$(q "$db" "SELECT count(*) FROM pg_indexes WHERE tablename = 'up_sessions_delta' AND indexdef LIKE '%WHERE (user_pseudo_id IS NULL)%'")"
	out=$(q "$db" "SELECT refresh_session_table('up_sessions')" 2>&1) || true
	check "the first refresh after the update succeeds" t "$( [[ "$out" =~ ^[0-9]+$ ]] && echo t || echo f)"
	check "the old table equals the recomputation" 0 "$(differences "$db")"
	add_events "$db" c
	q "$db" "DELETE FROM up_events WHERE event_id LIKE 'a-1%'" >/dev/null
	q "$db" "SELECT refresh_session_table('up_sessions')" >/dev/null
	check "after new events and deletes" 0 "$(differences "$db")"
	q "$db" "TRUNCATE up_events" >/dev/null
	add_events "$db" d
	q "$db" "SELECT refresh_session_table('up_sessions')" >/dev/null
	check "after TRUNCATE and a reload" 0 "$(differences "$db")"
	q "$db" "SELECT drop_session_table('up_sessions')" >/dev/null
	check "drop_session_table cleans up the old table" 0 \
		"$(q "$db" "SELECT (SELECT count(*) FROM pg_class WHERE relname LIKE 'up\_sessions%') + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'up\_sessions%')")"
done

sz_finish t_upgrade
