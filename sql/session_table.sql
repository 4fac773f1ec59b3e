-- create_session_table() / refresh_session_table() / drop_session_table():
-- a session table kept exactly up to date from its source by capture
-- triggers and refreshes.  After every change the table is compared with a
-- full recomputation (a session view over the same source, EXCEPT ALL both
-- ways), and every refresh's count of processed events is pinned.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\pset null '(null)'

-- An AWS event_v2-shaped source, generated (120 users over 10 days; ties,
-- gaps of exactly the timeout, excluded events, NULL timestamps).  User ids
-- with a comma, a quote and parentheses, an empty and a NULL platform test the
-- bookkeeping keys.
SET max_parallel_workers_per_gather = 0;	-- one random() sequence
SELECT setseed(0.5);
CREATE TABLE st_events (
    event_id text NOT NULL, event_name text, event_timestamp timestamp,
    platform text, user_pseudo_id text, page_view_page_title text,
    screen_view_screen_name text, user_engagement_time_msec bigint);
-- st_add(users, first time, events per user): random events after a start
CREATE FUNCTION st_add(users text[], platforms text[], t0 timestamp, per_user int, tag text)
RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE
    n bigint;
BEGIN
    INSERT INTO st_events
    SELECT tag || '-' || u.i || '-' || k,
           CASE WHEN r < 0.08 THEN '_session_start'
                WHEN r < 0.50 THEN CASE WHEN u.p = 'Web' THEN '_page_view' ELSE '_screen_view' END
                WHEN r < 0.65 THEN '_user_engagement'
                WHEN r < 0.85 THEN '_click'
                WHEN r < 0.93 THEN 'Notification Sent'
                ELSE NULL END,
           t0 + (sum(gap) OVER (PARTITION BY u.i ORDER BY k)) * interval '1 ms',
           u.p, u.u,
           CASE WHEN r >= 0.08 AND r < 0.50 AND u.p = 'Web' THEN 'P' || floor(r * 20)::int END,
           CASE WHEN r >= 0.08 AND r < 0.50 AND u.p IS DISTINCT FROM 'Web' THEN 'S' || floor(r * 20)::int END,
           CASE WHEN r >= 0.50 AND r < 0.65 THEN floor(r * 100000)::bigint END
    FROM unnest(users, platforms) WITH ORDINALITY AS u(u, p, i),
         LATERAL (SELECT k, random() AS r,
                         CASE WHEN k = 1 THEN floor(random() * 3600000)
                              ELSE (ARRAY[0, 1800000, 1800001, 1799999, 60000, 600000, 7200000, 86400000,
                                          5000, 20000])[1 + floor(random() * 10)::int]
                                   + floor(random() * 3) END::bigint AS gap
                  FROM generate_series(1, per_user + 0 * u.i::int) AS k) x;	-- lateral: per user
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $f$;
SELECT st_add(array_agg('user-' || lpad(i::text, 3, '0') ORDER BY i),
              array_agg((ARRAY['Web', 'Android', 'iOS'])[1 + i % 3] ORDER BY i),
              '2026-05-01', 15, 'a') AS events
FROM generate_series(1, 120) AS i;
SELECT st_add('{"odd,user","quote\"user","(paren)",empty_platform,null_platform}',
              '{Web,Android,iOS,"",NULL}', '2026-05-01', 15, 'b') AS events;
-- a few NULL timestamps
UPDATE st_events SET event_timestamp = NULL WHERE event_id LIKE '%-7';
SELECT count(*) AS events, count(DISTINCT (user_pseudo_id, platform)) AS partitions,
       count(*) FILTER (WHERE event_timestamp IS NULL) AS null_ts,
       count(*) FILTER (WHERE event_name = 'Notification Sent') AS excluded
FROM st_events;

-- The table, and the full recomputation it must equal: a session view over
-- the same source with the same options.
SELECT create_session_table('st_events', 'st_sessions', excluded_events => '{Notification Sent}');
SELECT create_session_view('st_events', 'st_ref', excluded_events => '{Notification Sent}');

