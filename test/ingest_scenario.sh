# The scenario of a session table captured by an ingest column, shared by
# test/t_ingest.sh (one server) and test/t_citus.sh (the events distributed
# by Citus): rows that arrive are taken once settled; a transaction that
# commits late, but within the settle time of its ingest values, is not
# lost; one that commits later is missed, as documented, until its users are
# rebuilt; updates, deletes and a TRUNCATE are seen through
# rebuild_session_users().  After each step the table is compared with a
# session view over the same source.
#
# Sourced after test/lib.sh, by a script that defines
#   q SQL        run SQL (psql -At -c) in a database with sessionize and no
#                ig_* tables
#   qbg FILE     run FILE with psql in the background, setting bg_pid
# and optionally SZ_INGEST_SETUP, SQL run once the events table ig_events
# exists (t_citus.sh distributes it).  Then: ingest_scenario.

# add TAG N USERS: N events of users u1..USERS arriving now (ingest_time_msec)
add() {
	echo "INSERT INTO ig_events
	      SELECT '$1-' || i, '_page_view', timestamp '2026-04-01' + (i * 7919 % 5000) * interval '7 minutes',
	             (ARRAY['Web', 'iOS'])[1 + i % 2], 'u' || (1 + i % $3), 'P' || (i % 4), NULL, NULL,
	             floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
	      FROM generate_series(1, $2) i;"
}
differences() {
	q "SELECT (SELECT count(*) FROM (SELECT * FROM ig_ref EXCEPT ALL SELECT * FROM ig_sessions) x)
	        + (SELECT count(*) FROM (SELECT * FROM ig_sessions EXCEPT ALL SELECT * FROM ig_ref) y)"
}

ingest_scenario() {
	q "CREATE TABLE ig_events (event_id text, event_name text, event_timestamp timestamp, platform text,
	        user_pseudo_id text, page_view_page_title text, screen_view_screen_name text,
	        user_engagement_time_msec bigint, ingest_time_msec bigint)" >/dev/null
	[ -z "${SZ_INGEST_SETUP:-}" ] || q "$SZ_INGEST_SETUP" >/dev/null
	q "$(add a 600 40)" >/dev/null
	sleep 3.5
	q "SELECT create_session_table('ig_events', 'ig_sessions', dashboards => false,
	                               ingest_column => 'ingest_time_msec', ingest_settle => '3 seconds')" >/dev/null
	q "SELECT create_session_view('ig_events', 'ig_ref', dashboards => false)" >/dev/null
	check "no capture trigger on the source" 0 "$(q "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'ig_events'::regclass AND tgname LIKE 'ig\_sessions\_sessionize\_%'")"
	check "the build equals the recomputation" 0 "$(differences)"

	echo "== rows arrive, and are taken once settled"
	q "$(add b 300 60)" >/dev/null
	check "a refresh before the settle time takes nothing" 0 "$(q "SELECT refresh_session_table('ig_sessions')")"
	sleep 3.5
	check "the next refresh takes them" 300 "$(q "SELECT refresh_session_table('ig_sessions')")"
	check "equal after the rows settled" 0 "$(differences)"

	echo "== a transaction that commits late, within the settle time of its rows"
	printf "BEGIN;\n%s\nSELECT pg_sleep(2);\nCOMMIT;\n" "$(add c 200 60)" >/tmp/sz_ingest_late.$$.sql
	chmod 644 /tmp/sz_ingest_late.$$.sql
	qbg /tmp/sz_ingest_late.$$.sql
	sleep 1
	check "a refresh while it is open takes nothing of it" 0 "$(q "SELECT refresh_session_table('ig_sessions')")"
	wait "$bg_pid"
	bg_pid=
	rm -f /tmp/sz_ingest_late.$$.sql
	sleep 3.5
	check "the refresh after it settled takes all its rows" 200 "$(q "SELECT refresh_session_table('ig_sessions')")"
	check "equal: the late transaction was not lost" 0 "$(differences)"

	echo "== a transaction that commits after the settle time of its rows"
	printf "BEGIN;\n%s\nSELECT pg_sleep(5);\nCOMMIT;\n" "$(add d 50 60)" >/tmp/sz_ingest_later.$$.sql
	chmod 644 /tmp/sz_ingest_later.$$.sql
	qbg /tmp/sz_ingest_later.$$.sql
	sleep 4
	q "SELECT refresh_session_table('ig_sessions')" >/dev/null	# its watermark passes the rows
	wait "$bg_pid"
	bg_pid=
	rm -f /tmp/sz_ingest_later.$$.sql
	sleep 3.5
	check "its rows are missed, as documented" 0 "$(q "SELECT refresh_session_table('ig_sessions')")"
	check "so the table lags" t "$(q "SELECT $(differences) > 0")"
	q "SELECT rebuild_session_users('ig_sessions', ARRAY(SELECT DISTINCT user_pseudo_id FROM ig_events WHERE event_id LIKE 'd-%'))" >/dev/null
	q "SELECT refresh_session_table('ig_sessions')" >/dev/null
	check "rebuilding their users brings them in" 0 "$(differences)"

	echo "== rebuild_session_users() while a refresh stores the user's first sessions"
	q "INSERT INTO ig_events VALUES ('n-1', '_page_view', '2026-04-02 10:00', 'Web', 'newcomer', 'P', NULL, NULL,
	                                  floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint),
	                                 ('n-2', '_page_view', '2026-04-02 10:20', 'Web', 'newcomer', 'P', NULL, NULL,
	                                  floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)" >/dev/null
	sleep 3.5
	printf "BEGIN;\nSELECT refresh_session_table('ig_sessions');\nSELECT pg_sleep(3);\nCOMMIT;\n" >/tmp/sz_ingest_refresh.$$.sql
	chmod 644 /tmp/sz_ingest_refresh.$$.sql
	qbg /tmp/sz_ingest_refresh.$$.sql
	sleep 1
	q "DELETE FROM ig_events WHERE event_id = 'n-2'" >/dev/null
	check "it waits for the refresh and marks the user" t "$(q "SELECT rebuild_session_users('ig_sessions', '{newcomer}') > 0")"
	wait "$bg_pid"
	bg_pid=
	rm -f /tmp/sz_ingest_refresh.$$.sql
	q "SELECT refresh_session_table('ig_sessions')" >/dev/null
	check "the next refresh applies the delete" 0 "$(differences)"

	echo "== updates and deletes are seen through rebuild_session_users()"
	q "DELETE FROM ig_events WHERE user_pseudo_id = 'u3'; UPDATE ig_events SET page_view_page_title = 'X' WHERE user_pseudo_id = 'u5'" >/dev/null
	q "SELECT refresh_session_table('ig_sessions')" >/dev/null
	check "not seen by a refresh" t "$(q "SELECT $(differences) > 0")"
	q "SELECT rebuild_session_users('ig_sessions', '{u3,u5}')" >/dev/null
	q "SELECT refresh_session_table('ig_sessions')" >/dev/null
	check "seen after rebuild_session_users" 0 "$(differences)"
	q "TRUNCATE ig_events" >/dev/null
	q "SELECT rebuild_session_users('ig_sessions')" >/dev/null
	q "SELECT refresh_session_table('ig_sessions')" >/dev/null
	check "a TRUNCATE, after rebuild_session_users(table)" "0 0" "$(q "SELECT count(*) || ' ' || $(differences) FROM ig_sessions")"
}
