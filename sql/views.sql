-- create_session_view(): the AWS Clickstream session view and its dashboard
-- views (docs/clickstream.md).  A small hand-made event table checked
-- value by value, then a generated one checked against an independent
-- plain-SQL recomputation (lag() + sum() OVER) that prints only the rows that
-- disagree; SDK mode; timestamp, timestamptz and epoch-ms columns; a Segment
-- "pages" mapping; excluded events; Session Concluded relative to now();
-- errors; security_invoker, comments and a read-only role; quoted names.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\pset null '(null)'

-- try(query) runs a statement and returns the error it raises, or 'no error'.
CREATE FUNCTION pg_temp.try(query text, OUT state text, OUT message text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    state := 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
        hint = PG_EXCEPTION_HINT;
END $$;

-- ref_sessions(source, timeout, excluded): the 13 columns recomputed in plain
-- SQL from an event_v2-shaped table (event_timestamp read as UTC), without
-- the extension: a new session where lag() says the gap exceeds the timeout,
-- numbered by a running sum(); entry and exit views by (ts, event_id).
CREATE FUNCTION ref_sessions(src regclass, tmo interval, excluded text[])
RETURNS TABLE (session_id text, user_pseudo_id text, platform text,
               session_duration bigint, session_views bigint,
               engaged_session integer, bounced_session integer,
               session_start_timestamp bigint, session_engagement_time bigint,
               session_date timestamp, session_date_hour timestamp,
               entry_view text, exit_view text)
LANGUAGE plpgsql AS $f$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH e AS (
            SELECT user_pseudo_id AS u, platform AS p, event_timestamp AS ts,
                   event_id AS id,
                   coalesce(event_name IN ('_page_view', '_screen_view'), false) AS is_view,
                   coalesce(page_view_page_title, screen_view_screen_name) AS title,
                   CASE WHEN event_name = '_user_engagement'
                        THEN coalesce(user_engagement_time_msec, 0) ELSE 0 END AS eng
            FROM %s
            WHERE event_timestamp IS NOT NULL
              AND (event_name IS NULL OR NOT event_name = ANY (%L::text[]))),
        brk AS (
            SELECT *, CASE WHEN ts - lag(ts) OVER w <= %L::interval THEN 0 ELSE 1 END AS new_session
            FROM e WINDOW w AS (PARTITION BY u, p ORDER BY ts, id COLLATE "C")),
        lab AS (
            SELECT *, sum(new_session) OVER (PARTITION BY u, p ORDER BY ts, id COLLATE "C"
                                             ROWS UNBOUNDED PRECEDING) AS n
            FROM brk),
        s AS (
            SELECT u, p, min(ts) AS t0, max(ts) AS t1,
                   count(*) FILTER (WHERE is_view) AS views, sum(eng)::bigint AS eng,
                   (array_agg(title ORDER BY ts, id COLLATE "C") FILTER (WHERE is_view))[1] AS entry,
                   (array_agg(title ORDER BY ts DESC, id COLLATE "C" DESC) FILTER (WHERE is_view))[1] AS exit
            FROM lab GROUP BY u, p, n)
        SELECT u || '-' || to_char(t0, 'YYYYMMDD-HH24MISSMS'), u, p, d.ms, views,
               (d.ms > 10000 OR views >= 2)::int, (NOT (d.ms > 10000 OR views >= 2))::int,
               floor(extract(epoch FROM t0) * 1000)::bigint, eng,
               date_trunc('day', t0), date_trunc('hour', t0), entry, exit
        FROM s, LATERAL (SELECT floor(extract(epoch FROM t1 - t0) * 1000)::bigint AS ms) d
        $q$, src, excluded, tmo);
END $f$;

-- vdiff(a, b): rows of a missing from b and rows of b missing from a (both
-- multisets), labelled; no rows when they are equal.
CREATE FUNCTION vdiff(a text, b text)
RETURNS TABLE (side text, r text)
LANGUAGE plpgsql AS $f$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT 'only in %1$s', x::text FROM (SELECT * FROM %1$s a EXCEPT ALL SELECT * FROM %2$s b) x
        UNION ALL
        SELECT 'only in %2$s', y::text FROM (SELECT * FROM %2$s b EXCEPT ALL SELECT * FROM %1$s a) y
        ORDER BY 1, 2$q$, a, b);
END $f$;

------------------------------------------------------------------------------
-- 1. A hand-made table in the shape of AWS event_v2.  Every session is
-- described next to its events; the expected values are worked out by hand.
------------------------------------------------------------------------------
CREATE TABLE ev (
    event_id text NOT NULL, event_name text, event_timestamp timestamp,
    event_time_msec bigint, platform text, user_pseudo_id text NOT NULL,
    session_id text, session_duration bigint, page_view_page_title text,
    screen_view_screen_name text, user_engagement_time_msec bigint);
