#!/usr/bin/env bash
# The demo: installs what is missing (Debian), builds and installs sessionize,
# starts a throwaway PostgreSQL server as the postgres OS user, loads a
# generated clickstream (AWS Clickstream event_v2 shape) and shows sessions:
# window functions, session_agg, the AWS session view and its dashboards, and
# a session table kept up to date by refresh_session_table(); then a generated
# webinar (player heartbeats and interactions) and its live-session report.
#
#   test/demo.sh             run the demo, then stop and remove the server
#   SZ_KEEP=1 test/demo.sh   leave the server running to explore with psql
#   DEMO_USERS=5000 ...      more users (default 1000, about 20 events each)
#   DEMO_VIEWERS=1000 ...    more webinar viewers (default 300)
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
cp "$SZ_ROOT/bench/generate.sql" "$SZ_ROOT/bench/generate_webinar.sql" "$W/" && chmod 644 "$W"/generate*.sql
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

show "The AWS Clickstream session view in one call, with its dashboard views" "
SELECT create_session_view('events')"

show "clickstream_session_view: the 13 columns of AWS Clickstream's view (a few of them here)" "
SELECT session_id, platform, session_duration, session_views AS views,
       engaged_session AS engaged, session_engagement_time AS engagement_ms,
       entry_view, exit_view
FROM clickstream_session_view
ORDER BY session_start_timestamp
LIMIT 5"

show "Dashboard: sessions per day (the first week)" "
SELECT * FROM clickstream_session_view_daily ORDER BY session_date LIMIT 7"

show "Dashboard: session length distribution" "
SELECT bucket, sessions, share FROM clickstream_session_view_length_distribution ORDER BY bucket_order"

show "Dashboard: Session Concluded events (the latest ones)" "
SELECT session_id, event_name, event_timestamp, session_length_seconds
FROM clickstream_session_view_concluded
ORDER BY event_timestamp DESC, session_id
LIMIT 5"

show "A session table: the same 13 columns, stored, kept up to date by refresh_session_table()" "
SELECT create_session_table('events', 'session_table')"

