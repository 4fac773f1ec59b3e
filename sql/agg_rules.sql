-- session_agg under the optional rules (docs/semantics.md, Rules): max_duration
-- and day_boundary through session_rules(), split_key and start_event through
-- the eight-argument overload; the tie-break of entry and exit views on equal
-- timestamps; per-row timeouts.  Each case is checked by hand, then against
-- the window functions (only disagreements are printed).
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\pset null '(null)'

-- Sessions of the window path, grouped like sessions() (split_reason is the
-- reason on the session's first event; entry/exit by (ts, event id) bytewise,
-- NULL last, then view name).  The events query q returns
-- (id text, ts, timeout, view, eng, key, flag).
CREATE FUNCTION pg_temp.win_sessions(q text, max_duration interval, day_boundary text)
RETURNS TABLE (session_number bigint, session_start timestamptz, session_end timestamptz,
               duration_ms bigint, events bigint, views bigint, engagement_ms bigint,
               entry_view text, exit_view text, split_reason text)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH e AS (%s),
    l AS (
      SELECT e.*,
             session_number(ts, timeout, $1, $2, key, coalesce(flag, false)) OVER w AS n,
             session_split_reason(ts, timeout, $1, $2, key, coalesce(flag, false)) OVER w AS r
      FROM e WHERE ts IS NOT NULL
      WINDOW w AS (ORDER BY ts, id COLLATE "C" NULLS LAST, view COLLATE "C" NULLS LAST))
    SELECT n, min(ts), max(ts),
           floor(extract(epoch FROM max(ts) - min(ts)) * 1000)::bigint,
           count(*), count(view), coalesce(sum(eng), 0)::bigint,
           (array_agg(view ORDER BY ts, id COLLATE "C" NULLS LAST, view COLLATE "C")
              FILTER (WHERE view IS NOT NULL))[1],
           (array_agg(view ORDER BY ts DESC, id COLLATE "C" DESC NULLS FIRST, view COLLATE "C" DESC)
              FILTER (WHERE view IS NOT NULL))[1],
           max(r)
    FROM l GROUP BY n$q$, q)
  USING max_duration, day_boundary;
END
$$;
-- The symmetric difference between sessions(st) and the window path's
-- sessions of the same events: no row when they agree.
CREATE FUNCTION pg_temp.compare(st sessionstate, q text, max_duration interval,
                                day_boundary text)
RETURNS TABLE (side text, session_number bigint, session_start timestamptz,
               session_end timestamptz, duration_ms bigint, events bigint, views bigint,
               engagement_ms bigint, entry_view text, exit_view text, split_reason text)
LANGUAGE sql AS $$
  (SELECT 'agg only', s.session_number, s.session_start, s.session_end, s.duration_ms,
          s.events, s.views, s.engagement_ms, s.entry_view, s.exit_view, s.split_reason
   FROM sessions(st) s
   EXCEPT ALL
   SELECT 'agg only', w.* FROM pg_temp.win_sessions(q, max_duration, day_boundary) w)
  UNION ALL
  (SELECT 'window only', w.* FROM pg_temp.win_sessions(q, max_duration, day_boundary) w
   EXCEPT ALL
   SELECT 'window only', s.session_number, s.session_start, s.session_end, s.duration_ms,
          s.events, s.views, s.engagement_ms, s.entry_view, s.exit_view, s.split_reason
   FROM sessions(st) s)
$$;

-- The comparison does see a difference: the window path with a 29-minute
-- timeout splits the worked example's 30-minute gap.
SELECT c.side, c.session_number, c.session_start, c.session_end, c.events
FROM (SELECT session_agg(ts, '30 min', NULL, NULL, NULL, NULL) AS st
      FROM (VALUES (timestamptz '2026-09-01 10:00'), ('2026-09-01 10:30')) v(ts)) a,
     pg_temp.compare(a.st, $$SELECT NULL::text AS id, ts, interval '29 min' AS timeout,
                               NULL::text AS view, NULL::bigint AS eng, NULL::text AS key,
                               false AS flag
                             FROM (VALUES (timestamptz '2026-09-01 10:00'),
                                          ('2026-09-01 10:30')) v(ts)$$, NULL, NULL) c
ORDER BY c.side, c.session_number;