INSERT INTO ev (event_id, user_pseudo_id, platform, event_timestamp, event_name,
                page_view_page_title, screen_view_screen_name,
                user_engagement_time_msec, session_id, session_duration) VALUES
 -- u1 Web, the worked example of docs/semantics.md: 10:30:05 is exactly 30 min
 -- after 10:00:05 (same session), 11:00:06 is 30:01 after it (new session);
 -- the two excluded events would otherwise bridge that gap.
 ('a01', 'u1', 'Web', '2026-09-01 10:00:00', '_session_start', NULL, NULL, NULL, 'u1-s1', 0),
 ('a02', 'u1', 'Web', '2026-09-01 10:00:05', '_page_view', '/home', NULL, NULL, 'u1-s1', 5000),
 ('a03', 'u1', 'Web', '2026-09-01 10:10:00', 'Notification Sent', NULL, NULL, NULL, NULL, NULL),
 ('a04', 'u1', 'Web', '2026-09-01 10:30:05', '_page_view', '/cart', NULL, NULL, 'u1-s1', 1805000),
 ('a05', 'u1', 'Web', '2026-09-01 10:45:00', 'App Installed', NULL, NULL, NULL, NULL, NULL),
 ('a06', 'u1', 'Web', '2026-09-01 11:00:06', '_page_view', '/pay', NULL, NULL, 'u1-s2', NULL),
 ('a07', 'u1', 'Web', NULL, '_click', NULL, NULL, NULL, 'u1-s2', 99999),
 -- u1 Android: the same user on another platform is another session, with
 -- the same session_id as u1's Web session (same start millisecond)
 ('b01', 'u1', 'Android', '2026-09-01 10:00:00', '_session_start', NULL, NULL, NULL, 'u1-a1', 0),
 ('b02', 'u1', 'Android', '2026-09-01 10:00:00', '_screen_view', NULL, 'HomeScreen', NULL, 'u1-a1', 0),
 ('b03', 'u1', 'Android', '2026-09-01 10:00:20', '_user_engagement', NULL, NULL, 20000, '', NULL),
 -- u2 Web: a session across UTC midnight (belongs to its start day); two
 -- views at the same instant, inserted c04 before c03: the exit view is the
 -- one with the higher event_id (/b), not the last inserted nor the last by
 -- name; then a gap of 30:00.5 and a session whose last view has no title
 ('c01', 'u2', 'Web', '2026-09-01 23:50:00', '_session_start', NULL, NULL, NULL, 'u2-s1', NULL),
 ('c02', 'u2', 'Web', '2026-09-01 23:55:00', '_page_view', '/a', NULL, NULL, 'u2-s1', NULL),
 ('c04', 'u2', 'Web', '2026-09-02 00:10:00', '_page_view', '/b', NULL, NULL, 'u2-s1', NULL),
 ('c03', 'u2', 'Web', '2026-09-02 00:10:00', '_page_view', '/z', NULL, NULL, 'u2-s1', NULL),
 ('c05', 'u2', 'Web', '2026-09-02 00:40:00.5', '_page_view', '/d', NULL, NULL, 'u2-s1', NULL),
 ('c06', 'u2', 'Web', '2026-09-02 00:40:09.999', '_page_view', NULL, NULL, NULL, 'u2-s1', NULL),
 -- u3 Android: two screen views at the first instant (entry: lowest
 -- event_id d01 = Zeta; exit: d02 = Alpha); engagement from _user_engagement
 -- only (5000 + NULL + 3000; the _click's 7777 does not count); 10 s exactly
 -- is not engaged by duration, but 2 views are
 ('d02', 'u3', 'Android', '2026-09-03 08:00:00', '_screen_view', NULL, 'Alpha', NULL, NULL, NULL),
 ('d01', 'u3', 'Android', '2026-09-03 08:00:00', '_screen_view', NULL, 'Zeta', NULL, NULL, NULL),
 ('d03', 'u3', 'Android', '2026-09-03 08:00:05', '_user_engagement', NULL, NULL, 5000, NULL, NULL),
 ('d04', 'u3', 'Android', '2026-09-03 08:00:06', '_click', NULL, NULL, 7777, NULL, NULL),
 ('d05', 'u3', 'Android', '2026-09-03 08:00:07', '_user_engagement', NULL, NULL, NULL, NULL, NULL),
 ('d06', 'u3', 'Android', '2026-09-03 08:00:10', '_user_engagement', NULL, NULL, 3000, NULL, NULL),
 -- u4 Web: three short sessions (10 s exactly: one view with no title, not
 -- engaged; 9.999 s without views; 0 s): struggling and disengaged
 ('e01', 'u4', 'Web', '2026-09-04 09:00:00', '_page_view', NULL, NULL, NULL, 'u4-x', NULL),
 ('e02', 'u4', 'Web', '2026-09-04 09:00:10', '_click', NULL, NULL, NULL, 'u4-x', NULL),
 ('e03', 'u4', 'Web', '2026-09-04 12:00:00', '_session_start', NULL, NULL, NULL, 'u4-x', NULL),
 ('e04', 'u4', 'Web', '2026-09-04 12:00:09.999', '_scroll', NULL, NULL, NULL, 'u4-x', NULL),
 ('e05', 'u4', 'Web', '2026-09-04 15:00:00', '_click', NULL, NULL, NULL, 'u4-y', NULL),
 -- u5 iOS: only excluded events and an event without timestamp: no session
 ('f01', 'u5', 'iOS', '2026-09-05 07:00:00', 'App Installed', NULL, NULL, NULL, NULL, NULL),
 ('f02', 'u5', 'iOS', '2026-09-05 07:00:01', 'Notification Sent', NULL, NULL, NULL, NULL, NULL),
 ('f03', 'u5', 'iOS', NULL, '_page_view', 'X', NULL, NULL, 'u5-z', 5),
 -- u6 Web: session lengths on the bucket edges: 1 h exactly (gaps of 20 min),
 -- 30 min exactly (one gap of the timeout), 29999.9 ms (rounded down to
 -- 29999; starts 0.4 ms after the second), 30 s exactly
 ('g01', 'u6', 'Web', '2026-09-05 00:00:00', '_page_view', '/l1', NULL, NULL, 'u6', NULL),
 ('g02', 'u6', 'Web', '2026-09-05 00:20:00', '_click', NULL, NULL, NULL, 'u6', NULL),
 ('g03', 'u6', 'Web', '2026-09-05 00:40:00', '_click', NULL, NULL, NULL, 'u6', NULL),
 ('g04', 'u6', 'Web', '2026-09-05 01:00:00', '_page_view', '/l2', NULL, NULL, 'u6', NULL),
 ('g05', 'u6', 'Web', '2026-09-05 03:00:00', '_page_view', '/l3', NULL, NULL, 'u6', NULL),
 ('g06', 'u6', 'Web', '2026-09-05 03:30:00', '_click', NULL, NULL, NULL, 'u6', NULL),
 ('g07', 'u6', 'Web', '2026-09-05 05:00:00.0004', '_click', NULL, NULL, NULL, 'u6', NULL),
 ('g08', 'u6', 'Web', '2026-09-05 05:00:30.0003', '_click', NULL, NULL, NULL, 'u6', NULL),
 ('g09', 'u6', 'Web', '2026-09-05 07:00:00', '_click', NULL, NULL, NULL, 'u6', NULL),
 ('g10', 'u6', 'Web', '2026-09-05 07:00:30', '_click', NULL, NULL, NULL, 'u6', NULL),
 -- u7 Android: an event without a name counts (it is not excluded) but is
 -- not a view: 60 s, one view, engaged by duration
 ('h01', 'u7', 'Android', '2026-09-06 07:00:00', NULL, NULL, NULL, NULL, 'u7', NULL),
 ('h02', 'u7', 'Android', '2026-09-06 07:01:00', '_screen_view', NULL, 'Home', NULL, 'u7', NULL);
UPDATE ev SET event_time_msec = floor(extract(epoch FROM event_timestamp) * 1000);

SELECT create_session_view('ev', excluded_events => '{Notification Sent,App Installed}');

-- The 13 columns of docs/clickstream.md, in order, with their types.
SELECT ordinal_position, column_name, data_type
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = 'clickstream_session_view'
ORDER BY ordinal_position;

-- Every session, checked by hand (14):
--  u1 Web 10:00:00-10:30:05: 1805000 ms, 2 views, engaged, /home -> /cart
--  u1 Web 11:00:06: 0 ms, 1 view, bounced, /pay (the NULL-ts a07 is ignored)
--  u1 Android 10:00:00-10:00:20: 20000 ms > 10 s, engaged, 20000 ms engagement
--  u2 2026-09-01 23:50-00:10: 1200000 ms, 3 views, /a -> /b, day 2026-09-01
--  u2 2026-09-02 00:40:00.5-00:40:09.999: 9499 ms, 2 views, engaged, /d -> (null)
--  u3 10000 ms, 2 views, engaged, 8000 ms engagement, Zeta -> Alpha
--  u4 10000 ms 1 view not engaged; 9999 ms; 0 ms; no view names
--  u6 3600000, 1800000, 29999 (start ms rounded down), 30000 ms
--  u7 60000 ms, 1 view
-- Epoch ms: 2026-09-01 00:00 UTC is 1788220800000.
SELECT * FROM clickstream_session_view
ORDER BY user_pseudo_id, platform, session_start_timestamp;

-- The same against the independent recomputation: no disagreement.
CREATE VIEW ref_ev AS
    SELECT * FROM ref_sessions('ev', '30 minutes', '{Notification Sent,App Installed}');
SELECT * FROM vdiff('clickstream_session_view', 'ref_ev');
SELECT count(*) AS sessions FROM ref_ev;

-- Without the excluded list (the default is '{}'), the two excluded events
-- count: they bridge u1's gap of 30:01 (one session of 3606000 ms with 3
-- views), and u5 gets a session of 1 s without views.
SELECT create_session_view('ev', 'ev_all', dashboards => false);
SELECT user_pseudo_id, platform, session_id, session_duration, session_views
FROM ev_all WHERE user_pseudo_id IN ('u1', 'u5')
ORDER BY user_pseudo_id, platform, session_start_timestamp;
CREATE VIEW ref_ev_all AS SELECT * FROM ref_sessions('ev', '30 minutes', '{}');
SELECT * FROM vdiff('ev_all', 'ref_ev_all');

------------------------------------------------------------------------------
-- 2. The dashboards over the hand-made view, checked by hand.
------------------------------------------------------------------------------
-- The seven dashboard views exist, next to the session view.
SELECT c.relname, c.relkind FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'clickstream_session_view%'
ORDER BY c.relname;