-- st_check(): sessions in the table, rows missing from it and rows it has
-- in excess (both 0 when it equals the recomputation), and the bookkeeping
-- left over (0 after a refresh).
CREATE FUNCTION st_check(OUT sessions bigint, OUT missing bigint, OUT extra bigint,
                         OUT pending bigint)
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM st_sessions),
           (SELECT count(*) FROM (SELECT * FROM st_ref EXCEPT ALL SELECT * FROM st_sessions) x),
           (SELECT count(*) FROM (SELECT * FROM st_sessions EXCEPT ALL SELECT * FROM st_ref) y),
           (SELECT count(*) FROM st_sessions_delta) + (SELECT count(*) FROM st_sessions_dirty)
$$;
-- st_counted(where): the counted events (non-NULL timestamp, not excluded)
-- matching a condition, which a refresh that recomputes them processes
CREATE FUNCTION st_counted(cond text) RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE
    n bigint;
BEGIN
    EXECUTE 'SELECT count(*) FROM st_events WHERE event_timestamp IS NOT NULL '
            'AND event_name IS DISTINCT FROM ''Notification Sent'' AND (' || cond || ')' INTO n;
    RETURN n;
END $f$;

-- st_diff(a, b): the rows of a not in b and of b not in a (multisets).
CREATE FUNCTION st_diff(a text, b text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT ''-'' || x::text FROM (SELECT * FROM %1$s EXCEPT ALL SELECT * FROM %2$s) x '
        'UNION ALL SELECT ''+'' || y::text FROM (SELECT * FROM %2$s EXCEPT ALL SELECT * FROM %1$s) y', a, b);
END $f$;

-- 1. The first build processed every counted event.
SELECT * FROM st_check();
SELECT refreshes, events_processed, events_processed = st_counted('true') AS all_counted
FROM st_sessions_config;
-- its columns are those of the view
SELECT count(*) AS columns,
       count(*) FILTER (WHERE (t.column_name, t.data_type) IS DISTINCT FROM (v.column_name, v.data_type)) AS different
FROM information_schema.columns t
FULL JOIN information_schema.columns v
  ON v.table_name = 'st_ref' AND v.ordinal_position = t.ordinal_position
WHERE t.table_name = 'st_sessions';
-- its companions: bookkeeping tables, dashboards, triggers on the source
SELECT c.relname, c.relkind, obj_description(c.oid, 'pg_class') IS NOT NULL AS commented
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'st\_sessions%' AND c.relkind IN ('r', 'v')
ORDER BY c.relname;
SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'st_events'::regclass ORDER BY tgname;
SELECT count(*) AS columns_without_comment
FROM pg_attribute a
WHERE a.attrelid = 'st_sessions'::regclass AND a.attnum > 0 AND NOT a.attisdropped
  AND col_description(a.attrelid, a.attnum) IS NULL;
-- a refresh with nothing to do
SELECT refresh_session_table('st_sessions') AS processed;

-- 2. New events at the end, for existing users: merged, one event each.
SELECT st_add(array_agg('user-' || lpad(i::text, 3, '0') ORDER BY i),
              array_agg((ARRAY['Web', 'Android', 'iOS'])[1 + i % 3] ORDER BY i),
              '2026-05-20', 3, 'c') AS inserted
FROM generate_series(1, 40) AS i;
SELECT st_counted('event_id LIKE ''c-%''') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT * FROM st_check();

-- 3. Late events (user i is on platform Web when i % 3 = 0, Android when 1,
-- iOS when 2).  user-003 (Web) gets two sessions 40 minutes apart (10:00,
-- 10:40); then 10:05 extends the first (35 minutes still separate them);
-- 10:10 bridges both (gaps of 5 and exactly 30 minutes); 09:45 moves the
-- start of the merged session (a new session_id).
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id, page_view_page_title) VALUES
 ('late-1', '_page_view', '2026-06-01 10:00:00', 'Web', 'user-003', 'P1'),
 ('late-2', '_page_view', '2026-06-01 10:40:00', 'Web', 'user-003', 'P2');