-- 1. max_duration (timeout 1 day never fires): a new session when
-- ts - session_start > max_duration; exactly equal stays.
CREATE TEMP TABLE md (id text, ts timestamptz, view text);
INSERT INTO md VALUES
 ('1', '2026-09-01 10:00:00',        '/a'),  -- first, start 10:00
 ('2', '2026-09-01 10:30:00',        NULL),  -- 30 min after the start: stays
 ('3', '2026-09-01 11:00:00',        '/b'),  -- 1 h exactly: stays
 ('4', '2026-09-01 11:00:00.000001', '/c'),  -- 1 h + 1 us: max_duration
 ('5', '2026-09-01 12:00:00.000001', NULL),  -- 1 h after the new start: stays
 ('6', '2026-09-01 12:00:00.000002', NULL),  -- 1 h + 1 us: max_duration
 ('7', '2026-09-01 12:00:00.000002', '/d');  -- same instant: stays
-- Three sessions: 10:00..11:00 (3 events, /a -> /b), 11:00:00.000001 ..
-- 12:00:00.000001 (2 events, /c), 12:00:00.000002 (2 events, /d).
SELECT s.*
FROM (SELECT session_agg(ts, '1 day', view, NULL, id,
                         session_rules(max_duration => '1 hour')) AS st FROM md) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- max_duration zero: only events of the same instant share a session (6).
SELECT s.session_number, s.session_start, s.events, s.split_reason
FROM (SELECT session_agg(ts, '1 day', view, NULL, id,
                         session_rules(max_duration => '0')) AS st FROM md) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- Timeout 30 min as well: at 12:00:00.000001 both rules fire and timeout is
-- reported (precedence); 11:00:00.000001 is max_duration (gap 1 us).
SELECT s.session_number, s.session_start, s.session_end, s.events, s.split_reason
FROM (SELECT session_agg(ts, '30 min', view, NULL, id,
                         session_rules(max_duration => '1 hour')) AS st FROM md) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- A huge max_duration never fires: the same sessions as without it.
SELECT s.session_number, s.session_start, s.events, s.split_reason
FROM (SELECT session_agg(ts, '30 min', view, NULL, id,
                         session_rules(max_duration => '100000 days')) AS st FROM md) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- The window path agrees (no row).
SELECT c.*
FROM (SELECT session_agg(ts, '30 min', view, NULL, id,
                         session_rules(max_duration => '1 hour')) AS st FROM md) a,
     pg_temp.compare(a.st, $$SELECT id, ts, interval '30 min' AS timeout, view,
                               NULL::bigint AS eng, NULL::text AS key, false AS flag
                             FROM md$$, '1 hour', NULL) c
ORDER BY c.side, c.session_number;

-- 2. day_boundary in a zone with daylight saving time: Europe/Paris (UTC+1
-- in winter, UTC+2 in summer; 2026-03-29 has 23 hours, 2026-10-25 has 25).
-- Timeout 1 hour.  Comments give the local time.
CREATE TEMP TABLE d (id text, ts timestamptz, view text);
INSERT INTO d VALUES
 -- local midnight of 2026-03-29 (still CET) is 2026-03-28 23:00 UTC
 ('a1', '2026-03-28 22:30:00',        '/a'),  -- 03-28 23:30 CET: first
 ('a2', '2026-03-28 22:59:59.999999', NULL),  -- 03-28 23:59:59.999999: stays
 ('a3', '2026-03-28 23:00:00',        '/b'),  -- 03-29 00:00 CET: day
 -- the 23-hour day: midnight of 03-30 (CEST) is 2026-03-29 22:00 UTC
 ('b1', '2026-03-29 21:30:00',        '/c'),  -- 03-29 23:30 CEST: timeout
 ('b2', '2026-03-29 21:59:59.999999', NULL),  -- 03-29 23:59:59.999999: stays
 ('b3', '2026-03-29 22:00:00',        '/d'),  -- 03-30 00:00 CEST: day
 -- the 25-hour day: 02:00-03:00 happens twice on 10-25
 ('c1', '2026-10-25 00:30:00',        '/e'),  -- 10-25 02:30 CEST: timeout
 ('c2', '2026-10-25 01:30:00',        '/f'),  -- 10-25 02:30 CET (gap 1 h): stays
 ('c3', '2026-10-25 22:30:00',        '/g'),  -- 10-25 23:30 CET: timeout
 ('c4', '2026-10-25 23:00:00',        '/h'),  -- 10-26 00:00 CET: day
 -- both rules fire at midnight: timeout is reported
 ('d1', '2026-06-10 21:00:00',        '/i'),  -- 06-10 23:00 CEST: timeout
 ('d2', '2026-06-10 22:30:00',        '/j'),  -- 06-11 00:30 CEST (gap 90 min): timeout
 -- the UTC date changes, the Paris date does not: no split
 ('e1', '2026-06-11 23:30:00',        '/k'),  -- 06-12 01:30 CEST: timeout
 ('e2', '2026-06-12 00:10:00',        '/l');  -- 06-12 02:10 CEST: stays