-- Per day (by session start) and platform: 09-01 Web: u1 x2 and u2's first
-- (1805000 + 0 + 1200000 = 3005000 ms; 2 engaged of 3; views 2+1+3 = 6);
-- 09-01 Android: u1 (20000 ms, 1 view, 20 s of engagement); 09-02 Web: u2's
-- second (9499 ms, 2 views, engaged); 09-03 Android: u3 (10000, engaged by its
-- 2 views, 8 s of engagement); 09-04 Web: u4 x3 (19999 ms, none engaged);
-- 09-05 Web: u6 x4 (5459999 ms, all engaged); 09-06 Android: u7 (60000).
SELECT * FROM clickstream_session_view_daily ORDER BY session_date, platform;
-- summed over the days and platforms, the measures are those of all sessions
SELECT sum(sessions) AS sessions, sum(engaged_sessions) AS engaged, sum(bounced_sessions) AS bounced,
       sum(session_views) AS views, sum(total_session_seconds) AS seconds,
       sum(total_engagement_seconds) AS engagement_seconds
FROM clickstream_session_view_daily;

-- Session lengths, a bucket holds [min, max): 0-10 s: 0, 9499, 9999, 0;
-- 10-30 s: 20000, 10000 (edge), 10000 (edge), 29999; 30-60 s: 30000 (edge);
-- 1-3 min: 60000 (edge); 3-10 min: none (shown as 0); 10-30 min: 1200000;
-- 30-60 min: 1805000, 1800000 (edge); 1 h or more: 3600000 (edge).  Per day
-- and platform, every bucket is listed; shares within the day and platform.
SELECT * FROM clickstream_session_view_length_distribution
WHERE sessions > 0 ORDER BY session_date, platform, bucket_order;
SELECT bucket_order, sum(sessions) AS sessions, count(*) AS day_platforms
FROM clickstream_session_view_length_distribution GROUP BY bucket_order ORDER BY bucket_order;

-- Per user, day and platform: u4 has 3 sessions on 09-04 averaging 6666.333
-- s < 30 s: struggling, and none engaged: disengaged.  u1 has 2 Web sessions
-- and 1 Android session on 09-01; u2's sessions start on 09-01 and 09-02.
-- last_seen: start + duration of the last-ending session.
SELECT * FROM clickstream_session_view_users ORDER BY user_pseudo_id, session_date, platform;

-- KPIs per day and platform, and for a range with session_kpis(): over all
-- days, 6 users (u5 has no session), 14 sessions, 10 engaged (1.6667 per
-- user); engagement 20000 + 8000 = 28000 ms: 2.000 s per session, 4.667 s per
-- user; views 1+2+1+3+2+2+1+0+0+2+1+0+0+1 = 16: 1.1429 per session, 2.6667
-- per user; 10/14 engaged; 8584.497 s / 14 = 613.178 s per session.
SELECT * FROM clickstream_session_view_engagement ORDER BY session_date, platform;
SELECT * FROM session_kpis('clickstream_session_view', '2026-09-01', '2026-09-06');
-- a range and a platform: Web on 09-01 and 09-02 is u1 x2 and u2 x2, 3 of 4
-- engaged, 8 views, 3014.499 s; users are counted once over the range
SELECT users, sessions, engaged_sessions, session_views, total_session_seconds, avg_views_per_session
FROM session_kpis('clickstream_session_view', '2026-09-01', '2026-09-02', 'Web');
-- the range is of session days: nothing before the first
SELECT users, sessions FROM session_kpis('clickstream_session_view', '2026-08-01', '2026-08-31');

-- Entry and exit views per day and platform (NULL names are left out).
SELECT * FROM clickstream_session_view_entry_exit ORDER BY session_date, platform, view_name COLLATE "C";

-- Pages and screens per day (of the event) and platform, from the events:
-- views and users, with the entries and exits of the sessions that start
-- that day (u2's /b and /z views are on 09-02, its session and so its entry
-- /a on 09-01).  No hand-made engagement event names a page or screen, so
-- engagement is 0 here (the generated data check it).
SELECT * FROM clickstream_session_view_pages ORDER BY session_date, platform, view_name COLLATE "C";
-- engagement events that carry the page: u1 4 s and 1.5 s on /home and
-- /cart, u2 6 s on /home: /home has 10 s of 2 users (5 s each), still one view
CREATE TABLE tbl_eng AS SELECT * FROM ev;
INSERT INTO tbl_eng (event_id, user_pseudo_id, platform, event_timestamp, event_name,
                    page_view_page_title, user_engagement_time_msec) VALUES
 ('x01', 'u1', 'Web', '2026-09-01 10:00:06', '_user_engagement', '/home', 4000),
 ('x02', 'u2', 'Web', '2026-09-01 23:56:00', '_user_engagement', '/home', 6000),
 ('x03', 'u1', 'Web', '2026-09-01 10:30:06', '_user_engagement', '/cart', 1500);
SELECT create_session_view('tbl_eng', 'ev_eng_view', excluded_events => '{Notification Sent,App Installed}') IS NOT NULL AS made;
SELECT view_name, views, users, total_engagement_seconds, avg_engagement_seconds_per_user
FROM ev_eng_view_pages WHERE total_engagement_seconds > 0 ORDER BY view_name;

-- All hand-made sessions are in the past: each has concluded, timestamped
-- with its last event, length in whole seconds (29999 ms -> 29 s).  The
-- timestamp is session_start_timestamp + session_duration, both rounded down
-- to the millisecond: for u6's session of 05:00:00.0004-05:00:30.0003 that is
-- 05:00:29.999 (sub-millisecond timestamps only; AWS data are in ms).
SELECT session_date, session_id, platform, event_name, event_timestamp, session_length_seconds
FROM clickstream_session_view_concluded ORDER BY session_id, platform;

------------------------------------------------------------------------------
-- 3. Generated data: 400 users, about 8,000 events over three weeks, with
-- ties (5 % of gaps are 0), gaps of exactly the timeout and 1 ms either side,
-- long gaps over midnight, excluded and unnamed events, views without title,
-- engagement on non-engagement events, NULL timestamps, SDK session ids
-- (NULL and '' among them) and SDK durations.
------------------------------------------------------------------------------
SET max_parallel_workers_per_gather = 0;	-- one random() sequence
SELECT setseed(0.25);
CREATE TABLE gen_user AS
SELECT u, 'g' || lpad(u::text, 4, '0') AS user_pseudo_id,
       CASE WHEN r < 0.5 THEN 'Web' WHEN r < 0.8 THEN 'Android' ELSE 'iOS' END AS platform,
       1 + floor(random() * 40)::int AS nev,
       (extract(epoch FROM timestamp '2026-03-01') * 1000)::bigint
           + floor(random() * 7 * 86400000)::bigint AS start_ms
FROM (SELECT u, random() AS r FROM generate_series(1, 400) AS u) x;
CREATE TABLE gen_event AS
SELECT gu.u, n, gu.user_pseudo_id, gu.platform, gu.start_ms,
       CASE WHEN n = 1 THEN 0
            WHEN r_gap < 0.05 THEN 0
            WHEN r_gap < 0.10 THEN 1800000
            WHEN r_gap < 0.13 THEN 1800001
            WHEN r_gap < 0.16 THEN 1799999
            WHEN r_gap < 0.70 THEN floor(random() * 120000)
            WHEN r_gap < 0.90 THEN floor(random() * 1200000)
            ELSE floor(random() * 2 * 86400000)
       END::bigint AS gap_ms,
       r_name, floor(random() * 8)::int AS view_no, random() AS r_misc,
       floor(random() * 20000)::bigint AS eng
FROM gen_user gu, LATERAL (SELECT n, random() AS r_gap, random() AS r_name
                           FROM generate_series(1, gu.nev) AS n) x
