-- The three timestamp kinds (timestamptz, timestamp read as UTC, bigint
-- epoch milliseconds), the session_id layout, and the ways of calling the
-- functions: positional, named, constant or per-row arguments.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- 1. timestamp without time zone is read as UTC and session_start returns a
-- timestamp.  Timeout 30 min, days split at UTC midnight (day_ny: at New
-- York midnight, 04:00 UTC in summer).
CREATE TEMP TABLE tsn (id int, ts timestamp);
INSERT INTO tsn VALUES
 (1, '2026-06-01 23:40:00'),
 (2, '2026-06-02 00:05:00.123456'),  -- UTC day change: day
 (3, '2026-06-02 00:35:00.123456'),  -- gap 30 min exactly: stays
 (4, '2026-06-02 03:59:59'),         -- timeout
 (5, '2026-06-02 04:20:00');         -- gap 21 min; New York day change at 04:00 UTC
SELECT id, ts,
       session_number(ts, '30 min', day_boundary => 'UTC') OVER w AS n,
       session_start(ts, '30 min', day_boundary => 'UTC') OVER w AS start,
       pg_typeof(session_start(ts, '30 min', day_boundary => 'UTC') OVER w) AS type,
       session_id('u', ts, '30 min', day_boundary => 'UTC') OVER w AS sid,
       session_split_reason(ts, '30 min', day_boundary => 'UTC') OVER w AS reason,
       session_split_reason(ts, '30 min', day_boundary => 'America/New_York') OVER w AS day_ny
FROM tsn
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;
-- The session's TimeZone setting changes nothing: the same output, and
-- timestamptz ids are always in UTC.
SET timezone = 'Asia/Tokyo';
SELECT id, ts,
       session_number(ts, '30 min', day_boundary => 'UTC') OVER w AS n,
       session_start(ts, '30 min', day_boundary => 'UTC') OVER w AS start,
       session_id('u', ts, '30 min', day_boundary => 'UTC') OVER w AS sid,
       session_split_reason(ts, '30 min', day_boundary => 'UTC') OVER w AS reason,
       session_split_reason(ts, '30 min', day_boundary => 'America/New_York') OVER w AS day_ny,
       session_id('u', ts AT TIME ZONE 'UTC', '30 min', day_boundary => 'UTC') OVER w AS sid_tz
FROM tsn
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;
SET timezone = 'UTC';

-- 2. bigint epoch milliseconds: session_start returns epoch milliseconds.
-- Timeout 1 second, UTC days; before 1970 the values are negative.
CREATE TEMP TABLE ms (id int, ms bigint);
INSERT INTO ms VALUES
 (1, -86400000),      -- 1969-12-31 00:00:00.000: first
 (2, -86399000),      -- 1 s later exactly: stays
 (3, -1),             -- 1969-12-31 23:59:59.999: timeout
 (4, 0),              -- 1970-01-01 00:00:00.000, 1 ms later: day
 (5, 999),            -- stays
 (6, 1999),           -- gap 1000 ms: stays
 (7, 3000),           -- gap 1001 ms: timeout
 (8, 1788221700123),  -- 2026-09-01 00:15:00.123: timeout
 (9, 1788221700124);  -- 1 ms later: stays
SELECT id, ms, to_timestamp(ms / 1000.0) AS time,
       session_number(ms, '1 second', day_boundary => 'UTC') OVER w AS n,
       session_start(ms, '1 second', day_boundary => 'UTC') OVER w AS start,
       pg_typeof(session_start(ms, '1 second', day_boundary => 'UTC') OVER w) AS type,
       session_id('user-000000042', ms, '1 second', day_boundary => 'UTC') OVER w AS sid,
       session_split_reason(ms, '1 second', day_boundary => 'UTC') OVER w AS reason
FROM ms
WINDOW w AS (ORDER BY ms, id)
ORDER BY id;