-- Sessions, with the local start and end in Paris.
SELECT s.session_number,
       s.session_start AT TIME ZONE 'Europe/Paris' AS local_start,
       s.session_end AT TIME ZONE 'Europe/Paris' AS local_end,
       s.duration_ms, s.events, s.entry_view, s.exit_view, s.split_reason
FROM (SELECT session_agg(ts, '1 hour', view, NULL, id,
                         session_rules(day_boundary => 'Europe/Paris')) AS st FROM d) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- The day rule follows day_boundary, not the session's TimeZone setting.
SET timezone = 'America/Los_Angeles';
SELECT string_agg(s.split_reason, ',' ORDER BY s.session_number) AS reasons_in_la
FROM (SELECT session_agg(ts, '1 hour', view, NULL, id,
                         session_rules(day_boundary => 'Europe/Paris')) AS st FROM d) a,
     sessions(a.st) s;
SET timezone = 'UTC';
-- The same events with day_boundary 'UTC': midnight UTC splits instead.
SELECT s.session_number, s.session_start, s.events, s.split_reason
FROM (SELECT session_agg(ts, '1 hour', view, NULL, id,
                         session_rules(day_boundary => 'UTC')) AS st FROM d) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- The window path agrees (no row), also with max_duration (events mode).
SELECT c.*
FROM (SELECT session_agg(ts, '1 hour', view, NULL, id,
                         session_rules(day_boundary => 'Europe/Paris')) AS st,
             session_agg(ts, '1 hour', view, NULL, id,
                         session_rules(max_duration => '50 min',
                                       day_boundary => 'Europe/Paris')) AS st_md
      FROM d) a,
     LATERAL (SELECT 'day' AS rules, * FROM pg_temp.compare(a.st,
                $$SELECT id, ts, interval '1 hour' AS timeout, view, NULL::bigint AS eng,
                         NULL::text AS key, false AS flag FROM d$$, NULL, 'Europe/Paris')
              UNION ALL
              SELECT 'day+max_duration', * FROM pg_temp.compare(a.st_md,
                $$SELECT id, ts, interval '1 hour' AS timeout, view, NULL::bigint AS eng,
                         NULL::text AS key, false AS flag FROM d$$, '50 min', 'Europe/Paris')) c
ORDER BY 1, 2, 3;

-- 3. split_key and start_event (eight-argument overload, timeout 1 day).
-- Excluded events are filtered out with FILTER: their key and flag are ignored.
CREATE TEMP TABLE k (id text, ts timestamptz, view text, key text, flag boolean, counted boolean);
INSERT INTO k VALUES
 ('01', '2026-09-01 10:00', '/a', NULL,          true,  true),   -- first (flag ignored)
 ('02', '2026-09-01 10:01', NULL, NULL,          false, true),   -- NULL -> NULL: stays
 ('03', '2026-09-01 10:02', '/b', 'a',           NULL,  true),   -- NULL -> a: key
 ('04', '2026-09-01 10:03', NULL, 'a',           false, true),   -- stays
 ('05', '2026-09-01 10:04', NULL, 'b',           true,  false),  -- excluded: nothing
 ('06', '2026-09-01 10:05', '/c', 'a',           false, true),   -- a -> a: stays
 ('07', '2026-09-01 10:06', NULL, NULL,          false, true),   -- a -> NULL: key
 ('08', '2026-09-01 10:07', NULL, 'A',           false, true),   -- NULL -> A: key
 ('09', '2026-09-01 10:08', NULL, 'a',           false, true),   -- A -> a: key (bytes)
 ('10', '2026-09-01 10:08', NULL, 'b',           true,  true),   -- same instant, key and start_event: key
 ('11', '2026-09-01 10:09', NULL, 'b',           true,  true),   -- start_event
 ('12', '2026-09-01 10:09', NULL, 'b',           true,  true),   -- same instant, flagged again: start_event
 ('13', '2026-09-01 10:10', '/d', 'b',           NULL,  true),   -- NULL flag: stays
 ('14', '2026-09-01 10:11', NULL, U&'\00E9',     false, true),   -- e-acute precomposed: key
 ('15', '2026-09-01 10:12', '/e', U&'e\0301',    false, true),   -- e + combining accent: key
 ('16', NULL,               '/z', 'z',           true,  true);   -- NULL ts: skipped