ORDER BY gu.u, n;
CREATE TABLE gen (LIKE ev);
INSERT INTO gen
SELECT md5('ev' || u || '/' || n) AS event_id, event_name,
       CASE WHEN r_misc < 0.01 THEN NULL
            ELSE timestamp 'epoch' + ts_ms * interval '1 millisecond' END,
       CASE WHEN r_misc < 0.01 THEN NULL ELSE ts_ms END,
       platform, user_pseudo_id,
       CASE WHEN r_misc >= 0.98 THEN NULL
            WHEN r_misc >= 0.96 THEN ''
            ELSE user_pseudo_id || '-' || sdk_n END,
       CASE WHEN r_misc < 0.5 THEN ts_ms - sdk_start END,
       CASE WHEN event_name = '_page_view' AND r_misc < 0.95
            THEN (ARRAY['Home', 'Search', 'Product', 'Cart', 'Checkout', 'Pay', 'Done', 'Help'])[view_no + 1] END,
       CASE WHEN event_name = '_screen_view' AND r_misc < 0.95
            THEN (ARRAY['HomeScreen', 'SearchScreen', 'ProductScreen', 'CartScreen',
                        'CheckoutScreen', 'PayScreen', 'DoneScreen', 'HelpScreen'])[view_no + 1] END,
       CASE WHEN event_name = '_user_engagement' AND r_misc < 0.9 THEN eng
            WHEN event_name = '_click' AND r_misc < 0.3 THEN eng END
FROM (SELECT *, min(ts_ms) OVER (PARTITION BY u, sdk_n) AS sdk_start
      FROM (SELECT *, sum((gap_ms > 1500000)::int) OVER (PARTITION BY u ORDER BY n) AS sdk_n
            FROM (SELECT *, start_ms + sum(gap_ms) OVER (PARTITION BY u ORDER BY n) AS ts_ms,
                         CASE WHEN r_name < 0.08 THEN '_session_start'
                              WHEN r_name < 0.50 THEN CASE WHEN platform = 'Web' THEN '_page_view' ELSE '_screen_view' END
                              WHEN r_name < 0.65 THEN '_user_engagement'
                              WHEN r_name < 0.80 THEN '_click'
                              WHEN r_name < 0.87 THEN '_scroll'
                              WHEN r_name < 0.92 THEN 'Notification Sent'
                              WHEN r_name < 0.95 THEN 'App Installed'
                              WHEN r_name < 0.97 THEN NULL
                              ELSE '_search' END AS event_name
                  FROM gen_event) a) b) c
ORDER BY u, n;
RESET max_parallel_workers_per_gather;
ANALYZE gen;

-- What the data exercises (events, users, NULL timestamps, excluded, unnamed,
-- views without a title, gaps of exactly 30 min, ties within a user).
SELECT count(*) AS events, count(DISTINCT user_pseudo_id) AS users,
       count(*) FILTER (WHERE event_timestamp IS NULL) AS null_ts,
       count(*) FILTER (WHERE event_name IN ('Notification Sent', 'App Installed')) AS excluded,
       count(*) FILTER (WHERE event_name IS NULL) AS unnamed,
       count(*) FILTER (WHERE event_name IN ('_page_view', '_screen_view')
                          AND coalesce(page_view_page_title, screen_view_screen_name) IS NULL) AS untitled_views,
       count(*) FILTER (WHERE coalesce(session_id, '') = '') AS no_sdk_session
FROM gen;
SELECT count(*) FILTER (WHERE gap = interval '30 minutes') AS gaps_of_30_min,
       count(*) FILTER (WHERE gap = interval '0') AS ties,
       count(*) FILTER (WHERE gap > interval '1 day') AS gaps_over_a_day
FROM (SELECT event_timestamp - lag(event_timestamp) OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp) AS gap
      FROM gen WHERE event_timestamp IS NOT NULL
        AND event_name IS DISTINCT FROM 'Notification Sent' AND event_name IS DISTINCT FROM 'App Installed') x;

SELECT create_session_view('gen', 'gv', excluded_events => '{Notification Sent,App Installed}');
CREATE VIEW ref_gen AS
    SELECT * FROM ref_sessions('gen', '30 minutes', '{Notification Sent,App Installed}');
SELECT * FROM vdiff('gv', 'ref_gen');
-- what the comparison covered
SELECT count(*) AS sessions, count(DISTINCT session_date) AS days,
       sum(engaged_session) AS engaged, count(*) FILTER (WHERE entry_view IS NULL) AS no_entry_view,
       count(*) FILTER (WHERE session_date <> date_trunc('day', timestamp 'epoch'
                        + (session_start_timestamp + session_duration) * interval '1 ms')) AS across_midnight
FROM gv;

-- Other timeouts: 0 (only events of the same instant together) and 1 hour.
SELECT create_session_view('gen', 'gv0', timeout => '0', dashboards => false,
                           excluded_events => '{Notification Sent,App Installed}');
CREATE VIEW ref_gen0 AS SELECT * FROM ref_sessions('gen', '0', '{Notification Sent,App Installed}');
SELECT * FROM vdiff('gv0', 'ref_gen0');
SELECT create_session_view('gen', 'gv1h', timeout => '1 hour', dashboards => false,
                           excluded_events => '{Notification Sent,App Installed}');
CREATE VIEW ref_gen1h AS SELECT * FROM ref_sessions('gen', '1 hour', '{Notification Sent,App Installed}');
SELECT * FROM vdiff('gv1h', 'ref_gen1h');
SELECT (SELECT count(*) FROM gv0) AS sessions_0, (SELECT count(*) FROM gv) AS sessions_30min,
       (SELECT count(*) FROM gv1h) AS sessions_1h;

------------------------------------------------------------------------------
-- 4. Each dashboard of the generated view against independent SQL over the
-- view (and over the events for first_seen / last_seen).
------------------------------------------------------------------------------
-- daily, per day and platform
CREATE VIEW ref_daily AS
SELECT session_date::date AS session_date, platform, count(*) AS sessions,
       count(*) FILTER (WHERE engaged_session = 1) AS engaged_sessions,
       count(*) FILTER (WHERE bounced_session = 1) AS bounced_sessions,
       count(DISTINCT user_pseudo_id) AS users, sum(session_views) AS session_views,
       sum(session_duration)::numeric / 1000 AS total_session_seconds,
       sum(session_engagement_time)::numeric / 1000 AS total_engagement_seconds,
       round(sum(session_duration)::numeric / count(*) / 1000, 3) AS avg_session_seconds,
       round(count(*) FILTER (WHERE engaged_session = 1)::numeric / count(*), 4) AS engagement_rate,
       round(count(*) FILTER (WHERE bounced_session = 1)::numeric / count(*), 4) AS bounce_rate
FROM gv GROUP BY 1, 2;
SELECT * FROM vdiff('gv_daily', 'ref_daily');
SELECT count(*) AS day_platforms, count(DISTINCT session_date) AS days, sum(sessions) AS sessions FROM gv_daily;

-- length distribution: bucket by width_bucket on the edges in ms, every
-- bucket of every day and platform with sessions
CREATE VIEW ref_length AS
SELECT d.session_date, d.platform, b AS bucket_order, count(g.session_id) AS sessions
FROM (SELECT DISTINCT session_date::date AS session_date, platform FROM gv) d
CROSS JOIN generate_series(1, 8) b
LEFT JOIN gv g ON g.session_date::date = d.session_date AND g.platform IS NOT DISTINCT FROM d.platform
              AND width_bucket(g.session_duration,
                               ARRAY[0, 10000, 30000, 60000, 180000, 600000, 1800000, 3600000]::bigint[]) = b
