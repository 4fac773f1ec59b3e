-- The optional rules one at a time, then several on one event
-- (docs/semantics.md, Rules, and Excluded events and NULLs): max_duration, split_key, start_event, counted, and the
-- precedence of the reason reported (timeout > max_duration > day > key >
-- start_event).
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- 1. max_duration alone (timeout 1 day never fires here): a new session when
-- ts - session_start > max_duration; exactly equal stays.  The limit counts
-- from the start of the current session, not of the partition.
CREATE TEMP TABLE md (id int, ts timestamptz);
INSERT INTO md VALUES
 (1, '2026-09-01 10:00:00'),         -- first, start 10:00
 (2, '2026-09-01 10:30:00'),         -- 30 min after start: stays
 (3, '2026-09-01 11:00:00'),         -- 1 h exactly: stays
 (4, '2026-09-01 11:00:00.000001'),  -- 1 h + 1 us: max_duration, start 11:00:00.000001
 (5, '2026-09-01 12:00:00.000001'),  -- 1 h exactly after the new start: stays
 (6, '2026-09-01 12:00:00.000002'),  -- 1 h + 1 us: max_duration
 (7, '2026-09-01 12:00:00.000002');  -- same instant: stays
SELECT id, ts,
       session_number(ts, '1 day', max_duration => '1 hour') OVER w AS n,
       session_start(ts, '1 day', max_duration => '1 hour') OVER w AS start,
       ts - session_start(ts, '1 day', max_duration => '1 hour') OVER w AS since_start,
       session_split_reason(ts, '1 day', max_duration => '1 hour') OVER w AS reason
FROM md
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;
-- max_duration zero: only events at the same instant share a session.
SELECT id, ts,
       session_number(ts, '1 day', max_duration => '0') OVER w AS n,
       session_split_reason(ts, '1 day', max_duration => '0') OVER w AS reason
FROM md
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 2. split_key alone: a new session when the key IS DISTINCT FROM the
-- previous counted event's key (NULL equals NULL; compared byte for byte, so
-- case and Unicode normalization matter).  Keys of excluded events and of
-- NULL timestamps are ignored.
CREATE TEMP TABLE k (id int, ts timestamptz, key text, counted boolean);
INSERT INTO k VALUES
 (1,  '2026-09-01 10:00', NULL,           true),   -- first
 (2,  '2026-09-01 10:01', NULL,           true),   -- NULL -> NULL: stays
 (3,  '2026-09-01 10:02', 'a',            true),   -- NULL -> a: key
 (4,  '2026-09-01 10:03', 'a',            true),   -- stays
 (5,  '2026-09-01 10:04', 'b',            false),  -- excluded: its key is ignored
 (6,  '2026-09-01 10:05', 'a',            true),   -- a -> a: stays
 (7,  '2026-09-01 10:06', NULL,           true),   -- a -> NULL: key
 (8,  '2026-09-01 10:07', 'A',            true),   -- NULL -> A: key
 (9,  '2026-09-01 10:08', 'a',            true),   -- A -> a: key (bytes differ)
 (10, '2026-09-01 10:08', 'b',            true),   -- same instant, a -> b: key
 (11, '2026-09-01 10:09', U&'\00E9',      true),   -- b -> e-acute (precomposed): key
 (12, '2026-09-01 10:10', U&'e\0301',     true),   -- -> e + combining accent: key
 (13, '2026-09-01 10:11', U&'e\0301',     NULL),   -- excluded (counted NULL)
 (14, NULL,               'z',            true);   -- NULL ts: ignored
SELECT id, ts, key, counted,
       session_number(ts, '1 day', split_key => key, counted => counted) OVER w AS n,
       session_split_reason(ts, '1 day', split_key => key, counted => counted) OVER w AS reason
FROM k
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;
-- A constant key never changes, NULL included: one session.
SELECT id,
       session_number(ts, '1 day', split_key => 'web') OVER w AS n_const,
       session_number(ts, '1 day', split_key => NULL) OVER w AS n_null