SELECT s.*
FROM (SELECT session_agg(ts, '1 day', view, NULL, id, NULL, key, flag)
               FILTER (WHERE counted) AS st FROM k) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- The window path agrees (no row).
SELECT c.*
FROM (SELECT session_agg(ts, '1 day', view, NULL, id, NULL, key, flag)
               FILTER (WHERE counted) AS st FROM k) a,
     pg_temp.compare(a.st, $$SELECT id, ts, interval '1 day' AS timeout, view,
                               NULL::bigint AS eng, key, flag FROM k WHERE counted$$,
                     NULL, NULL) c
ORDER BY c.side, c.session_number;
-- Precedence with every rule at once (timeout 30 min, max_duration 1 h, day
-- boundary UTC): the rules firing on each event are in the comments.
CREATE TEMP TABLE combo (id text, ts timestamptz, key text, flag boolean);
INSERT INTO combo VALUES
 ('01', '2026-06-01 22:00', 'a', true),   -- first
 ('02', '2026-06-01 22:30', 'a', false),  -- none (gap and age exactly equal)
 ('03', '2026-06-01 23:00', 'a', false),  -- none
 ('04', '2026-06-01 23:20', 'b', true),   -- max_duration, key, start_event
 ('05', '2026-06-01 23:45', 'b', false),  -- none
 ('06', '2026-06-02 00:10', 'c', true),   -- day, key, start_event
 ('07', '2026-06-02 00:30', 'c', false),  -- none
 ('08', '2026-06-02 00:35', 'd', true),   -- key, start_event
 ('09', '2026-06-02 00:40', 'd', true),   -- start_event
 ('10', '2026-06-02 00:41', 'd', NULL),   -- none
 ('11', '2026-06-03 00:00', 'e', true),   -- timeout, max_duration, day, key, start_event
 ('12', '2026-06-03 00:29', 'e', false),  -- none
 ('13', '2026-06-03 01:01', 'e', false);  -- timeout, max_duration
SELECT s.session_number, s.session_start, s.session_end, s.events, s.split_reason
FROM (SELECT session_agg(ts, '30 min', NULL, NULL, id,
                         session_rules(max_duration => '1 hour', day_boundary => 'UTC'),
                         key, flag) AS st FROM combo) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- A constant split key (NULL included) and no flag: the sessions of the
-- four-argument overload.
SELECT count(*) AS differing FROM (
  (SELECT s.* FROM (SELECT session_agg(ts, '30 min', view, NULL, id, NULL, 'web', false) AS st
                    FROM k) a, sessions(a.st) s
   EXCEPT
   SELECT s.* FROM (SELECT session_agg(ts, '30 min', view, NULL::bigint) AS st FROM k) a,
                   sessions(a.st) s)
  UNION ALL
  (SELECT s.* FROM (SELECT session_agg(ts, '30 min', view, NULL, id, NULL, NULL, NULL) AS st
                    FROM k) a, sessions(a.st) s
   EXCEPT
   SELECT s.* FROM (SELECT session_agg(ts, '30 min', view, NULL::bigint) AS st FROM k) a,
                   sessions(a.st) s)) x;

-- 4. Entry and exit views on equal timestamps: ordered by event id bytewise
-- (like ORDER BY event_id COLLATE "C"), NULL event ids last, then by view
-- name bytewise.  Every event at 12:00 except the last two.
CREATE TEMP TABLE tie (u text, id text, ts timestamptz, view text);
INSERT INTO tie VALUES
 ('a', 'b',  '2026-09-01 12:00', '/2'),
 ('a', 'a',  '2026-09-01 12:00', '/1'),   -- entry: smallest id
 ('a', 'c',  '2026-09-01 12:00', '/3'),   -- exit: largest id
 ('a', '0',  '2026-09-01 12:00', NULL),   -- no view: not a candidate
 -- ids compare as bytes: '10' < '9'
 ('b', '9',  '2026-09-01 12:00', '/nine'),
 ('b', '10', '2026-09-01 12:00', '/ten'),  -- entry
 -- 'B' (0x42) < 'a' (0x61) bytewise, unlike most collations
 ('c', 'a',  '2026-09-01 12:00', '/lower'),
 ('c', 'B',  '2026-09-01 12:00', '/upper'),  -- entry
 -- a NULL id comes after every id: exit
 ('d', NULL, '2026-09-01 12:00', '/null-id'),
 ('d', 'z',  '2026-09-01 12:00', '/z'),
 -- equal (NULL) ids: by view name, '/x' entry, '/y' exit
 ('e', NULL, '2026-09-01 12:00', '/y'),
 ('e', NULL, '2026-09-01 12:00', '/x'),
 -- time first: the earlier event is the entry whatever its id
 ('f', 'zz', '2026-09-01 11:59:59.999999', '/early'),
 ('f', 'aa', '2026-09-01 12:00', '/late');