GROUP BY 1, 2, 3;
CREATE VIEW ref_gv_length AS SELECT session_date, platform, bucket_order, sessions FROM gv_length_distribution;
SELECT * FROM vdiff('ref_gv_length', 'ref_length');
SELECT bucket, min_seconds, max_seconds, sum(sessions) AS sessions
FROM gv_length_distribution GROUP BY bucket_order, bucket, min_seconds, max_seconds ORDER BY bucket_order;
-- the shares of a day and platform add up to 1 (up to their rounding)
SELECT sum(sessions) = (SELECT count(*) FROM gv) AS all_counted,
       count(*) FILTER (WHERE abs(share_sum - 1) > 0.0005) AS day_platforms_not_summing_to_1
FROM (SELECT session_date, platform, sum(sessions) AS sessions, sum(share) AS share_sum
      FROM gv_length_distribution GROUP BY 1, 2) x;

-- users per day and platform: first_seen / last_seen from the counted
-- events of the sessions that start that day
CREATE VIEW ref_users AS
SELECT g.session_date, g.platform, g.user_pseudo_id, g.sessions, g.engaged_sessions,
       g.total_session_seconds, g.avg_session_seconds, e.first_seen, e.last_seen,
       g.sessions >= 3 AND g.avg_ms < 30000 AS struggling, g.engaged_sessions = 0 AS disengaged
FROM (SELECT session_date::date AS session_date, platform, user_pseudo_id, count(*) AS sessions,
             sum(session_duration) / 1000.0 AS total_session_seconds,
             round(avg(session_duration) / 1000, 3) AS avg_session_seconds,
             avg(session_duration) AS avg_ms,
             count(*) FILTER (WHERE engaged_session = 1) AS engaged_sessions
      FROM gv GROUP BY 1, 2, 3) g
JOIN (SELECT s.session_date::date AS session_date, s.platform, s.user_pseudo_id,
             min(e.event_timestamp) AS first_seen, max(e.event_timestamp) AS last_seen
      FROM gv s JOIN gen e
        ON e.user_pseudo_id = s.user_pseudo_id AND e.platform IS NOT DISTINCT FROM s.platform
       AND e.event_timestamp >= timestamp 'epoch' + s.session_start_timestamp * interval '1 ms'
       AND e.event_timestamp < timestamp 'epoch' + (s.session_start_timestamp + s.session_duration + 1) * interval '1 ms'
      WHERE e.event_name IS DISTINCT FROM 'Notification Sent' AND e.event_name IS DISTINCT FROM 'App Installed'
      GROUP BY 1, 2, 3) e USING (session_date, platform, user_pseudo_id);
SELECT * FROM vdiff('gv_users', 'ref_users');
SELECT count(*) AS user_days, count(*) FILTER (WHERE struggling) AS struggling,
       count(*) FILTER (WHERE disengaged) AS disengaged FROM gv_users;

-- engagement KPIs per day and platform, over the session rows
CREATE VIEW ref_engagement AS
SELECT session_date::date AS session_date, platform, count(DISTINCT user_pseudo_id) AS users, count(*) AS sessions,
       count(*) FILTER (WHERE engaged_session = 1) AS engaged_sessions, sum(session_views) AS session_views,
       sum(session_engagement_time) / 1000.0 AS total_engagement_seconds,
       sum(session_duration) / 1000.0 AS total_session_seconds,
       round(count(*) FILTER (WHERE engaged_session = 1)::numeric / count(DISTINCT user_pseudo_id), 4) AS avg_engaged_sessions_per_user,
       round(sum(session_engagement_time)::numeric / count(*) / 1000, 3) AS avg_engagement_seconds_per_session,
       round(sum(session_engagement_time)::numeric / count(DISTINCT user_pseudo_id) / 1000, 3) AS avg_engagement_seconds_per_user,
       round(sum(session_views)::numeric / count(*), 4) AS avg_views_per_session,
       round(sum(session_views)::numeric / count(DISTINCT user_pseudo_id), 4) AS avg_views_per_user,
       round(count(*) FILTER (WHERE engaged_session = 1)::numeric / count(*), 4) AS engagement_rate,
       round(sum(session_duration)::numeric / count(*) / 1000, 3) AS avg_session_seconds
FROM gv GROUP BY 1, 2;
SELECT * FROM vdiff('gv_engagement', 'ref_engagement');
-- session_kpis over the whole range, from the events themselves: users,
-- engagement time of the _user_engagement events and views of the view events
CREATE VIEW ref_kpis AS
SELECT u AS users, s AS sessions, eng AS engaged_sessions, v AS session_views,
       round(t::numeric / 1000, 3) AS total_engagement_seconds,
       round(eng::numeric / u, 4) AS avg_engaged_sessions_per_user,
       round(t::numeric / s / 1000, 3) AS avg_engagement_seconds_per_session,
       round(t::numeric / u / 1000, 3) AS avg_engagement_seconds_per_user,
       round(v::numeric / s, 4) AS avg_views_per_session,
       round(v::numeric / u, 4) AS avg_views_per_user, round(eng::numeric / s, 4) AS engagement_rate
FROM (SELECT (SELECT count(DISTINCT user_pseudo_id) FROM gen WHERE event_timestamp IS NOT NULL
                AND event_name IS DISTINCT FROM 'Notification Sent' AND event_name IS DISTINCT FROM 'App Installed') AS u,
             (SELECT count(*) FROM gv) AS s,
             (SELECT count(*) FROM gv WHERE engaged_session = 1) AS eng,
             (SELECT sum(user_engagement_time_msec) FROM gen
              WHERE event_name = '_user_engagement' AND event_timestamp IS NOT NULL) AS t,
             (SELECT count(*) FROM gen WHERE event_name IN ('_page_view', '_screen_view')
                AND event_timestamp IS NOT NULL) AS v) x;
CREATE VIEW ref_gv_kpis AS
SELECT users, sessions, engaged_sessions, session_views, total_engagement_seconds,
       avg_engaged_sessions_per_user, avg_engagement_seconds_per_session, avg_engagement_seconds_per_user,
       avg_views_per_session, avg_views_per_user, engagement_rate
FROM session_kpis('gv', '2000-01-01', '2100-01-01');
SELECT * FROM vdiff('ref_gv_kpis', 'ref_kpis');
SELECT users, sessions, engaged_sessions, avg_views_per_session, avg_views_per_user FROM ref_gv_kpis;
-- a range and a platform: users counted once over the range, which the
-- per-day rows cannot give (they count a user on each of its days)
SELECT k.users AS range_users, (SELECT count(DISTINCT user_pseudo_id) FROM gv
                                 WHERE session_date BETWEEN '2026-03-05' AND '2026-03-11' AND platform = 'Web') AS expected,
       (SELECT sum(users) FROM gv_engagement
        WHERE session_date BETWEEN '2026-03-05' AND '2026-03-11' AND platform = 'Web') AS summed_daily_users,
       k.sessions = (SELECT sum(sessions) FROM gv_engagement
                     WHERE session_date BETWEEN '2026-03-05' AND '2026-03-11' AND platform = 'Web') AS sessions_add_up
FROM session_kpis('gv', '2026-03-05', '2026-03-11', 'Web') k;

-- entry and exit views per day and platform
CREATE VIEW ref_entry_exit AS
SELECT coalesce(a.d, b.d) AS session_date, coalesce(a.p, b.p) AS platform, coalesce(a.v, b.v) AS view_name,
       coalesce(a.n, 0) AS entry_sessions, coalesce(b.n, 0) AS exit_sessions
FROM (SELECT session_date::date AS d, platform AS p, entry_view AS v, count(*) AS n FROM gv WHERE entry_view IS NOT NULL GROUP BY 1, 2, 3) a
FULL JOIN (SELECT session_date::date AS d, platform AS p, exit_view AS v, count(*) AS n FROM gv WHERE exit_view IS NOT NULL GROUP BY 1, 2, 3) b
  ON a.d = b.d AND a.p IS NOT DISTINCT FROM b.p AND a.v = b.v;
