-- create_live_session_report: the views on a crafted webinar whose figures
-- are computed by hand, column names and types, descriptive headers, other
-- source shapes, a read-only role, errors; then a generated webinar checked
-- against plain-SQL recomputations.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET extra_float_digits = 0;

CREATE TABLE live_ev (
    session_id text, viewer_id text, viewer_name text, event_time timestamptz,
    event_type text, playback text, tab_in_focus boolean, full_screen boolean,
    sound_on boolean, poll_id text, poll_question text, poll_type text,
    poll_answer text, recording_id text, play_id text, percentile integer,
    country text, device text);

-- Session s1 (heartbeats every 10 s):
--   ann: live 14:00:00-14:02:00 (12 heartbeats, 2 min), tab in focus during
--        the first minute only (engaged 1 min, rate 0.5); 2 reactions, 1
--        chat message, answers poll-1 with A
--   bob: live 14:01:00-14:02:00 (1 min), sound on throughout (rate 1); a Q&A
--        thread, a download, answers poll-1 with B and poll-2 with A
--   cat: the recording only, the next day: 2 player loads, 1 play, 30 s
--        watched, percentiles 1-50 (completion 0.5)
--   dan: raises a hand, never watches
-- Session s2: eve watches 30 s live.
INSERT INTO live_ev (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                     tab_in_focus, full_screen, sound_on, country, device)
SELECT 's1', 'ann', 'Ann', timestamptz '2026-03-02 14:00:00' + k * interval '10 s', 'heartbeat', 'live',
       k < 6, false, false, 'US', 'desktop'
FROM generate_series(0, 11) k
UNION ALL
SELECT 's1', 'bob', 'Bob', timestamptz '2026-03-02 14:01:00' + k * interval '10 s', 'heartbeat', 'live',
       false, NULL, true, 'DE', 'mobile'
FROM generate_series(0, 5) k
UNION ALL
SELECT 's2', 'eve', 'Eve', timestamptz '2026-03-03 09:00:00' + k * interval '10 s', 'heartbeat', 'live',
       true, false, false, 'FR', 'tablet'
