-- The inactivity timeout alone (docs/semantics.md, Rules: the timeout):
-- a new session starts when ts > expiry, expiry = max(ts_k + timeout_k) over
-- the events of the session so far.  A gap exactly equal to the timeout stays
-- in the session.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- 1. Constant timeout of 10 minutes.  gap is the distance to the previous
-- event, computed here with lag() so every label can be checked by eye.
CREATE TEMP TABLE ev (id int, u text, ts timestamptz);
INSERT INTO ev VALUES
 (1, 'u1', '2026-09-01 10:00:00'),        -- first
 (2, 'u1', '2026-09-01 10:10:00'),        -- gap = 10 min exactly: stays
 (3, 'u1', '2026-09-01 10:20:00.000001'), -- gap = 10 min + 1 us: timeout
 (4, 'u1', '2026-09-01 10:20:00.000001'), -- same instant: stays
 (5, 'u1', '2026-09-01 10:30:00.000001'), -- gap = 10 min exactly: stays
 (6, 'u1', '2026-09-01 10:40:00.000002'), -- gap = 10 min + 1 us: timeout
 (7, 'u1', '2026-09-01 12:00:00'),        -- long gap: timeout
 (8, 'u1', '2026-09-01 12:09:59.999999'); -- gap < 10 min: stays
SELECT id, ts, ts - lag(ts) OVER w AS gap,
       session_number(ts, '10 minutes') OVER w AS n,
       session_start(ts, '10 minutes') OVER w AS start,
       session_split_reason(ts, '10 minutes') OVER w AS reason
FROM ev
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;

-- 2. Zero timeout: only events at the same instant share a session.
CREATE TEMP TABLE z (id int, ts timestamptz);
INSERT INTO z VALUES
 (1, '2026-09-01 10:00:00'),
 (2, '2026-09-01 10:00:00'),
 (3, '2026-09-01 10:00:00.000001'),
 (4, '2026-09-01 10:00:00.000001'),
 (5, '2026-09-01 10:00:00.000001'),
 (6, '2026-09-01 10:00:01');
SELECT id, ts,
       session_number(ts, '0') OVER w AS n,
       session_start(ts, '0') OVER w AS start,
       session_split_reason(ts, '0') OVER w AS reason
FROM z
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 3. Ties.  Events at the same instant always share a session; the window's
-- tie-break only decides which of them is reported as the session's first
-- event.  Here ORDER BY ts, id and ORDER BY ts, id DESC.
CREATE TEMP TABLE ties (id int, ts timestamptz);
INSERT INTO ties VALUES
 (1, '2026-09-01 10:00:00'),
 (2, '2026-09-01 10:00:00'),
 (3, '2026-09-01 10:00:00'),
 (4, '2026-09-01 10:31:00'),
 (5, '2026-09-01 10:31:00'),
 (6, '2026-09-01 11:01:00');
SELECT id, ts,
       session_number(ts, '30 min') OVER asc_id AS n_asc,
       session_split_reason(ts, '30 min') OVER asc_id AS reason_asc,
       session_number(ts, '30 min') OVER desc_id AS n_desc,
       session_split_reason(ts, '30 min') OVER desc_id AS reason_desc
FROM ties
WINDOW asc_id AS (ORDER BY ts, id), desc_id AS (ORDER BY ts, id DESC)
ORDER BY id;

-- 4. Per-row (dynamic) timeout from a column.  The session's expiry is the
-- maximum of ts + timeout over its events, not the last event's: a
-- long-timeout event keeps the session open across later short-timeout
-- events.  The current event's own timeout plays no part in whether it joins.
CREATE TEMP TABLE dyn (id int, ts timestamptz, t interval);
INSERT INTO dyn VALUES
 (1,  '2026-09-01 10:00:00',        '1 hour'),    -- first; expiry 11:00
 (2,  '2026-09-01 10:05:00',        '1 minute'),  -- stays; expiry still 11:00
 (3,  '2026-09-01 10:50:00',        '1 minute'),  -- gap 45 min, but <= 11:00: stays
 (4,  '2026-09-01 11:00:00',        '1 minute'),  -- = expiry 11:00: stays; expiry 11:01
 (5,  '2026-09-01 11:01:00',        '0'),         -- = expiry 11:01: stays
 (6,  '2026-09-01 11:01:00.000001', '2 hours'),   -- > 11:01: timeout; expiry 13:01:00.000001
 (7,  '2026-09-01 13:01:00.000001', '0'),         -- = expiry: stays
 (8,  '2026-09-01 13:01:00.000002', '1 day'),     -- > expiry: timeout (its own 1 day does not help)
 (9,  '2026-09-02 13:01:00.000002', '1 second'),  -- = expiry (ts 8 + 1 day): stays
 (10, '2026-09-02 13:01:01.000003', '1 second');  -- 1 us past expiry: timeout
SELECT id, ts, t,
       session_number(ts, t) OVER w AS n,
       session_start(ts, t) OVER w AS start,
       session_split_reason(ts, t) OVER w AS reason
FROM dyn
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 5. Several partitions, interleaved in time: numbering restarts at 1 in
-- each, and events of one partition never extend another's session.  u4 has
-- only excluded events and NULL timestamps: all NULL.  NULL timestamps sort
-- last with ORDER BY ts, and first with NULLS FIRST; either way they are NULL
-- and do not disturb the others.
CREATE TEMP TABLE parts (id int, u text, ts timestamptz, counted boolean);
INSERT INTO parts VALUES
 (1,  'u1', '2026-09-01 10:00', true),   -- u1 first
 (2,  'u2', '2026-09-01 10:10', true),   -- u2 first
 (3,  'u1', '2026-09-01 10:20', true),   -- u1 gap 20: stays
 (4,  'u2', '2026-09-01 10:50', true),   -- u2 gap 40: timeout
 (5,  'u3', '2026-09-01 10:55', true),   -- u3 first
 (6,  'u1', '2026-09-01 11:00', true),   -- u1 gap 40: timeout (u2, u3 events between do not count)
 (7,  'u2', NULL,               true),   -- NULL ts: NULL
 (8,  'u4', '2026-09-01 10:00', false),  -- u4: excluded
 (9,  'u4', NULL,               true),   -- u4: NULL ts
 (10, 'u4', '2026-09-01 10:05', NULL),   -- u4: counted NULL = excluded
 (11, 'u3', '2026-09-01 11:25', true);   -- u3 gap 30: stays
SELECT id, u, ts, counted,
       session_number(ts, '30 min', counted => counted) OVER w AS n,
       session_start(ts, '30 min', counted => counted) OVER w AS start,
       session_id(u, ts, '30 min', counted => counted) OVER w AS sid,
       session_split_reason(ts, '30 min', counted => counted) OVER w AS reason
FROM parts
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;
-- The same with NULL timestamps first in the window order.
SELECT id, u, ts,
       session_number(ts, '30 min', counted => counted) OVER w AS n,
       session_split_reason(ts, '30 min', counted => counted) OVER w AS reason
FROM parts
WINDOW w AS (PARTITION BY u ORDER BY ts NULLS FIRST, id)
ORDER BY id;

-- 6. No rows at all, and a single row.
SELECT id, session_number(ts, '30 min') OVER w AS n,
       session_split_reason(ts, '30 min') OVER w AS reason
FROM parts
WHERE false
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;
SELECT id, ts,
       session_number(ts, '30 min') OVER w AS n,
       session_start(ts, '30 min') OVER w AS start,
       session_id(u, ts, '30 min') OVER w AS sid,
       session_split_reason(ts, '30 min') OVER w AS reason
FROM parts
WHERE id = 5
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;