-- 3. session_id: <key>-YYYYMMDD-HH24MISSMS of the session start in UTC,
-- milliseconds rounded down.  The key is read on the session's first event:
-- a NULL key there gives a NULL id to the whole session.  One partition per
-- case; timeout 1 hour.
CREATE TEMP TABLE ids (id int, p int, key text, ts timestamptz);
INSERT INTO ids VALUES
 (1,  1, 'k',         '2026-09-01 00:15:00.123999'),  -- ms rounded down: 123
 (2,  2, 'k',         '2026-09-01 00:15:00.000999'),  -- 000
 (3,  3, 'k',         '2026-01-01 00:00:00'),         -- midnight
 (4,  4, 'k',         '2026-12-31 23:59:59.999999'),  -- last microsecond of a year
 (5,  5, 'Jane Doe',  '2026-09-01 10:00:00'),         -- spaces kept
 (6,  6, 'Zoë 🙂',    '2026-09-01 10:00:00'),         -- multibyte characters kept
 (7,  7, '',          '2026-09-01 10:00:00'),         -- empty key: id starts with '-'
 (8,  8, 'a',         '2026-09-01 10:00:00'),         -- session starts with key a
 (9,  8, 'b',         '2026-09-01 10:10:00'),         -- same session: still a-...
 (10, 9, NULL,        '2026-09-01 10:00:00'),         -- NULL key on the first event
 (11, 9, 'x',         '2026-09-01 10:10:00'),         -- same session: still NULL
 (12, 9, 'x',         '2026-09-01 12:00:00'),         -- new session (timeout), key x
 (13, 9, NULL,        '2026-09-01 12:10:00');         -- same session: x-...
SELECT id, p, key, ts,
       session_id(key, ts, '1 hour') OVER w AS sid
FROM ids
WINDOW w AS (PARTITION BY p ORDER BY ts, id)
ORDER BY id;

-- 4. The same events as timestamptz, timestamp and epoch milliseconds, all
-- rules on (timeout 30 min, max_duration 1 h, Paris days, a key, a start
-- flag, counted), all four functions over one window.  First the labels,
-- then the rows where the three kinds disagree (none).
CREATE TEMP TABLE all3 (id int, u text, ts timestamptz, key text, flag boolean, counted boolean);
INSERT INTO all3 VALUES
 (1,  'u1', '2026-06-01 21:10:00.001', 'a', true,  true),   -- first
 (2,  'u1', '2026-06-01 21:40:00.001', 'a', false, true),   -- gap 30 min: stays
 (3,  'u1', '2026-06-01 22:00:00',     'a', false, true),   -- 00:00 in Paris: day
 (4,  'u1', '2026-06-01 22:20:00',     'a', false, false),  -- excluded
 (5,  'u1', '2026-06-01 22:30:00.001', 'a', false, true),   -- gap 30:00.001 to row 3: timeout
 (6,  'u1', '2026-06-01 22:40:00',     'b', false, true),   -- key
 (7,  'u1', '2026-06-01 22:41:00',     'b', true,  true),   -- start_event
 (8,  'u1', '2026-06-01 23:05:00',     'b', false, true),   -- stays
 (9,  'u1', '2026-06-01 23:30:00',     'b', false, true),   -- stays
 (10, 'u1', '2026-06-01 23:41:00.001', 'b', false, true),   -- 1 h + 1 ms after 22:41: max_duration
 (11, 'u1', NULL,                      'c', true,  true),   -- NULL ts
 (12, 'u2', '1969-12-31 23:59:59.999', 'a', false, true),   -- first, before 1970
 (13, 'u2', '1970-01-01 00:10:00',     'a', false, true);   -- stays (Paris day is 01-01 for both)