SELECT refresh_session_table('st_sessions') AS processed;
SELECT session_id, session_duration, session_views, entry_view, exit_view
FROM st_sessions WHERE user_pseudo_id = 'user-003' AND session_date = '2026-06-01' ORDER BY 1;
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id, page_view_page_title)
VALUES ('late-3', '_page_view', '2026-06-01 10:05:00', 'Web', 'user-003', 'P3');
SELECT refresh_session_table('st_sessions') AS processed;
SELECT session_id, session_duration, session_views, entry_view, exit_view
FROM st_sessions WHERE user_pseudo_id = 'user-003' AND session_date = '2026-06-01' ORDER BY 1;
SELECT * FROM st_check();
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id, page_view_page_title)
VALUES ('late-4', '_page_view', '2026-06-01 10:10:00', 'Web', 'user-003', 'P4');
SELECT refresh_session_table('st_sessions') AS processed;
SELECT session_id, session_duration, session_views, entry_view, exit_view
FROM st_sessions WHERE user_pseudo_id = 'user-003' AND session_date = '2026-06-01' ORDER BY 1;
SELECT * FROM st_check();
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id, page_view_page_title)
VALUES ('late-5', '_page_view', '2026-06-01 09:45:00', 'Web', 'user-003', 'P5');
SELECT refresh_session_table('st_sessions') AS processed;
SELECT session_id, session_duration, session_views, entry_view, exit_view
FROM st_sessions WHERE user_pseudo_id = 'user-003' AND session_date = '2026-06-01' ORDER BY 1;
-- late events everywhere in the history of many users
SELECT st_add(array_agg('user-' || lpad(i::text, 3, '0') ORDER BY i),
              array_agg((ARRAY['Web', 'Android', 'iOS'])[1 + i % 3] ORDER BY i),
              '2026-05-03', 4, 'd') AS inserted
FROM generate_series(1, 120, 2) AS i;
SELECT st_counted('event_id LIKE ''d-%''') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT * FROM st_check();

-- 4. New users (and a new platform of an existing user).
SELECT st_add('{new-1,new-2,new-3,user-001}', '{Web,iOS,Android,Web}', '2026-05-05', 10, 'e') AS inserted;
SELECT st_counted('event_id LIKE ''e-%''') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT * FROM st_check();

-- 5. Deletes recompute the partitions they touch from the source: the
-- refresh processes all their counted events.  Without late-4 (10:10),
-- user-003's session splits again (10:05 to 10:40 is 35 minutes); without
-- late-1 (10:00) too, 09:45 to 10:05 still holds together.
DELETE FROM st_events WHERE event_id = 'late-4';
SELECT st_counted('user_pseudo_id = ''user-003'' AND platform = ''Web''') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT session_id, session_duration, session_views, entry_view, exit_view
FROM st_sessions WHERE user_pseudo_id = 'user-003' AND session_date = '2026-06-01' ORDER BY 1;
SELECT * FROM st_check();
DELETE FROM st_events WHERE event_id = 'late-1';
SELECT st_counted('user_pseudo_id = ''user-003'' AND platform = ''Web''') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT session_id, session_duration, session_views, entry_view, exit_view
FROM st_sessions WHERE user_pseudo_id = 'user-003' AND session_date = '2026-06-01' ORDER BY 1;
SELECT * FROM st_check();
-- remove users entirely (one with a quote in its id), and all counted events
-- of another (only excluded and NULL-timestamp events stay: no session)
SELECT count(*) AS sessions_before FROM st_sessions
WHERE user_pseudo_id IN ('new-2', 'quote"user', 'user-010');
DELETE FROM st_events WHERE user_pseudo_id IN ('new-2', 'quote"user');
DELETE FROM st_events WHERE user_pseudo_id = 'user-010'
  AND event_timestamp IS NOT NULL AND event_name IS DISTINCT FROM 'Notification Sent';