SELECT * FROM vdiff('gv_entry_exit', 'ref_entry_exit');
SELECT count(*) AS rows, sum(entry_sessions) AS entries, sum(exit_sessions) AS exits FROM gv_entry_exit;

-- pages: views and engagement of the events naming a page or screen, by the
-- event's day; entries and exits of the sessions that start that day
CREATE VIEW ref_pages AS
WITH e AS (
    SELECT event_timestamp::date AS d, platform AS p, coalesce(page_view_page_title, screen_view_screen_name) AS v,
           user_pseudo_id AS u, event_name IN ('_page_view', '_screen_view') AS is_view,
           CASE WHEN event_name = '_user_engagement' THEN user_engagement_time_msec END AS eng
    FROM gen
    WHERE event_timestamp IS NOT NULL AND coalesce(page_view_page_title, screen_view_screen_name) IS NOT NULL
      AND event_name IS DISTINCT FROM 'Notification Sent' AND event_name IS DISTINCT FROM 'App Installed'),
p AS (
    SELECT d, p, v, count(*) FILTER (WHERE is_view) AS views, count(DISTINCT u) FILTER (WHERE is_view) AS users,
           sum(eng) AS eng, count(DISTINCT u) FILTER (WHERE eng IS NOT NULL) AS eng_users
    FROM e WHERE is_view OR eng IS NOT NULL GROUP BY 1, 2, 3)
SELECT coalesce(p.d, x.session_date) AS session_date, coalesce(p.p, x.platform) AS platform,
       coalesce(p.v, x.view_name) AS view_name, coalesce(p.views, 0) AS views, coalesce(p.users, 0) AS users,
       round(p.views::numeric / NULLIF(p.users, 0), 4) AS views_per_user,
       round(coalesce(p.eng, 0) / 1000.0, 3) AS total_engagement_seconds,
       round(p.eng / 1000.0 / NULLIF(p.eng_users, 0), 3) AS avg_engagement_seconds_per_user,
       coalesce(x.entry_sessions, 0) AS entry_sessions, coalesce(x.exit_sessions, 0) AS exit_sessions
FROM p FULL JOIN ref_entry_exit x ON x.session_date = p.d AND x.platform IS NOT DISTINCT FROM p.p AND x.view_name = p.v;
SELECT * FROM vdiff('gv_pages', 'ref_pages');
SELECT count(*) AS rows, sum(views) AS views, sum(total_engagement_seconds) AS engagement_seconds,
       sum(entry_sessions) AS entries FROM gv_pages;

-- concluded: every generated session is in the past
CREATE VIEW ref_concluded AS
SELECT session_date::date AS session_date, platform, session_id, user_pseudo_id, 'Session Concluded'::text AS event_name,
       timestamp 'epoch' + (session_start_timestamp + session_duration) * interval '1 ms' AS event_timestamp,
       session_duration / 1000 AS session_length_seconds
FROM gv;
SELECT * FROM vdiff('gv_concluded', 'ref_concluded');

------------------------------------------------------------------------------
-- 5. Timestamp column types: timestamptz, and bigint epoch milliseconds
-- (event_time_msec) give the same sessions, whatever the TimeZone setting.
------------------------------------------------------------------------------
CREATE TABLE gen_tz (LIKE gen);
ALTER TABLE gen_tz ALTER COLUMN event_timestamp TYPE timestamptz USING event_timestamp AT TIME ZONE 'UTC';
INSERT INTO gen_tz SELECT * FROM gen;
SET timezone = 'America/New_York';
-- (the insert above read gen's timestamps as UTC through the column type
-- change only; check that the instants are the same)
SELECT count(*) AS different_instants FROM gen JOIN gen_tz USING (event_id)
WHERE gen.event_timestamp AT TIME ZONE 'UTC' IS DISTINCT FROM gen_tz.event_timestamp;
SELECT create_session_view('gen_tz', 'gv_tz', dashboards => false,
                           excluded_events => '{Notification Sent,App Installed}');
SELECT create_session_view('gen', 'gv_ms', timestamp_column => 'event_time_msec', dashboards => false,
                           excluded_events => '{Notification Sent,App Installed}');
SELECT * FROM vdiff('gv', 'gv_tz');
SELECT * FROM vdiff('gv', 'gv_ms');
SELECT * FROM vdiff('gv', 'ref_gen');
RESET timezone;
SET timezone = 'UTC';
-- the types of the source column do not change the types of the view
SELECT table_name, count(*) AS columns,
       string_agg(data_type, ',' ORDER BY ordinal_position) = (SELECT string_agg(data_type, ',' ORDER BY ordinal_position)
          FROM information_schema.columns WHERE table_name = 'clickstream_session_view') AS same_types
FROM information_schema.columns WHERE table_name IN ('gv_tz', 'gv_ms')
GROUP BY table_name ORDER BY table_name;
-- epoch ms on the hand-made table: the same except for u6's sub-millisecond
-- session (its start is 05:00:00.000 and its end 05:00:30.000 in ms: 30000)
SELECT create_session_view('ev', 'ev_ms', timestamp_column => 'event_time_msec', dashboards => false,
                           excluded_events => '{Notification Sent,App Installed}');
SELECT * FROM vdiff('clickstream_session_view', 'ev_ms');

------------------------------------------------------------------------------
-- 6. SDK mode: one session per SDK session id; NULL and '' ids become '#',
-- whose row has no duration, start or date (as in AWS: the dashboards leave
-- it out), and is engaged only by its views.
------------------------------------------------------------------------------
SELECT create_session_view('ev', 'ev_sdk', mode => 'sdk', session_duration_column => 'session_duration',
                           excluded_events => '{Notification Sent,App Installed}', dashboards => false);
-- By hand:
--  u1-s1 (a01 a02 a04): MAX(session_duration) = 1805000, 2 views, engaged
--  u1-s2 (a06; a07 has no timestamp, so its 99999 does not count): 0 ms
--  u1 Android u1-a1 (b01 b02): 0 ms, 1 view; '#' (b03, id ''): 20000 ms
--     engagement, no duration, start or date, not engaged (no view)
--  u2-s1: all six events, 23:50:00 .. 00:40:09.999 = 3009999 ms, 5 views,
--     entry /a, exit (null) (c06 has no title)
--  u3 '#' (NULL ids): like the computed session, but no duration, start or
--     date; engaged by its 2 views
--  u4-x: 09:00:00 .. 12:00:09.999 = 10809999 ms, one view: engaged; u4-y: 0
--  u5-z: only an event without timestamp: no session
--  u6: 00:00:00 .. 07:00:30 = 25230000 ms, 3 views; u7: 60000 ms
SELECT * FROM ev_sdk ORDER BY user_pseudo_id, platform, session_id;

-- Generated: against an independent recomputation grouped by SDK id.
CREATE VIEW ref_sdk AS
WITH e AS (
    SELECT user_pseudo_id AS u, platform AS p, event_timestamp AS ts, event_id AS id,
           coalesce(nullif(session_id, ''), '#') AS sid, session_duration,
           coalesce(event_name IN ('_page_view', '_screen_view'), false) AS is_view,
           coalesce(page_view_page_title, screen_view_screen_name) AS title,
           CASE WHEN event_name = '_user_engagement' THEN coalesce(user_engagement_time_msec, 0) ELSE 0 END AS eng
    FROM gen
    WHERE event_timestamp IS NOT NULL
      AND event_name IS DISTINCT FROM 'Notification Sent' AND event_name IS DISTINCT FROM 'App Installed'),