FROM generate_series(0, 2) k;
INSERT INTO live_ev (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                     poll_id, poll_question, poll_type, poll_answer, country, device) VALUES
    ('s1', 'ann', 'Ann', '2026-03-02 14:00:20', 'reaction', 'live', NULL, NULL, NULL, NULL, 'US', 'desktop'),
    ('s1', 'ann', 'Ann', '2026-03-02 14:00:25', 'reaction', 'live', NULL, NULL, NULL, NULL, 'US', 'desktop'),
    ('s1', 'ann', 'Ann', '2026-03-02 14:00:40', 'chat_message', 'live', NULL, NULL, NULL, NULL, 'US', 'desktop'),
    ('s1', 'ann', 'Ann', '2026-03-02 14:01:05', 'poll_answer', 'live', 'poll-1', 'Ready?', 'single choice', 'A', 'US', 'desktop'),
    ('s1', 'bob', 'Bob', '2026-03-02 14:01:07', 'poll_answer', 'live', 'poll-1', 'Ready?', 'single choice', 'B', 'DE', 'mobile'),
    ('s1', 'bob', 'Bob', '2026-03-02 14:01:30', 'poll_answer', 'live', 'poll-2', 'Again?', 'single choice', 'A', 'DE', 'mobile'),
    ('s1', 'bob', 'Bob', '2026-03-02 14:01:40', 'qna_thread', 'live', NULL, NULL, NULL, NULL, 'DE', 'mobile'),
    ('s1', 'bob', 'Bob', '2026-03-02 14:01:45', 'download', 'live', NULL, NULL, NULL, NULL, 'DE', 'mobile'),
    ('s1', 'dan', 'Dan', '2026-03-02 14:00:30', 'raise_hand', 'live', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO live_ev (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                     tab_in_focus, recording_id, play_id, percentile, country, device)
VALUES ('s1', 'cat', 'Cat', '2026-03-03 10:00:00', 'player_impression', 'recording', NULL, 's1-rec', NULL, NULL, 'US', 'desktop'),
       ('s1', 'cat', 'Cat', '2026-03-03 10:00:01', 'player_impression', 'recording', NULL, 's1-rec', NULL, NULL, 'US', 'desktop'),
       ('s1', 'cat', 'Cat', '2026-03-03 10:00:02', 'play', 'recording', NULL, 's1-rec', 'p1', NULL, 'US', 'desktop');
INSERT INTO live_ev (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                     tab_in_focus, recording_id, play_id, percentile, country, device)
SELECT 's1', 'cat', 'Cat', timestamptz '2026-03-03 10:00:02' + k * interval '10 s', 'heartbeat', 'recording',
       true, 's1-rec', 'p1', NULL, 'US', 'desktop'
FROM generate_series(0, 2) k
UNION ALL
SELECT 's1', 'cat', 'Cat', timestamptz '2026-03-03 10:00:02' + k * interval '0.5 s', 'percentile', 'recording',
       NULL, 's1-rec', 'p1', k, 'US', 'desktop'
FROM generate_series(1, 50) k;

SELECT * FROM create_live_session_report('live_ev', 'lr', friendly_headers => true);

\x on
SELECT * FROM lr_summary ORDER BY live_session_id;
\x off
SELECT * FROM lr_timeline ORDER BY live_session_id, bucket_start;
SELECT * FROM lr_viewers ORDER BY live_session_id, viewer_id;
SELECT * FROM lr_polls ORDER BY poll_id, answer;
SELECT * FROM lr_recordings;
SELECT * FROM lr_countries ORDER BY live_session_id, country;
SELECT * FROM lr_devices ORDER BY live_session_id, device;

-- plain column types only, in this order
SELECT table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS columns
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name ~ '^lr_' AND table_name !~ '(_friendly|_states|_events)$'
GROUP BY table_name ORDER BY table_name;

-- descriptive headers, for CSV export
SELECT * FROM lr_summary_friendly WHERE "Session ID" = 's2';
COPY (SELECT * FROM lr_polls_friendly ORDER BY "Poll ID", "Answer") TO STDOUT WITH (FORMAT csv, HEADER);
COPY (SELECT "Viewer ID", "Minutes viewed", "Engagement heatmap" FROM lr_viewers_friendly
      ORDER BY 1) TO STDOUT WITH (FORMAT csv, HEADER);

-- every view is security_invoker and commented, every column too
SELECT c.relname, c.reloptions, obj_description(c.oid, 'pg_class') IS NOT NULL AS commented,
       bool_and(col_description(c.oid, a.attnum) IS NOT NULL) AS columns_commented
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relname ~ '^lr_' AND c.relkind = 'v' AND c.relname !~ '_friendly$'
GROUP BY c.oid, c.relname, c.reloptions ORDER BY c.relname;

-- a read-only role reads every view
CREATE ROLE live_reader;
GRANT SELECT ON live_ev, lr_summary, lr_timeline, lr_viewers, lr_polls, lr_recordings,
    lr_countries, lr_devices, lr_events, lr_viewer_states TO live_reader;
SET ROLE live_reader;
SELECT (SELECT count(*) FROM lr_summary) AS summary, (SELECT count(*) FROM lr_timeline) AS timeline,
       (SELECT count(*) FROM lr_viewers) AS viewers, (SELECT count(*) FROM lr_polls) AS polls,
       (SELECT count(*) FROM lr_recordings) AS recordings, (SELECT count(*) FROM lr_countries) AS countries,
       (SELECT count(*) FROM lr_devices) AS devices;
RESET ROLE;
-- ...and nothing without SELECT on the source (security_invoker)
REVOKE SELECT ON live_ev FROM live_reader;
SET ROLE live_reader;
SELECT count(*) FROM lr_summary;
RESET ROLE;
DROP OWNED BY live_reader;
DROP ROLE live_reader;

-- another shape: epoch-millisecond times, one engagement column, no polls,
-- recordings, countries or devices, one live session, 30 s heartbeats,
-- 5-minute buckets; event names of its own
CREATE TABLE player_pings (who text, at_ms bigint, what text, focused boolean);
INSERT INTO player_pings
SELECT 'p' || v, 1772460000000 + k * 30000, 'ping', k % 2 = 0
FROM generate_series(1, 2) v, generate_series(0, 19) k;	-- 10 minutes each
INSERT INTO player_pings VALUES ('p1', 1772460100000, 'clap', NULL), ('p2', 1772460100000, 'msg', NULL);
SELECT * FROM create_live_session_report('player_pings', 'pp', heartbeat => '30 s', bucket => '5 min',
    live_session_column => NULL, viewer_column => 'who', viewer_name_column => NULL,
    timestamp_column => 'at_ms', event_type_column => 'what', playback_column => NULL,
    engaged_columns => '{focused}', poll_id_column => NULL, poll_question_column => NULL,
    poll_type_column => NULL, poll_answer_column => NULL, recording_column => NULL,
    play_column => NULL, percentile_column => NULL, country_column => NULL, device_column => NULL,
    heartbeat_events => '{ping}', reaction_events => '{clap}', chat_events => '{msg}');
SELECT live_session_id, live_start, live_end, unique_viewers, live_viewers, avg_live_minutes_viewed,
       live_engagement_rate, reactions, chat_messages
FROM pp_summary;
SELECT * FROM pp_timeline ORDER BY bucket_start;
SELECT viewer_id, minutes_viewed, live_engagement_rate, engagement_heatmap FROM pp_viewers ORDER BY 1;
-- drop a report: its events view, CASCADE
DROP VIEW pp_events CASCADE;

-- errors
SELECT create_live_session_report('live_ev', 'bad', viewer_column => 'nobody');
SELECT create_live_session_report('live_ev', 'bad', engaged_columns => '{nope}');
SELECT create_live_session_report('live_ev', 'bad', viewer_column => NULL);
SELECT create_live_session_report('live_ev', 'bad', heartbeat => '-10 s');
SELECT create_live_session_report('live_ev', 'bad', heartbeat => NULL);
SELECT create_live_session_report('live_ev', 'bad', bucket => '1 month');
SELECT create_live_session_report('live_ev', 'bad', bucket => '1.5 s');
SELECT create_live_session_report('live_ev', 'bad', timestamp_column => 'viewer_id');
SELECT create_live_session_report('live_ev', repeat('x', 50));
SELECT create_live_session_report(NULL);
SELECT create_live_session_report('live_ev', 'lr');	-- exists already

-- A generated webinar (bench/generate_webinar.sql: 300 viewers and 30
-- recording-only ones, two sessions), against plain-SQL recomputations.
\set sessions 2
\set viewers 300
\set seed 0.42
\set ECHO none
SET client_min_messages = warning;
\i bench/generate_webinar.sql
RESET client_min_messages;
\set ECHO all
SET timezone = 'UTC';
SELECT count(*) AS events, count(DISTINCT viewer_id) AS viewers,
       count(*) FILTER (WHERE event_type = 'heartbeat') AS heartbeats
FROM webinar_events;
SELECT count(*) AS views FROM create_live_session_report('webinar_events', 'web');

-- reference: live viewing islands per viewer (gaps and islands)
CREATE TEMP VIEW web_islands AS
WITH iv AS (
    SELECT session_id, viewer_id, event_time AS lo, event_time + interval '10 s' AS hi,
           coalesce(tab_in_focus, false) OR coalesce(full_screen, false) OR coalesce(sound_on, false) AS engaged
    FROM webinar_events WHERE event_type = 'heartbeat' AND playback = 'live'),
marked AS (
    SELECT *, CASE WHEN lo <= max(hi) OVER w THEN 0 ELSE 1 END AS starts FROM iv
    WINDOW w AS (PARTITION BY session_id, viewer_id ORDER BY lo, hi
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY session_id, viewer_id ORDER BY lo, hi, starts DESC) AS island FROM marked)
SELECT session_id, viewer_id, min(lo) AS lo, max(hi) AS hi FROM numbered
GROUP BY session_id, viewer_id, island;

CREATE TEMP VIEW web_engaged_islands AS
WITH iv AS (
    SELECT session_id, viewer_id, event_time AS lo, event_time + interval '10 s' AS hi
    FROM webinar_events WHERE event_type = 'heartbeat' AND playback = 'live'
      AND (tab_in_focus OR full_screen OR sound_on)),
marked AS (
    SELECT *, CASE WHEN lo <= max(hi) OVER w THEN 0 ELSE 1 END AS starts FROM iv
    WINDOW w AS (PARTITION BY session_id, viewer_id ORDER BY lo, hi
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY session_id, viewer_id ORDER BY lo, hi, starts DESC) AS island FROM marked)
SELECT session_id, viewer_id, min(lo) AS lo, max(hi) AS hi FROM numbered
GROUP BY session_id, viewer_id, island;

-- summary against the reference
WITH per AS (
    SELECT session_id, viewer_id,
           (SELECT sum(EXTRACT(epoch FROM hi - lo)) FROM web_islands i
            WHERE i.session_id = v.session_id AND i.viewer_id = v.viewer_id) AS live_s,
           (SELECT sum(EXTRACT(epoch FROM hi - lo)) FROM web_engaged_islands i
            WHERE i.session_id = v.session_id AND i.viewer_id = v.viewer_id) AS engaged_s
    FROM (SELECT DISTINCT session_id, viewer_id FROM webinar_events) v),
ref AS (
    SELECT session_id, count(*) AS unique_viewers, count(live_s) AS live_viewers,
           avg(live_s) / 60 AS avg_live_minutes,
           avg(coalesce(engaged_s, 0) / live_s) AS engagement_rate
    FROM per GROUP BY session_id)
SELECT s.live_session_id, s.unique_viewers = r.unique_viewers AS unique_ok,
       s.live_viewers = r.live_viewers AS live_ok,
       round(s.avg_live_minutes_viewed::numeric, 9) = round(r.avg_live_minutes, 9) AS minutes_ok,
       round(s.live_engagement_rate::numeric, 9) = round(r.engagement_rate, 9) AS engagement_ok,
       s.reactions = (SELECT count(*) FROM webinar_events e WHERE e.session_id = s.live_session_id
                      AND event_type = 'reaction') AS reactions_ok,
       s.recording_plays = (SELECT count(*) FROM webinar_events e WHERE e.session_id = s.live_session_id
                            AND event_type = 'play') AS plays_ok
FROM web_summary s JOIN ref r ON r.session_id = s.live_session_id
ORDER BY 1;

-- per viewer and minute: seconds viewed and engaged, the islands cut at
-- minute boundaries
CREATE TEMP VIEW web_cut AS
SELECT session_id, viewer_id, m,
       sum(EXTRACT(epoch FROM least(hi, m + interval '1 min') - greatest(lo, m))) AS viewed
FROM web_islands, generate_series(date_trunc('minute', lo), hi - interval '1 microsecond', interval '1 min') m
GROUP BY 1, 2, 3;
CREATE TEMP VIEW web_ecut AS
SELECT session_id, viewer_id, m,
       sum(EXTRACT(epoch FROM least(hi, m + interval '1 min') - greatest(lo, m))) AS engaged
FROM web_engaged_islands, generate_series(date_trunc('minute', lo), hi - interval '1 microsecond', interval '1 min') m
GROUP BY 1, 2, 3;

-- timeline against the reference: viewers and engagement rate per minute
WITH ref AS (
    SELECT c.session_id, c.m, count(*) AS viewers, avg(coalesce(e.engaged, 0) / c.viewed) AS rate
    FROM web_cut c LEFT JOIN web_ecut e USING (session_id, viewer_id, m) GROUP BY 1, 2)
SELECT count(*) AS minutes,
       count(*) FILTER (WHERE t.live_viewers = r.viewers
                          AND round(t.live_engagement_rate::numeric, 9) = round(r.rate, 9)) AS equal,
       count(*) FILTER (WHERE r.m IS NULL AND t.live_viewers > 0) AS extra,
       count(*) FILTER (WHERE t.bucket_start IS NULL) AS missing
FROM web_timeline t FULL JOIN ref r ON r.session_id = t.live_session_id AND r.m = t.bucket_start;

-- heatmaps: one cell per minute of the session, from its first live minute
-- to its last; a watched minute holds the viewer's engaged share of it, the
-- others NULL
WITH span AS (SELECT session_id, min(m) AS m0, max(m) AS m1 FROM web_cut GROUP BY 1)
SELECT count(*) AS watched_cells,
       count(*) FILTER (WHERE round(v.engagement_heatmap[(EXTRACT(epoch FROM c.m - s.m0) / 60)::int + 1]::numeric, 9)
                            = round(coalesce(e.engaged, 0) / c.viewed, 9)) AS equal,
       bool_and(cardinality(v.engagement_heatmap) = (EXTRACT(epoch FROM s.m1 - s.m0) / 60)::int + 1) AS lengths_ok,
       (SELECT sum(cardinality(array_remove(engagement_heatmap, NULL))) FROM web_viewers) AS non_null_cells
FROM web_cut c JOIN span s USING (session_id)
LEFT JOIN web_ecut e USING (session_id, viewer_id, m)
JOIN web_viewers v ON v.live_session_id = c.session_id AND v.viewer_id = c.viewer_id;

-- polls and recordings against direct counts
SELECT p.poll_id, p.answer,
       p.answer_participants = (SELECT count(DISTINCT viewer_id) FROM webinar_events e
                                WHERE e.session_id = p.live_session_id AND e.poll_id = p.poll_id
                                  AND e.poll_answer = p.answer) AS answer_ok,
       p.poll_participants = (SELECT count(DISTINCT viewer_id) FROM webinar_events e
                              WHERE e.session_id = p.live_session_id AND e.poll_id = p.poll_id) AS poll_ok
FROM web_polls p WHERE p.live_session_id = 'webinar-1' ORDER BY 1, 2;
SELECT r.live_session_id, r.impressions, r.plays, r.unique_viewers,
       round(r.avg_completion_rate::numeric, 9) = round((
           SELECT sum(n) / 100.0 / count(*) FROM (
               SELECT count(DISTINCT percentile) AS n FROM webinar_events e
               WHERE e.session_id = r.live_session_id AND event_type = 'percentile'
               GROUP BY play_id) x), 9) AS completion_ok,
       round(r.minutes_viewed::numeric, 6) = round((
           SELECT count(*) * 10 / 60.0 FROM webinar_events e
           WHERE e.session_id = r.live_session_id AND event_type = 'heartbeat'
             AND playback = 'recording'), 6) AS minutes_ok	-- recording heartbeats never overlap
FROM web_recordings r ORDER BY 1;
SELECT sum(live_viewers) = (SELECT count(DISTINCT (session_id, viewer_id)) FROM webinar_events
                            WHERE event_type = 'heartbeat' AND playback = 'live') AS countries_ok
FROM web_countries;

DROP VIEW lr_events, web_events CASCADE;
DROP TABLE live_ev, player_pings, webinar_events CASCADE;