# One Web user with a few sessions; the first of their sessions followed by
# a gap of more than an hour (or their last one), which a late event extends;
# and the day after their last event, for a new session.
U=$(q -At -c "SELECT user_pseudo_id FROM events GROUP BY 1 HAVING bool_and(platform = 'Web')
              ORDER BY count(*) BETWEEN 10 AND 16 AND count(DISTINCT session_id) >= 3 DESC, 1
              LIMIT 1")
IFS='|' read -r LATE_TS NEW_DAY < <(q -At -c "
SELECT to_char(timestamp 'epoch' + (session_start_timestamp + session_duration) * interval '1 ms'
               + interval '10 minutes', 'YYYY-MM-DD HH24:MI:SS.MS'),
       to_char(date_trunc('day', timestamp 'epoch' + max(session_start_timestamp + session_duration) OVER ()
                                 * interval '1 ms') + interval '1 day', 'YYYY-MM-DD')
FROM session_table
WHERE user_pseudo_id = '$U'
ORDER BY coalesce(lead(session_start_timestamp) OVER (ORDER BY session_start_timestamp)
                  - (session_start_timestamp + session_duration) > 3600000, true) DESC,
         session_start_timestamp
LIMIT 1")

show_user() {
	show "$1" "
SELECT session_id, session_duration, session_views AS views, engaged_session AS engaged,
       session_engagement_time AS engagement_ms, entry_view, exit_view
FROM session_table
WHERE user_pseudo_id IN ('$U', 'demo-new-user')
ORDER BY user_pseudo_id, session_start_timestamp"
}
show_user "The sessions of one user in the session table, before new events arrive"

show "New events: a late page view 10 minutes after the end of one of that user's sessions, a new session of theirs, and a new user" "
INSERT INTO events (event_id, event_name, event_timestamp, platform, user_pseudo_id,
                    page_view_page_title, screen_view_screen_name, user_engagement_time_msec) VALUES
 ('demo-1', '_page_view',       '$LATE_TS', 'Web', '$U', 'Checkout', NULL, NULL),
 ('demo-2', '_session_start',   '$NEW_DAY 09:00:00',   'Web', '$U', NULL, NULL, NULL),
 ('demo-3', '_page_view',       '$NEW_DAY 09:00:00.2', 'Web', '$U', 'Home', NULL, NULL),
 ('demo-4', '_user_engagement', '$NEW_DAY 09:01:10',   'Web', '$U', NULL, NULL, 42000),
 ('demo-5', '_screen_view',     '$NEW_DAY 12:00:00',   'iOS', 'demo-new-user', NULL, 'HomeScreen', NULL),
 ('demo-6', '_screen_view',     '$NEW_DAY 12:00:15',   'iOS', 'demo-new-user', NULL, 'CartScreen', NULL)"

show "The capture triggers copied them into session_table_delta" "
SELECT count(*) AS captured FROM session_table_delta"

show "The refresh merges them into the stored states and rewrites the sessions of the users they touch" "
SELECT refresh_session_table('session_table') AS events_processed"

show_user "The same user after the refresh (and the new user)"

show "The session table still equals a full recomputation (rows only in one of them)" "
SELECT (SELECT count(*) FROM (SELECT * FROM session_table EXCEPT ALL SELECT * FROM clickstream_session_view) a)
     + (SELECT count(*) FROM (SELECT * FROM clickstream_session_view EXCEPT ALL SELECT * FROM session_table) b)
       AS differences"

sz_log "loading a generated webinar: ${DEMO_VIEWERS:-300} live viewers, heartbeats every 10 s, interactions, the recording"
q -q -v sessions=1 -v viewers="${DEMO_VIEWERS:-300}" -f "$W/generate_webinar.sql" >/dev/null 2>&1

show "Live sessions: viewing time from heartbeats (viewing_agg), for three viewers" "
SELECT viewer_id, round((viewing_seconds(s) / 60)::numeric, 1) AS minutes_viewed,
       round((engaged_seconds(s) / viewing_seconds(s))::numeric, 3) AS engagement_rate,
       viewing_start(s)::time AS joined, viewing_end(s)::time AS left_at
FROM (SELECT viewer_id,
             viewing_agg(event_time, '10 seconds', tab_in_focus OR full_screen OR sound_on) AS s
      FROM webinar_events WHERE event_type = 'heartbeat' AND playback = 'live'
      GROUP BY viewer_id) v
ORDER BY viewer_id LIMIT 3"

show "The live-session report (Kaltura's session analytics) in one call" "
SELECT create_live_session_report('webinar_events', 'webinar_report', friendly_headers => true)"

printf '\n-- %s\n' "Summary: unique viewers, minutes viewed, live engagement rate, interactions"
q -x -e -c "SELECT * FROM webinar_report_summary"

show "Timeline: live viewers and engagement rate per minute (every tenth minute)" "
SELECT bucket_start::time AS minute, live_viewers, round(live_engagement_rate::numeric, 3) AS engagement_rate
FROM webinar_report_timeline WHERE extract(minute FROM bucket_start)::int % 10 = 0 ORDER BY bucket_start"

show "Viewers: minutes, interactions and the first ten minutes of the engagement heatmap" "
SELECT viewer_name, country, device, round(minutes_viewed::numeric, 1) AS minutes,
       round(live_engagement_rate::numeric, 2) AS engagement, reactions, chat_messages AS chats,
       polls_answered AS polls,
       (SELECT array_agg(coalesce(round(x::numeric, 1)::text, '.') ORDER BY i)
        FROM unnest(engagement_heatmap[1:10]) WITH ORDINALITY h(x, i)) AS heatmap_first_10
FROM webinar_report_viewers ORDER BY minutes_viewed DESC LIMIT 5"

show "Polls: participants per question and per answer" "
SELECT poll_question, poll_participants, answer, answer_participants,
       round(answer_rate::numeric, 3) AS answer_rate
FROM webinar_report_polls ORDER BY poll_id, answer"

show "Recordings, and live versus recording viewers per device" "
SELECT recording_id, impressions, plays, unique_viewers, round(minutes_viewed::numeric) AS minutes_viewed,
       round(avg_completion_rate::numeric, 3) AS avg_completion FROM webinar_report_recordings;
SELECT * FROM webinar_report_devices ORDER BY live_viewers DESC"

show "CSV export with descriptive headers (\\copy (...) TO 'polls.csv' CSV HEADER writes the same to a file)" "
COPY (SELECT * FROM webinar_report_polls_friendly ORDER BY \"Poll ID\", \"Answer\") TO STDOUT WITH (FORMAT csv, HEADER)"
echo
echo "Demo done."