SELECT id, u, ts,
       session_number(ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS n,
       session_start(ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS start,
       session_id(u, ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS sid,
       session_split_reason(ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS reason
FROM all3
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;
WITH src AS (
  SELECT id, u, ts, ts AT TIME ZONE 'UTC' AS ts_plain,
         (extract(epoch FROM ts) * 1000)::bigint AS ts_ms, key, flag, counted
  FROM all3
), tz AS (
  SELECT id,
         session_number(ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS n,
         session_start(ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS start,
         session_id(u, ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS sid,
         session_split_reason(ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS reason
  FROM src WINDOW w AS (PARTITION BY u ORDER BY ts, id)
), plain AS (
  SELECT id,
         session_number(ts_plain, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS n,
         session_start(ts_plain, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS start,
         session_id(u, ts_plain, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS sid,
         session_split_reason(ts_plain, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS reason
  FROM src WINDOW w AS (PARTITION BY u ORDER BY ts_plain, id)
), epoch AS (
  SELECT id,
         session_number(ts_ms, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS n,
         session_start(ts_ms, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS start,
         session_id(u, ts_ms, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS sid,
         session_split_reason(ts_ms, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS reason
  FROM src WINDOW w AS (PARTITION BY u ORDER BY ts_ms, id)
)
SELECT tz.id, tz.n, plain.n AS n_plain, epoch.n AS n_ms,
       tz.start, plain.start AS start_plain, epoch.start AS start_ms,
       tz.sid, plain.sid AS sid_plain, epoch.sid AS sid_ms,
       tz.reason, plain.reason AS reason_plain, epoch.reason AS reason_ms
FROM tz JOIN plain USING (id) JOIN epoch USING (id)
WHERE tz.n IS DISTINCT FROM plain.n OR tz.n IS DISTINCT FROM epoch.n
   OR tz.start IS DISTINCT FROM plain.start AT TIME ZONE 'UTC'
   OR (extract(epoch FROM tz.start) * 1000)::bigint IS DISTINCT FROM epoch.start
   OR tz.sid IS DISTINCT FROM plain.sid OR tz.sid IS DISTINCT FROM epoch.sid
   OR tz.reason IS DISTINCT FROM plain.reason OR tz.reason IS DISTINCT FROM epoch.reason
ORDER BY tz.id;

-- 5. Positional, named (in any order) and mixed calls give the same labels.
SELECT id,
       session_split_reason(ts, '30 min', '1 hour', 'Europe/Paris', key, flag, counted) OVER w AS positional,
       session_split_reason(counted => counted, start_event => flag, split_key => key,
                            day_boundary => 'Europe/Paris', max_duration => '1 hour',
                            timeout => '30 min', ts => ts) OVER w AS named,
       session_split_reason(ts, '30 min', split_key => key, start_event => flag,
                            counted => counted, day_boundary => 'Europe/Paris',
                            max_duration => '1 hour') OVER w AS mixed,
       session_id(key => u, ts => ts, timeout => '30 min', max_duration => '1 hour',
                  day_boundary => 'Europe/Paris', split_key => key, start_event => flag,
                  counted => counted) OVER w AS sid_named
FROM all3
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;

-- 6. Constant arguments (read once per partition) and the same values from
-- per-row columns (read for each row) give identical results, for every
-- argument at once; also with start_event true (every counted event starts
-- a session) and counted false (nothing counted).
CREATE TEMP TABLE args AS
SELECT id, u, ts, interval '30 min' AS t, interval '1 hour' AS md,
       'Europe/Paris'::text AS zone, 'web'::text AS k, false AS f, true AS c,
       true AS f_true, false AS c_false
FROM all3;
SELECT id,
       session_number(ts, '30 min', '1 hour', 'Europe/Paris', 'web', false, true) OVER w AS n_const,
       session_number(ts, t, md, zone, k, f, c) OVER w AS n_rows,
       session_split_reason(ts, '30 min', '1 hour', 'Europe/Paris', 'web', false, true) OVER w AS reason_const,
       session_split_reason(ts, t, md, zone, k, f, c) OVER w AS reason_rows,
       session_split_reason(ts, '30 min', '1 hour', 'Europe/Paris', 'web', true, true) OVER w AS start_const,
       session_split_reason(ts, t, md, zone, k, f_true, c) OVER w AS start_rows,
       session_number(ts, '30 min', '1 hour', 'Europe/Paris', 'web', false, false) OVER w AS excl_const,
       session_number(ts, t, md, zone, k, f, c_false) OVER w AS excl_rows
FROM args
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;

-- 7. Query parameters are constants too: a prepared statement run with a
-- generic plan gives the labels of the constant call in section 6.
PREPARE labels(interval, interval, text) AS
SELECT id,
       session_number(ts, $1, $2, $3) OVER w AS n,
       session_split_reason(ts, $1, $2, $3) OVER w AS reason
FROM args
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;
SET plan_cache_mode = force_generic_plan;
EXECUTE labels('30 min', '1 hour', 'Europe/Paris');
RESET plan_cache_mode;
DEALLOCATE labels;