SELECT count(*) AS events_left FROM st_events WHERE user_pseudo_id = 'user-010';
SELECT refresh_session_table('st_sessions') AS processed;
SELECT count(*) AS sessions_after FROM st_sessions
WHERE user_pseudo_id IN ('new-2', 'quote"user', 'user-010');
SELECT count(*) AS states_left FROM st_sessions_state
WHERE user_pseudo_id IN ('new-2', 'quote"user', 'user-010');
SELECT * FROM st_check();
-- a delete and an insert for the same user before one refresh: the user is
-- recomputed from the source, its inserted event counted once
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id)
VALUES ('mixed-1', '_click', '2026-05-04 12:00:00', 'iOS', 'user-002');
DELETE FROM st_events WHERE event_id = 'a-2-3';
SELECT st_counted('user_pseudo_id = ''user-002'' AND platform = ''iOS''') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT * FROM st_check();

-- 6. Updates: changed timestamps (earlier, later, to NULL), a changed user.
UPDATE st_events SET event_timestamp = event_timestamp - interval '3 hours'
WHERE event_id IN ('a-5-5', 'a-6-6');
UPDATE st_events SET event_timestamp = event_timestamp + interval '2 days' WHERE event_id = 'a-7-8';
UPDATE st_events SET event_timestamp = NULL WHERE event_id = 'a-8-2';
UPDATE st_events SET user_pseudo_id = 'new-1' WHERE event_id = 'a-9-4';
SELECT st_counted('user_pseudo_id IN (''user-005'', ''user-006'', ''user-007'', ''user-008'', ''user-009'', ''new-1'')') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT * FROM st_check();

-- 7. Excluded events and NULL timestamps: nothing to process, no change.
CREATE TABLE st_before AS SELECT * FROM st_sessions;
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id) VALUES
 ('x-1', 'Notification Sent', '2026-05-02 00:00:00', 'Web', 'user-003'),
 ('x-2', 'Notification Sent', '2026-07-01 00:00:00', 'Web', 'brand-new'),
 ('x-3', '_page_view', NULL, 'Web', 'user-003'),
 ('x-4', '_click', NULL, 'iOS', 'another-new');
SELECT count(*) AS captured FROM st_sessions_delta;
SELECT refresh_session_table('st_sessions') AS processed;
SELECT (SELECT count(*) FROM (SELECT * FROM st_before EXCEPT ALL SELECT * FROM st_sessions) x)
     + (SELECT count(*) FROM (SELECT * FROM st_sessions EXCEPT ALL SELECT * FROM st_before) y) AS changed;
SELECT * FROM st_check();
DROP TABLE st_before;

-- 8. Events without a user rebuild everything (their partition is matched
-- with IS NOT DISTINCT FROM); events without a platform are their own
-- partition.
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id) VALUES
 ('nu-1', '_click', '2026-05-06 10:00:00', 'Web', NULL),
 ('nu-2', '_click', '2026-05-06 10:05:00', 'Web', NULL),
 ('np-1', '_click', '2026-05-06 10:00:00', NULL, 'user-004');
SELECT refresh_session_table('st_sessions') = st_counted('true') AS rebuilt_everything;
SELECT * FROM st_check();
SELECT session_id, user_pseudo_id, platform, session_duration FROM st_sessions
WHERE user_pseudo_id IS NULL OR (user_pseudo_id = 'user-004' AND platform IS NULL) ORDER BY 1;
DELETE FROM st_events WHERE event_id LIKE 'nu-%';
SELECT refresh_session_table('st_sessions') = st_counted('true') AS rebuilt_everything;
SELECT * FROM st_check();

-- 9. TRUNCATE, then new events before the next refresh: a rebuild.
SELECT count(*) > 0 AS had_sessions FROM st_sessions;
TRUNCATE st_events;
SELECT st_add('{user-001,user-002,t-new}', '{Web,Android,iOS}', '2026-08-01', 12, 'f') AS inserted;
SELECT st_counted('true') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT * FROM st_check();
SELECT count(*) AS states, count(DISTINCT user_pseudo_id) AS users FROM st_sessions_state;
-- TRUNCATE alone: an empty table
TRUNCATE st_events;
SELECT refresh_session_table('st_sessions') AS processed;
SELECT * FROM st_check();
SELECT st_add(array_agg('user-' || lpad(i::text, 3, '0') ORDER BY i),
              array_agg((ARRAY['Web', 'Android', 'iOS'])[1 + i % 3] ORDER BY i),
              '2026-09-01', 12, 'g') AS inserted