-- Sessions mode, events mode (max_duration), in two input orders each.
SELECT u, s.entry_view, s.exit_view, s.views,
       a.st::text = a.st2::text AS same_state_both_orders,
       e.entry_view = s.entry_view AND e.exit_view = s.exit_view AS events_mode_agrees
FROM (SELECT u,
             session_agg(ts, '30 min', view, NULL, id, NULL ORDER BY id, view) AS st,
             session_agg(ts, '30 min', view, NULL, id, NULL ORDER BY id DESC, view DESC) AS st2,
             session_agg(ts, '30 min', view, NULL, id,
                         session_rules(max_duration => '1 day') ORDER BY id DESC) AS ste
      FROM tie GROUP BY u) a,
     sessions(a.st) s, sessions(a.ste) e
ORDER BY u;
-- The window path with ORDER BY ts, id COLLATE "C" agrees.
SELECT a.u, c.*
FROM (SELECT u, session_agg(ts, '30 min', view, NULL, id, NULL) AS st
      FROM tie GROUP BY u) a,
     pg_temp.compare(a.st, format($$SELECT id, ts, interval '30 min' AS timeout, view,
                                           NULL::bigint AS eng, NULL::text AS key,
                                           false AS flag FROM tie WHERE u = %L$$, a.u),
                     NULL, NULL) c
ORDER BY 1, 2, 3;

-- 5. Per-row timeouts: expiry = max(ts_k + timeout_k) over the session's
-- events, so a long timeout early in a session can keep it open.
CREATE TEMP TABLE pr (u text, id text, ts timestamptz, timeout interval);
INSERT INTO pr VALUES
 ('a', '1', '2026-09-01 10:00', '1 hour'),     -- first; expiry 11:00
 ('a', '2', '2026-09-01 10:50', '5 min'),      -- stays; expiry still 11:00
 ('a', '3', '2026-09-01 11:00', '5 min'),      -- 11:00 <= 11:00: stays (gap 10 > 5)
 ('a', '4', '2026-09-01 11:06', '5 min'),      -- 11:06 > 11:05: timeout
 ('a', '5', '2026-09-01 11:06', '0'),          -- same instant: stays
 ('a', '6', '2026-09-01 11:11', '0'),          -- 11:11 = 11:06 + 5 min: stays
 ('a', '7', '2026-09-01 11:11:00.000001', '0'),-- 11:11:00.000001 > 11:11: timeout
 -- zero timeouts: only the same instant
 ('b', '1', '2026-09-01 10:00', '0'),
 ('b', '2', '2026-09-01 10:00', '0'),
 ('b', '3', '2026-09-01 10:00:00.000001', '0'),
 -- a later event's longer timeout does not reach back: 10:00 (5 min) and
 -- 10:06 (1 hour) are apart
 ('c', '1', '2026-09-01 10:00', '5 min'),
 ('c', '2', '2026-09-01 10:06', '1 hour'),
 ('c', '3', '2026-09-01 11:06', '1 min');
SELECT u, s.session_number, s.session_start, s.session_end, s.events, s.split_reason
FROM (SELECT u, session_agg(ts, timeout) AS st FROM pr GROUP BY u) a, sessions(a.st) s
ORDER BY u, s.session_number;
-- Any input order, either mode, and the window path: the same sessions.
SELECT a.u, c.variant, c.side, c.session_number, c.session_start, c.events, c.split_reason
FROM (SELECT u,
             session_agg(ts, timeout, NULL, NULL, id, NULL ORDER BY ts, id) AS st_asc,
             session_agg(ts, timeout, NULL, NULL, id, NULL ORDER BY ts DESC, id DESC) AS st_desc,
             session_agg(ts, timeout, NULL, NULL, id,
                         session_rules(max_duration => '1000 days') ORDER BY ts DESC) AS st_events
      FROM pr GROUP BY u) a,
     LATERAL (SELECT v.variant, cmp.*
              FROM (VALUES ('asc', a.st_asc), ('desc', a.st_desc), ('events', a.st_events))
                     v(variant, st),
                   pg_temp.compare(v.st,
                     format($$SELECT id, ts, timeout, NULL::text AS view, NULL::bigint AS eng,
                                     NULL::text AS key, false AS flag FROM pr WHERE u = %L$$, a.u),
                     NULL, NULL) cmp) c