s AS (
    SELECT u, p, sid, min(ts) AS t0,
           coalesce(max(session_duration), floor(extract(epoch FROM max(ts) - min(ts)) * 1000)::bigint) AS ms,
           count(*) FILTER (WHERE is_view) AS views, sum(eng)::bigint AS eng,
           (array_agg(title ORDER BY ts, id COLLATE "C") FILTER (WHERE is_view))[1] AS entry,
           (array_agg(title ORDER BY ts DESC, id COLLATE "C" DESC) FILTER (WHERE is_view))[1] AS exit
    FROM e GROUP BY u, p, sid)
SELECT sid AS session_id, u AS user_pseudo_id, p AS platform,
       CASE WHEN sid <> '#' THEN ms END AS session_duration, views AS session_views,
       CASE WHEN sid = '#' THEN (views >= 2)::int ELSE (ms > 10000 OR views >= 2)::int END AS engaged_session,
       CASE WHEN sid = '#' THEN (views < 2)::int ELSE (NOT (ms > 10000 OR views >= 2))::int END AS bounced_session,
       CASE WHEN sid <> '#' THEN floor(extract(epoch FROM t0) * 1000)::bigint END AS session_start_timestamp,
       eng AS session_engagement_time,
       CASE WHEN sid <> '#' THEN date_trunc('day', t0) END AS session_date,
       CASE WHEN sid <> '#' THEN date_trunc('hour', t0) END AS session_date_hour,
       entry AS entry_view, exit AS exit_view
FROM s;
SELECT create_session_view('gen', 'gv_sdk', mode => 'sdk', session_duration_column => 'session_duration',
                           excluded_events => '{Notification Sent,App Installed}', dashboards => false);
SELECT * FROM vdiff('gv_sdk', 'ref_sdk');
SELECT count(*) AS sessions, count(*) FILTER (WHERE session_id = '#') AS hash_sessions,
       count(DISTINCT session_id) AS ids FROM gv_sdk;
-- without session_duration_column: durations from the events
SELECT create_session_view('gen', 'gv_sdk2', mode => 'sdk',
                           excluded_events => '{Notification Sent,App Installed}', dashboards => false);
SELECT count(*) AS differ_from_computed_duration
FROM gv_sdk2 g JOIN ref_sdk r USING (session_id, user_pseudo_id, platform)
WHERE g.session_id <> '#' AND g.session_duration IS DISTINCT FROM
      (SELECT floor(extract(epoch FROM max(event_timestamp) - min(event_timestamp)) * 1000)::bigint
       FROM gen e WHERE e.user_pseudo_id = g.user_pseudo_id AND e.platform = g.platform
         AND coalesce(nullif(e.session_id, ''), '#') = g.session_id
         AND event_timestamp IS NOT NULL
         AND event_name IS DISTINCT FROM 'Notification Sent' AND event_name IS DISTINCT FROM 'App Installed');
SELECT count(*) AS sessions, count(*) FILTER (WHERE session_id = '#') AS hash_rows,
       count(*) FILTER (WHERE session_id = '#' AND session_duration IS NULL AND session_start_timestamp IS NULL
                        AND session_date IS NULL AND session_date_hour IS NULL) AS hash_rows_without_time
FROM gv_sdk2;
-- The SDK's session start: the column AWS names session_start_time_msec is
-- taken when the table has it (here 2 s before the first event of each SDK
-- session), a mapped column otherwise, and the first event with NULL.
CREATE TABLE tbl_sdk_start AS
SELECT e.*, CASE WHEN coalesce(e.session_id, '') <> ''
                 THEN floor(extract(epoch FROM min(e.event_timestamp) OVER (PARTITION BY e.user_pseudo_id, e.platform, e.session_id)) * 1000)::bigint - 2000
            END AS session_start_time_msec
FROM ev e;
SELECT create_session_view('tbl_sdk_start', 'ev_sdk_start', mode => 'sdk', dashboards => false,
                           excluded_events => '{Notification Sent,App Installed}');
SELECT create_session_view('tbl_sdk_start', 'ev_sdk_first', mode => 'sdk', dashboards => false, session_start_column => NULL,
                           excluded_events => '{Notification Sent,App Installed}');
SELECT a.session_id, a.session_start_timestamp - b.session_start_timestamp AS earlier_ms, a.session_date
FROM ev_sdk_start a JOIN ev_sdk_first b USING (session_id, user_pseudo_id, platform)
ORDER BY a.user_pseudo_id, a.platform, a.session_id;
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', mode => 'sdk', session_start_column => 'nope') $$);

------------------------------------------------------------------------------
-- 7. Other shapes through the column mapping: a Segment "pages" table
-- (user_id, timestamp, name; no event names: every row is a page view).
------------------------------------------------------------------------------
CREATE TABLE pages (id text PRIMARY KEY, anonymous_id text, user_id text,
                    "timestamp" timestamptz, name text, path text);
INSERT INTO pages VALUES
 ('p1', 'anon-1', 'alice', '2026-09-10 09:00:00+00', 'Home', '/'),
 ('p2', 'anon-1', 'alice', '2026-09-10 09:00:30+00', 'Pricing', '/pricing'),
 ('p3', 'anon-1', 'alice', '2026-09-10 09:20:00+00', 'Docs', '/docs'),
 ('p4', 'anon-1', 'alice', '2026-09-10 11:00:00+00', 'Home', '/'),
 ('p5', 'anon-2', 'bob', '2026-09-10 09:00:00+00', 'Blog', '/blog');
SELECT create_session_view('pages', 'page_sessions', user_column => 'user_id',
    platform_column => NULL, timestamp_column => 'timestamp', event_id_column => 'id',
    event_name_column => NULL, page_title_column => 'name', screen_name_column => NULL,
    engagement_column => NULL);
-- alice: 09:00:00-09:20:00 (3 views, Home -> Docs), 11:00 (1 view); bob: 1
-- view; platform is NULL; engagement 0.
SELECT * FROM page_sessions ORDER BY user_pseudo_id, session_start_timestamp;
SELECT * FROM page_sessions_engagement;
-- A page without a name is still a page view (every row of "pages" is one):
-- alice's second session gets 2 views, its exit view has no name.
INSERT INTO pages VALUES ('p6', 'anon-1', 'alice', '2026-09-10 11:05:00+00', NULL, '/x');
SELECT session_id, session_views, engaged_session, entry_view, exit_view
FROM page_sessions WHERE user_pseudo_id = 'alice' ORDER BY session_start_timestamp;

------------------------------------------------------------------------------
-- 8. Session Concluded relative to now(): a session concludes once its last
-- event is more than the timeout in the past.
------------------------------------------------------------------------------
CREATE TABLE live (LIKE ev);
INSERT INTO live (event_id, user_pseudo_id, platform, event_name, event_timestamp)
SELECT id, u, 'Web', '_page_view', (now() AT TIME ZONE 'UTC') + off
FROM (VALUES
  -- last event 2 h 50 min ago: concluded
  ('l1', 'past', interval '-3 hours'), ('l2', 'past', interval '-2 hours -50 minutes'),
  -- last event 31 min ago: concluded (one minute after its expiry)
  ('l3', 'just_over', interval '-40 minutes'), ('l4', 'just_over', interval '-31 minutes'),
  -- last event 29 min ago: still open
  ('l5', 'open', interval '-35 minutes'), ('l6', 'open', interval '-29 minutes'),
  -- a session in the future (clock skew): not concluded
  ('l7', 'future', interval '1 day'), ('l8', 'future', interval '1 day 10 seconds'),
  -- a concluded session and an open one of the same user
  ('l9', 'both', interval '-5 hours'), ('la', 'both', interval '-1 minute')) v(id, u, off);