FROM generate_series(1, 50) AS i;
SELECT st_counted('true') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT * FROM st_check();

-- 10. A failing refresh changes nothing: two engagement times whose sum is
-- out of range are captured, the refresh fails (22003), the table, its
-- states and the captured events stay as they were; without the bad event
-- the next refresh succeeds.  (An infinite timestamp is not captured at all,
-- and a negative engagement time counts as missing: like NULL, in the view
-- too.)
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id, user_engagement_time_msec) VALUES
 ('ok-1', '_click', '2026-09-05 10:00:00', 'Web', 'user-003', NULL),
 ('bad-1', '_user_engagement', '2026-09-05 10:00:01', 'Web', 'user-003', 9000000000000000000),
 ('big-1', '_user_engagement', '2026-09-05 10:00:02', 'Web', 'user-003', 9000000000000000000),
 ('neg-1', '_user_engagement', '2026-09-05 10:00:03', 'Web', 'user-003', -5),
 ('inf-1', '_click', 'infinity', 'Web', 'user-003', NULL);
CREATE TABLE st_before AS SELECT * FROM st_sessions;
CREATE TABLE st_states_before AS SELECT partition_key, session_start, state::text AS state FROM st_sessions_state;
SELECT refreshes, events_processed FROM st_sessions_config;
\set VERBOSITY terse
SELECT refresh_session_table('st_sessions');
\set VERBOSITY default
SELECT count(*) AS captured, count(*) FILTER (WHERE engagement_ms > 0) AS engaged,
       count(*) FILTER (WHERE engagement_ms < 0) AS negative,
       count(*) FILTER (WHERE NOT isfinite(ts)) AS infinite FROM st_sessions_delta;
SELECT (SELECT count(*) FROM (SELECT * FROM st_before EXCEPT ALL SELECT * FROM st_sessions) x)
     + (SELECT count(*) FROM (SELECT * FROM st_sessions EXCEPT ALL SELECT * FROM st_before) y) AS table_changed,
       (SELECT count(*) FROM (SELECT * FROM st_states_before EXCEPT ALL SELECT partition_key, session_start, state::text FROM st_sessions_state) x)
     + (SELECT count(*) FROM (SELECT partition_key, session_start, state::text FROM st_sessions_state EXCEPT ALL SELECT * FROM st_states_before) y) AS states_changed;
SELECT refreshes, events_processed FROM st_sessions_config;
DELETE FROM st_events WHERE event_id IN ('bad-1', 'inf-1');	-- neg-1 and big-1 stay
SELECT st_counted('user_pseudo_id = ''user-003'' AND platform = ''Web''') AS expected \gset
SELECT refresh_session_table('st_sessions') AS processed, :expected AS expected;
SELECT * FROM st_check();
SELECT refreshes FROM st_sessions_config;
DROP TABLE st_before, st_states_before;
-- not a session table
\set VERBOSITY terse
SELECT refresh_session_table('st_events');
\set VERBOSITY default

-- 11. The dashboards over the table equal those over the view.
SELECT d AS dashboard,
       (SELECT count(*) FROM st_diff('st_sessions' || d, 'st_ref' || d)) AS differences
FROM unnest(ARRAY['_daily', '_length_distribution', '_users', '_engagement',
                  '_entry_exit', '_concluded']) AS d
ORDER BY d;

-- 12. A materialized view over a session view, refreshed CONCURRENTLY: it
-- needs a unique index; (session_id, platform) is one (the same user can
-- start sessions on two platforms in the same millisecond).
CREATE MATERIALIZED VIEW st_mv AS SELECT * FROM st_ref;
CREATE UNIQUE INDEX ON st_mv (session_id, platform);
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id) VALUES
 ('mv-1', '_click', '2026-09-01 00:00:00', 'Web', 'twin'),
 ('mv-2', '_click', '2026-09-01 00:00:00', 'Android', 'twin');