ORDER BY 1, 2, 3, 4;
-- Per-row timeouts with the day rule: after a day split only the new
-- session's events set the expiry (Paris; the 23:00 event's 3-hour timeout
-- does not keep 01:00 in the session that starts at 00:30).
SELECT s.session_number, s.session_start AT TIME ZONE 'Europe/Paris' AS local_start,
       s.events, s.split_reason
FROM (SELECT session_agg(ts, timeout, NULL, NULL, NULL,
                         session_rules(day_boundary => 'Europe/Paris')) AS st
      FROM (VALUES (timestamptz '2026-06-10 21:00', interval '3 hours'),  -- 23:00 CEST
                   (timestamptz '2026-06-10 22:30', interval '0'),        -- 00:30: day
                   (timestamptz '2026-06-10 23:00', interval '0'))        -- 01:00: timeout
           v(ts, timeout)) a,
     sessions(a.st) s
ORDER BY s.session_number;

-- 6. A timestamp without time zone is read as UTC, as the window functions
-- read it, whatever the TimeZone setting.  In Paris time these wall-clock
-- values straddle the 2026-03-29 change to summer time; read as UTC they
-- are: 01:30 first; 03:10 (gap 1 h 40) timeout; 23:50 timeout; 00:10 next
-- day (gap 20 min) day.
SET timezone = 'Europe/Paris';
CREATE TEMP TABLE tl (id int, ts timestamp);
INSERT INTO tl VALUES
 (1, '2026-03-29 01:30'), (2, '2026-03-29 03:10'),
 (3, '2026-03-29 23:50'), (4, '2026-03-30 00:10');
SELECT s.session_number, s.session_start AT TIME ZONE 'UTC' AS start_utc, s.events,
       s.split_reason
FROM (SELECT session_agg(ts, '1 hour', NULL, NULL, NULL,
                         session_rules(day_boundary => 'UTC')) AS st FROM tl) a,
     sessions(a.st) s
ORDER BY 1;
SELECT id, ts,
       session_number(ts, '1 hour', day_boundary => 'UTC') OVER w AS n,
       session_split_reason(ts, '1 hour', day_boundary => 'UTC') OVER w AS reason
FROM tl WINDOW w AS (ORDER BY ts, id)
ORDER BY id;
SET timezone = 'UTC';

-- Rules that differ from group to group (from a grouping column), and the
-- same in a correlated subquery: each group gets its own rules, and the
-- sessions equal those of the window functions run per zone.
CREATE TEMP TABLE dz AS
SELECT z, timestamptz '2026-03-27 20:00+00' + g * interval '50 min' AS ts
FROM unnest(ARRAY['UTC', 'Asia/Tokyo', 'America/Los_Angeles']) z, generate_series(0, 40) g;
SELECT z, session_count(session_agg(ts, '1 hour', NULL, NULL, NULL, session_rules(day_boundary => z))) AS agg,
       (SELECT count(*) FROM (SELECT session_split_reason(ts, '1 hour', day_boundary => d.z) OVER (ORDER BY ts) AS r
                              FROM dz d2 WHERE d2.z = d.z) w WHERE r IS NOT NULL) AS window_fn
FROM dz d GROUP BY z ORDER BY z;
SELECT z, (SELECT session_count(session_agg(ts, '1 hour', NULL, NULL, NULL, session_rules(day_boundary => s.z)))
           FROM dz d2 WHERE d2.z = s.z) AS correlated
FROM (SELECT DISTINCT z FROM dz) s ORDER BY z;
-- max_duration for one group only: the other group keeps one long session
SELECT z, session_count(session_agg(ts, '1 hour', NULL, NULL, NULL,
          session_rules(max_duration => CASE WHEN z = 'UTC' THEN interval '5 hours' END))) AS sessions
FROM dz GROUP BY z ORDER BY z;