FROM k
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 3. start_event alone: a flagged event starts a new session; on the first
-- event it is still reported as 'first'; NULL counts as false; consecutive
-- flagged events each start one; a flagged excluded event does nothing.
CREATE TEMP TABLE se (id int, ts timestamptz, flag boolean, counted boolean);
INSERT INTO se VALUES
 (1, '2026-09-01 10:00', true,  true),   -- first (not start_event)
 (2, '2026-09-01 10:01', false, true),   -- stays
 (3, '2026-09-01 10:02', NULL,  true),   -- NULL = false: stays
 (4, '2026-09-01 10:03', true,  true),   -- start_event
 (5, '2026-09-01 10:03', true,  true),   -- same instant, flagged again: start_event
 (6, '2026-09-01 10:04', false, true),   -- stays
 (7, '2026-09-01 10:05', true,  false),  -- flagged but excluded: nothing
 (8, '2026-09-01 10:06', false, true);   -- stays in session 3
SELECT id, ts, flag, counted,
       session_number(ts, '1 day', start_event => flag, counted => counted) OVER w AS n,
       session_start(ts, '1 day', start_event => flag, counted => counted) OVER w AS start,
       session_split_reason(ts, '1 day', start_event => flag, counted => counted) OVER w AS reason
FROM se
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 4. counted alone (timeout 30 min): excluded events (counted false or NULL)
-- get NULL and neither start, extend nor split a session, at the start, in
-- the middle and at the end of a partition.
CREATE TEMP TABLE c (id int, ts timestamptz, counted boolean);
INSERT INTO c VALUES
 (1, '2026-09-01 10:00', false),  -- excluded at the start
 (2, '2026-09-01 10:01', NULL),   -- NULL counted: excluded
 (3, '2026-09-01 10:40', true),   -- first; the session starts here, not at 10:00
 (4, '2026-09-01 10:50', false),  -- excluded: does not extend the session
 (5, '2026-09-01 11:15', true),   -- 35 min after 10:40 (only 25 after 10:50): timeout
 (6, '2026-09-01 11:30', false),  -- excluded in the middle
 (7, '2026-09-01 11:45', true),   -- 30 min after 11:15 exactly: stays
 (8, '2026-09-01 12:30', false),  -- excluded at the end
 (9, '2026-09-01 12:31', NULL);   -- excluded at the end
SELECT id, ts, counted,
       session_number(ts, '30 min', counted => counted) OVER w AS n,
       session_start(ts, '30 min', counted => counted) OVER w AS start,
       session_id('u', ts, '30 min', counted => counted) OVER w AS sid,
       session_split_reason(ts, '30 min', counted => counted) OVER w AS reason
FROM c
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;
-- A constant counted => false or NULL excludes everything.
SELECT id,
       session_number(ts, '30 min', counted => false) OVER w AS n_false,
       session_number(ts, '30 min', counted => NULL) OVER w AS n_null