DELETE FROM st_events WHERE event_id IN ('g-1-1', 'g-2-5');
REFRESH MATERIALIZED VIEW CONCURRENTLY st_mv;
SELECT (SELECT count(*) FROM (SELECT * FROM st_ref EXCEPT ALL SELECT * FROM st_mv) x)
     + (SELECT count(*) FROM (SELECT * FROM st_mv EXCEPT ALL SELECT * FROM st_ref) y) AS mv_differences,
       (SELECT count(*) FROM st_mv WHERE user_pseudo_id = 'twin') AS twin_sessions;
DROP MATERIALIZED VIEW st_mv;

-- 13. drop_session_table removes the table, its dashboards, its bookkeeping
-- tables, the capture triggers and their functions; the source stays.
SELECT refresh_session_table('st_sessions') > 0 AS refreshed;
SELECT * FROM st_check();
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'st_events'::regclass;
SET client_min_messages = warning;	-- (the cascade to the dashboards)
SELECT drop_session_table('st_sessions');
RESET client_min_messages;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'st_events'::regclass;
SELECT count(*) AS relations FROM pg_class
WHERE relnamespace = 'public'::regnamespace AND relname LIKE 'st\_sessions%';
SELECT count(*) AS functions FROM pg_proc WHERE proname LIKE 'st\_sessions\_capture%';
-- the source takes writes without capture now
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id)
VALUES ('after-drop', '_click', '2026-09-10 00:00:00', 'Web', 'user-001');
SELECT count(*) AS events FROM st_events;
\set VERBOSITY terse
SELECT drop_session_table('st_events');
\set VERBOSITY default

-- 14. Two session tables on one source, with other options; and a table in
-- another schema, with names that need quotes.
SELECT create_session_table('st_events', 'st_one', dashboards => false);
SELECT create_session_table('st_events', 'st_two', timeout => '5 minutes', dashboards => false);
CREATE SCHEMA "St Schema";
SELECT create_session_table('st_events', '"St Schema"."Session Table"', timeout => '5 minutes');
SELECT create_session_view('st_events', 'st_one_ref', dashboards => false);
SELECT create_session_view('st_events', 'st_two_ref', timeout => '5 minutes', dashboards => false);
INSERT INTO st_events (event_id, event_name, event_timestamp, platform, user_pseudo_id) VALUES
 ('two-1', '_click', '2026-09-02 10:00:00', 'Web', 'user-001'),
 ('two-2', '_click', '2026-09-02 10:04:00', 'Web', 'user-001'),
 ('two-3', '_click', '2026-09-02 10:10:00', 'Web', 'user-001');
SELECT refresh_session_table('st_one') AS one, refresh_session_table('st_two') AS two,
       refresh_session_table('"St Schema"."Session Table"') AS three;
SELECT (SELECT count(*) FROM st_diff('st_one', 'st_one_ref')) AS one_differences,
       (SELECT count(*) FROM st_diff('st_two', 'st_two_ref')) AS two_differences,
       (SELECT count(*) FROM st_diff('"St Schema"."Session Table"', 'st_two_ref')) AS three_differences,
       (SELECT count(*) FROM st_one) < (SELECT count(*) FROM st_two) AS shorter_timeout_more_sessions;
SELECT c.relname, c.relkind FROM pg_class c
WHERE c.relnamespace = '"St Schema"'::regnamespace AND c.relkind IN ('r', 'v') ORDER BY 1;
SET client_min_messages = warning;
SELECT drop_session_table('"St Schema"."Session Table"');
RESET client_min_messages;
SELECT drop_session_table('st_one');
SELECT drop_session_table('st_two');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'st_events'::regclass;
SELECT count(*) AS relations_left FROM pg_class WHERE relnamespace = '"St Schema"'::regnamespace;
DROP SCHEMA "St Schema";

