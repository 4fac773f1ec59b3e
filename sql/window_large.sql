-- Large partitions, checked by counts only.  The patterns are chosen so that
-- every count can be derived by hand; each derivation is in the comments.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- 1. One partition of 1,000,000 events, i = 0 .. 999999, in 1,000 blocks of
-- 1,000 (block b = i / 1000, offset o = i % 1000):
--   ts = 2026-01-01 + 10 s * i + 1 h * b: 10 s apart inside a block, 1 h 10 s
--   between blocks;  counted = (o <> 999);  start_event = (o = 500);
--   timeout 30 min, max_duration 1 h.
-- In each block: o = 0 starts a session (first, then timeout: the gap from
-- o = 998 of the previous block is 1 h 20 s); o = 361 is 3610 s after the
-- start: max_duration; o = 500: start_event; o = 861 is 3610 s after 500:
-- max_duration; o = 999 is excluded.  So 4 sessions per block of 361, 139,
-- 361 and 138 counted events: 4,000 sessions, numbered
-- n = 4 b + 1 + (o >= 361) + (o >= 500) + (o >= 861).
CREATE TEMP TABLE big AS
SELECT i, i / 1000 AS b, i % 1000 AS o,
       timestamptz '2026-01-01' + i * interval '10 s' + (i / 1000) * interval '1 hour' AS ts,
       i % 1000 <> 999 AS counted, i % 1000 = 500 AS flag
FROM generate_series(0, 999999) AS i;
CREATE TEMP TABLE big_labels AS
SELECT i, b, o, counted,
       session_number(ts, '30 min', '1 hour', start_event => flag, counted => counted) OVER w AS n,
       session_start(ts, '30 min', '1 hour', start_event => flag, counted => counted) OVER w AS start,
       session_id('u', ts, '30 min', '1 hour', start_event => flag, counted => counted) OVER w AS sid,
       session_split_reason(ts, '30 min', '1 hour', start_event => flag, counted => counted) OVER w AS reason
FROM big
WINDOW w AS (ORDER BY ts, i);
-- 1,000,000 events, 999,000 counted and labelled, 4,000 sessions.
SELECT count(*) AS events, count(n) AS labelled, max(n) AS max_n,
       count(DISTINCT n) AS numbers, count(DISTINCT start) AS starts,
       count(DISTINCT sid) AS ids
FROM big_labels;
-- first 1, timeout 999, max_duration 2 x 1,000, start_event 1,000, and
-- 1,000,000 - 4,000 rows without a reason.
SELECT reason, count(*) FROM big_labels GROUP BY reason ORDER BY reason;
-- Session sizes: 361 (2,000 sessions), 139 (1,000), 138 (1,000).
SELECT size, count(*) AS sessions
FROM (SELECT n, count(*) AS size FROM big_labels WHERE n IS NOT NULL GROUP BY n) s
GROUP BY size ORDER BY size;
-- Rows whose label differs from the formula (none).
SELECT count(*) AS wrong
FROM big_labels
WHERE n IS DISTINCT FROM
      CASE WHEN counted THEN 4 * b + 1 + (o >= 361)::int + (o >= 500)::int + (o >= 861)::int END;

-- 2. 2,000 partitions (users u = 1 .. 2000) of 100 events, j = 0 .. 99,
-- interleaved in time: ts = 2026-01-01 + u s + 5 min * j + 1 h * (j / g),
-- g = 20 for even u and 25 for odd u.  Timeout 30 min: a new session every
-- g events, so 5 sessions for even users, 4 for odd ones: 9,000 sessions,
-- 2,000 first and 7,000 timeout; n = j / g + 1.
CREATE TEMP TABLE many AS
SELECT u, j,
       timestamptz '2026-01-01' + u * interval '1 s' + j * interval '5 min'
         + (j / CASE WHEN u % 2 = 0 THEN 20 ELSE 25 END) * interval '1 hour' AS ts,
       j / CASE WHEN u % 2 = 0 THEN 20 ELSE 25 END + 1 AS expected
FROM generate_series(1, 2000) AS u, generate_series(0, 99) AS j;
CREATE TEMP TABLE many_labels AS
SELECT u, j, expected,
       session_number(ts, '30 min') OVER w AS n,
       session_id('user-' || u, ts, '30 min') OVER w AS sid,
       session_split_reason(ts, '30 min') OVER w AS reason
FROM many
WINDOW w AS (PARTITION BY u ORDER BY ts, j);
SELECT count(*) AS events, count(DISTINCT sid) AS sessions,
       count(*) FILTER (WHERE n IS DISTINCT FROM expected) AS wrong
FROM many_labels;
SELECT reason, count(*) FROM many_labels GROUP BY reason ORDER BY reason;
-- Sessions per user: 5 for the 1,000 even users, 4 for the 1,000 odd ones.
SELECT sessions, count(*) AS users
FROM (SELECT u, max(n) AS sessions FROM many_labels GROUP BY u) s
GROUP BY sessions ORDER BY sessions;