FROM c
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 5. Several rules firing on one event: the reason reported is the first in
-- precedence order timeout > max_duration > day > key > start_event.
-- timeout 30 min, max_duration 1 h, day boundary UTC.  The comment of each
-- row lists the rules that fire on it.
CREATE TEMP TABLE combo (id int, u text, ts timestamptz, key text, flag boolean);
INSERT INTO combo VALUES
 (1,  'p', '2026-06-01 22:00', 'a', true),   -- first (start_event ignored): S1 22:00
 (2,  'p', '2026-06-01 22:30', 'a', false),  -- gap 30, 30 after start: none
 (3,  'p', '2026-06-01 23:00', 'a', false),  -- gap 30, 60 after start: none (both exactly equal)
 (4,  'p', '2026-06-01 23:20', 'b', true),   -- max_duration (80 min), key, start_event: S2 23:20
 (5,  'p', '2026-06-01 23:45', 'b', false),  -- none
 (6,  'p', '2026-06-02 00:10', 'c', true),   -- day, key, start_event (gap 25, 50 after start): S3 00:10
 (7,  'p', '2026-06-02 00:30', 'c', false),  -- none
 (8,  'p', '2026-06-02 00:35', 'd', true),   -- key, start_event: S4 00:35
 (9,  'p', '2026-06-02 00:40', 'd', true),   -- start_event: S5 00:40
 (10, 'p', '2026-06-02 00:41', 'd', NULL),   -- none
 (11, 'p', '2026-06-03 00:00', 'e', true),   -- timeout, max_duration, day, key, start_event: S6
 (12, 'p', '2026-06-03 00:29', 'e', false),  -- none
 (13, 'p', '2026-06-03 01:01', 'e', false),  -- timeout (gap 32), max_duration (61 min): S7
 (14, 'q', '2026-06-04 23:00', 'a', false),  -- first: S1 23:00
 (15, 'q', '2026-06-04 23:25', 'a', false),  -- none
 (16, 'q', '2026-06-04 23:50', 'a', false),  -- none
 (17, 'q', '2026-06-05 00:15', 'b', true);   -- max_duration (75 min), day, key, start_event: S2
SELECT id, u, ts, key, flag,
       session_number(ts, '30 min', '1 hour', 'UTC', key, flag) OVER w AS n,
       session_start(ts, '30 min', '1 hour', 'UTC', key, flag) OVER w AS start,
       session_split_reason(ts, '30 min', '1 hour', 'UTC', key, flag) OVER w AS reason
FROM combo
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;

-- 6. Per-row max_duration from a column: each event compares its own distance
-- from the session start with its own max_duration; NULL means no maximum
-- for that event.
CREATE TEMP TABLE mdr (id int, ts timestamptz, md interval);
INSERT INTO mdr VALUES
 (1, '2026-09-01 10:00', '1 hour'),      -- first, start 10:00
 (2, '2026-09-01 10:50', '10 minutes'),  -- 50 min > 10 min: max_duration, start 10:50
 (3, '2026-09-01 13:00', NULL),          -- no maximum: stays (130 min)
 (4, '2026-09-01 13:10', '2 hours'),     -- 140 min > 2 h: max_duration, start 13:10
 (5, '2026-09-01 15:10', '2 hours');     -- 2 h exactly: stays
SELECT id, ts, md,
       session_number(ts, '1 day', md) OVER w AS n,
       session_start(ts, '1 day', md) OVER w AS start,
       session_split_reason(ts, '1 day', md) OVER w AS reason
FROM mdr
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 7. Long split keys, stored compressed in the table, that differ only in
-- their last byte or in their length.
CREATE TEMP TABLE longkeys (id int, ts timestamptz, key text);
INSERT INTO longkeys VALUES
 (1, '2026-09-01 10:00', repeat('ab', 50000)),               -- first
 (2, '2026-09-01 10:01', repeat('ab', 50000)),               -- same: stays
 (3, '2026-09-01 10:02', repeat('ab', 49999) || 'ac'),       -- last byte differs: key
 (4, '2026-09-01 10:03', repeat('ab', 49999) || 'ac'),       -- stays
 (5, '2026-09-01 10:04', repeat('ab', 49999) || 'a'),        -- one byte shorter: key
 (6, '2026-09-01 10:05', repeat('x', 63)),                   -- key
 (7, '2026-09-01 10:06', repeat('x', 64)),                   -- key
 (8, '2026-09-01 10:07', repeat('x', 65)),                   -- key
 (9, '2026-09-01 10:08', repeat('x', 65));                   -- stays
SELECT id, length(key) AS len, right(key, 3) AS ending,
       session_number(ts, '1 day', split_key => key) OVER w AS n,
       session_split_reason(ts, '1 day', split_key => key) OVER w AS reason
FROM longkeys
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;