-- 15. Random new and late events at the edges of the timeout (gaps of
-- exactly 30 minutes, a microsecond more or less, a millisecond more or
-- less), new users, deletes and updates, microsecond timestamps: after each
-- of many refreshes the table equals the full recomputation.  A refresh
-- rewrites only the sessions within the timeout of its new events; this
-- checks the edges of that window.
SELECT setseed(0.17);
CREATE TABLE st_edge (LIKE st_events);
ALTER TABLE st_edge ALTER COLUMN event_timestamp TYPE timestamptz;
INSERT INTO st_edge (event_id, event_name, event_timestamp, platform, user_pseudo_id, page_view_page_title)
SELECT 'b-' || u || '-' || k, CASE WHEN random() < 0.5 THEN '_page_view' ELSE '_click' END,
       '2026-01-01'::timestamptz + sum(g) OVER (PARTITION BY u ORDER BY k) * interval '1 microsecond',
       CASE WHEN u % 4 = 0 THEN NULL ELSE 'Web' END, 'u' || u, 'P' || (k % 5)
FROM generate_series(1, 40) u, generate_series(1, 30) k,
     LATERAL (SELECT (ARRAY[1800000000, 1800000001, 1799999999, 1800000999, 1800001000, 1799999000,
                            60000000, 7200000000, 999, 1000])[1 + floor(random() * 10)::int] + 0 * k * u AS g) x;
SELECT create_session_table('st_edge', 'st_edge_sessions', dashboards => false) IS NOT NULL AS created;
SELECT create_session_view('st_edge', 'st_edge_ref', dashboards => false) IS NOT NULL AS created;
DO $$
DECLARE
    r int;
    d bigint;
BEGIN
    FOR r IN 1..80 LOOP
        INSERT INTO st_edge (event_id, event_name, event_timestamp, platform, user_pseudo_id, page_view_page_title)
        SELECT 'n-' || r || '-' || row_number() OVER (), '_page_view',
               e.event_timestamp + (ARRAY[1800000000, -1800000000, 1800000001, -1800000001, 1799999999, -1799999999,
                                          1800000999, -1800001000, 3600000000, 1, -1, 900000000])[1 + floor(random() * 12)::int]
                                   * interval '1 microsecond',
               e.platform, CASE WHEN random() < 0.03 THEN 'new-' || r ELSE e.user_pseudo_id END, 'N' || r
        FROM ((SELECT * FROM st_edge WHERE event_timestamp IS NOT NULL
               ORDER BY event_id LIMIT 1 + floor(random() * 4)::int OFFSET floor(random() * 1000)::int)
              UNION ALL	-- and after the last event of some users
              (SELECT * FROM (SELECT DISTINCT ON (user_pseudo_id, platform) * FROM st_edge
                              WHERE event_timestamp IS NOT NULL
                              ORDER BY user_pseudo_id, platform, event_timestamp DESC) l
               ORDER BY event_id LIMIT floor(random() * 3)::int OFFSET floor(random() * 40)::int)) e;
        IF r % 10 = 0 THEN
            DELETE FROM st_edge WHERE event_id IN (SELECT event_id FROM st_edge ORDER BY event_id
                                                   LIMIT 2 OFFSET floor(random() * 1000)::int);
        END IF;
        IF r % 15 = 0 THEN
            UPDATE st_edge SET event_timestamp = event_timestamp + interval '31 minutes'
            WHERE event_id = (SELECT event_id FROM st_edge ORDER BY event_id LIMIT 1 OFFSET floor(random() * 1000)::int);
        END IF;
        PERFORM refresh_session_table('st_edge_sessions');
        SELECT count(*) INTO d FROM st_diff('st_edge_sessions', 'st_edge_ref');
        IF d <> 0 THEN
            RAISE EXCEPTION 'refresh % of st_edge_sessions: % rows differ from the recomputation', r, d;
        END IF;
    END LOOP;
END $$;
SELECT count(*) > 300 AS many_sessions, count(DISTINCT user_pseudo_id) > 40 AS new_users
FROM st_edge_sessions;
SELECT drop_session_table('st_edge_sessions');
DROP VIEW st_edge_ref;
DROP TABLE st_edge;

-- Cleanup
SET client_min_messages = warning;
DROP TABLE st_events CASCADE;
DROP FUNCTION st_add(text[], text[], timestamp, int, text);
DROP FUNCTION st_check();
DROP FUNCTION st_counted(text);
DROP FUNCTION st_diff(text, text);