SELECT create_session_view('live', 'live_sessions');
SELECT user_pseudo_id, count(*) AS sessions FROM live_sessions GROUP BY 1 ORDER BY 1;
SELECT c.user_pseudo_id, c.event_name, c.session_length_seconds,
       c.event_timestamp = (SELECT date_trunc('milliseconds', max(event_timestamp)) FROM live l
                            WHERE l.user_pseudo_id = c.user_pseudo_id AND l.event_timestamp < now() AT TIME ZONE 'UTC' - interval '30 min')
           AS at_last_event
FROM live_sessions_concluded c ORDER BY c.user_pseudo_id;
-- a shorter timeout concludes more: with 10 minutes, 'open' has concluded
SELECT create_session_view('live', 'live10', timeout => '10 minutes');
SELECT user_pseudo_id, session_length_seconds FROM live10_concluded ORDER BY 1, 2;

------------------------------------------------------------------------------
-- 9. Errors.
------------------------------------------------------------------------------
\x on
-- unknown columns (default mapping on another shape, or a typo)
SELECT * FROM pg_temp.try($$ SELECT create_session_view('pages', 'sz_x') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', user_column => 'user') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', mode => 'sdk', session_id_column => 'sid') $$);
-- a timestamp column that is not a timestamp
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', timestamp_column => 'event_name') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', timestamp_column => NULL) $$);
-- modes
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', mode => 'auto') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', mode => NULL) $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', mode => 'sdk', session_id_column => NULL) $$);
-- timeouts
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', timeout => '-1 minute') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', timeout => '1 month') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', timeout => NULL) $$);
-- thresholds
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x', engaged_views => -1) $$);
-- the source
SELECT * FROM pg_temp.try($$ SELECT create_session_view(NULL, 'sz_x') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('no_such_table', 'sz_x') $$);
-- names: already there (the view, or one of its dashboards), not valid
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev') $$);
CREATE VIEW sz_x_daily AS SELECT 1 AS one;
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'sz_x') $$);
-- the name is parsed as SQL: a space needs quotes ('"my view"', see 12)
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'my view') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'a.b.c') $$);
SELECT * FROM pg_temp.try($$ SELECT create_session_view('ev', 'no_schema.x') $$);
\x off
-- nothing was left behind by the failed calls
SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname ~ '^sz_x(_|$)' ORDER BY 1;
DROP VIEW sz_x_daily;

------------------------------------------------------------------------------
-- 10. Every generated view is security_invoker and commented, on every column
-- (the views of this file: the session views and their dashboards).
------------------------------------------------------------------------------
SELECT c.relname, c.reloptions
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
  AND c.relname LIKE 'clickstream_session_view%'
ORDER BY c.relname;
SELECT count(*) AS generated_views,
       count(*) FILTER (WHERE NOT coalesce(c.reloptions @> '{security_invoker=true}', false)) AS not_invoker,
       count(*) FILTER (WHERE obj_description(c.oid, 'pg_class') IS NULL) AS without_comment
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
  AND c.relname ~ '^(clickstream_session_view|ev_|gv|page_sessions|live)';
SELECT count(*) AS columns,
       count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NULL) AS columns_without_comment
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
  AND c.relname ~ '^(clickstream_session_view|ev_|gv|page_sessions|live)';
SELECT obj_description('clickstream_session_view'::regclass, 'pg_class') AS comment;
SELECT obj_description('gv_sdk'::regclass, 'pg_class') AS comment;

------------------------------------------------------------------------------
-- 11. A read-only role: reads every view with SELECT on the views and the
-- source; without SELECT on the source, the views refuse (security_invoker).
------------------------------------------------------------------------------
CREATE ROLE regress_sz_reader NOLOGIN;
GRANT USAGE ON SCHEMA public TO regress_sz_reader;
GRANT SELECT ON ev, clickstream_session_view, clickstream_session_view_daily,
    clickstream_session_view_length_distribution, clickstream_session_view_users,
    clickstream_session_view_engagement, clickstream_session_view_entry_exit,
    clickstream_session_view_concluded TO regress_sz_reader;
SET ROLE regress_sz_reader;
SELECT (SELECT count(*) FROM clickstream_session_view) AS sessions,
       (SELECT count(*) FROM clickstream_session_view_daily) AS daily_rows,
       (SELECT count(*) FROM clickstream_session_view_length_distribution) AS length_rows,
       (SELECT count(*) FROM clickstream_session_view_users) AS user_rows,
       (SELECT count(*) FROM clickstream_session_view_engagement) AS kpi_rows,
       (SELECT count(*) FROM clickstream_session_view_entry_exit) AS views,
       (SELECT count(*) FROM clickstream_session_view_concluded) AS concluded;
-- not granted: another view, the generated table
SELECT count(*) FROM gv;
RESET ROLE;
REVOKE SELECT ON ev FROM regress_sz_reader;
SET ROLE regress_sz_reader;
SELECT count(*) FROM clickstream_session_view;
SELECT count(*) FROM clickstream_session_view_daily;
RESET ROLE;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM regress_sz_reader;
REVOKE USAGE ON SCHEMA public FROM regress_sz_reader;
DROP ROLE regress_sz_reader;

------------------------------------------------------------------------------
-- 12. Names that need quotes: a source table, its columns, a view, a schema.
------------------------------------------------------------------------------
CREATE SCHEMA "Sz Schema";
CREATE TABLE "Sz Schema"."Event Table" ("Event Id" text, "User Id" text, "Platform" text,
    "When" timestamp, "Event Name" text, "Page Title" text);
INSERT INTO "Sz Schema"."Event Table"
SELECT event_id, user_pseudo_id, platform, event_timestamp, event_name,
       coalesce(page_view_page_title, screen_view_screen_name)
FROM ev;
SELECT create_session_view('"Sz Schema"."Event Table"', '"Sz Schema"."my view"',
    user_column => 'User Id', platform_column => 'Platform', timestamp_column => 'When',
    event_id_column => 'Event Id', event_name_column => 'Event Name',
    page_title_column => 'Page Title', screen_name_column => NULL, engagement_column => NULL,
    excluded_events => '{Notification Sent,App Installed}');
SELECT c.relname FROM pg_class c WHERE c.relnamespace = '"Sz Schema"'::regnamespace AND c.relkind = 'v'
ORDER BY c.relname;
-- the same sessions as the hand-made view, except engagement (not mapped)
CREATE VIEW quoted_cols AS SELECT session_id, user_pseudo_id, platform, session_duration,
    session_views, entry_view, exit_view FROM "Sz Schema"."my view";
CREATE VIEW hand_cols AS SELECT session_id, user_pseudo_id, platform, session_duration,
    session_views, entry_view, exit_view FROM clickstream_session_view;
SELECT * FROM vdiff('quoted_cols', 'hand_cols');
DROP VIEW quoted_cols, hand_cols;
SELECT sum(session_engagement_time) AS engagement FROM "Sz Schema"."my view";
SELECT * FROM "Sz Schema"."my view_engagement";
-- an unqualified name goes to the first schema of search_path
SET search_path = "Sz Schema", public;
SELECT create_session_view('"Event Table"', 'Quoted', user_column => 'User Id',
    platform_column => 'Platform', timestamp_column => 'When', event_id_column => 'Event Id',
    event_name_column => 'Event Name', page_title_column => 'Page Title',
    screen_name_column => NULL, engagement_column => NULL, dashboards => false);
RESET search_path;
SELECT count(*) FROM "Sz Schema".quoted;
SET client_min_messages = warning;
DROP SCHEMA "Sz Schema" CASCADE;

-- Cleanup
DROP TABLE ev, gen, gen_tz, gen_user, gen_event, pages, live CASCADE;
DROP FUNCTION ref_sessions(regclass, interval, text[]);
DROP FUNCTION vdiff(text, text);
