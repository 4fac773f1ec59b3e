#!/usr/bin/env bash
# The demo: installs what is missing (Debian), builds and installs sessionize,
# starts a throwaway PostgreSQL server as the postgres OS user, loads a
# generated clickstream (AWS Clickstream event_v2 shape) and shows sessions.
#
#   test/demo.sh             run the demo, then stop and remove the server
#   SZ_KEEP=1 test/demo.sh   leave the server running to explore with psql
#   DEMO_USERS=5000 ...      more users (default 1000, about 20 events each)
. "$(dirname "$0")/lib.sh"

sz_setup
W=$(sz_workdir)
cleanup() {
	if [ "${SZ_KEEP:-0}" = 1 ]; then
		echo
		echo "The server is still running. Connect with:"
		echo "  sudo -u postgres psql -h $W -p $SZ_PORT -U postgres"
		echo "Stop it with:"
		echo "  sudo -u postgres $PG_BIN/pg_ctl -D $W/data stop"
	else
		sz_stop_server "$W"
		rm -rf "$W"
	fi
}
trap cleanup EXIT
cp "$SZ_ROOT/bench/generate.sql" "$W/" && chmod 644 "$W/generate.sql"
sz_start_server "$W" "$SZ_PORT"

q() { sz_psql "$W" "$SZ_PORT" -P pager=off "$@"; }

sz_log "loading ${DEMO_USERS:-1000} users of generated clickstream into table events"
q -v users="${DEMO_USERS:-1000}" -f "$W/generate.sql" >/dev/null
q -c "CREATE EXTENSION sessionize"

show() {
	printf '\n-- %s\n' "$1"
	shift
	q -e -c "$*"
}

q -c "SELECT count(*) AS events, count(DISTINCT user_pseudo_id) AS users,
             min(event_timestamp) AS first_event, max(event_timestamp) AS last_event FROM events"

show "Every event labelled with its session (window functions, 30-minute timeout)" "
SELECT event_timestamp, event_name,
       session_number(event_timestamp, '30 minutes') OVER w AS n,
       session_split_reason(event_timestamp, '30 minutes') OVER w AS reason,
       session_id(user_pseudo_id, event_timestamp, '30 minutes') OVER w AS session_id
FROM events
WHERE user_pseudo_id = (SELECT user_pseudo_id FROM events GROUP BY 1
                        HAVING count(*) BETWEEN 10 AND 16 AND count(DISTINCT session_id) >= 3
                        ORDER BY 1 LIMIT 1)
WINDOW w AS (PARTITION BY user_pseudo_id ORDER BY event_timestamp, event_id)
ORDER BY event_timestamp, event_id"

show "The same rules plus a 2-hour maximum, a split at midnight in Paris, and notifications excluded" "
SELECT reason, count(*) AS sessions
FROM (SELECT session_split_reason(event_timestamp, '30 minutes',
             max_duration => '2 hours', day_boundary => 'Europe/Paris',
             counted => event_name NOT IN ('Notification Sent', 'App Installed')) OVER w AS reason
      FROM events
      WINDOW w AS (PARTITION BY user_pseudo_id ORDER BY event_timestamp, event_id)) s
WHERE reason IS NOT NULL
GROUP BY reason ORDER BY sessions DESC"

show "One row per session with its metrics (session_agg + sessions)" "
SELECT e.user_pseudo_id, s.*
FROM (SELECT user_pseudo_id,
             session_agg(event_timestamp AT TIME ZONE 'UTC', '30 minutes',
                         coalesce(page_view_page_title, screen_view_screen_name),
                         user_engagement_time_msec)
               FILTER (WHERE event_name NOT IN ('Notification Sent', 'App Installed')) AS state
      FROM events GROUP BY user_pseudo_id) e,
     sessions(e.state) s
ORDER BY e.user_pseudo_id, s.session_number
LIMIT 10"

show "Sessions per day, average length and engagement rate" "
SELECT s.session_start::date AS day, count(*) AS sessions,
       round(avg(s.duration_ms) / 1000.0, 1) AS avg_seconds,
       round(avg(s.engaged::int), 3) AS engagement_rate
FROM (SELECT user_pseudo_id,
             session_agg(event_timestamp AT TIME ZONE 'UTC', '30 minutes',
                         coalesce(page_view_page_title, screen_view_screen_name),
                         user_engagement_time_msec) AS state
      FROM events GROUP BY user_pseudo_id) e,
     sessions(e.state) s
GROUP BY 1 ORDER BY 1 LIMIT 7"
echo
echo "Demo done."
