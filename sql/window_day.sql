-- The day rule (docs/semantics.md, Rules): a new session when the local
-- calendar date of ts in the day_boundary time zone differs from the
-- previous counted event's.  Each query shows the local time computed
-- independently with AT TIME ZONE, and "expected", derived from it with
-- lag(), next to what the functions report.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- 1. One scenario per partition, each with its own zone (a per-row column,
-- constant within the partition, as a user's home time zone would be).  The
-- timeout of 2 days never fires, so only the day rule splits.
CREATE TEMP TABLE d (id int, scen text, zone text, ts timestamptz);
INSERT INTO d VALUES
 -- UTC
 (101, 'a utc',        'UTC',              '2026-06-01 23:59:59.999999'),
 (102, 'a utc',        'UTC',              '2026-06-02 00:00:00'),
 (103, 'a utc',        'UTC',              '2026-06-02 23:59:59'),
 (104, 'a utc',        'UTC',              '2026-06-03 00:00:00'),
 (105, 'a utc',        'UTC',              '2026-06-04 12:00:00'),
 -- Europe/Paris in summer (UTC+2): the UTC date changing does not split
 (201, 'b paris',      'Europe/Paris',     '2026-06-01 21:59:59'),
 (202, 'b paris',      'Europe/Paris',     '2026-06-01 22:00:00'),
 (203, 'b paris',      'Europe/Paris',     '2026-06-01 23:30:00'),
 (204, 'b paris',      'Europe/Paris',     '2026-06-02 00:30:00'),
 -- Asia/Kathmandu, UTC+5:45
 (301, 'c kathmandu',  'Asia/Kathmandu',   '2026-06-01 18:14:59'),
 (302, 'c kathmandu',  'Asia/Kathmandu',   '2026-06-01 18:15:00'),
 -- New York, 2026-03-08: 2:00 EST becomes 3:00 EDT, a 23-hour local day
 (401, 'd ny spring',  'America/New_York', '2026-03-07 12:00:00'),
 (402, 'd ny spring',  'America/New_York', '2026-03-08 04:59:59'),
 (403, 'd ny spring',  'America/New_York', '2026-03-08 05:00:00'),
 (404, 'd ny spring',  'America/New_York', '2026-03-08 06:59:59.999999'),
 (405, 'd ny spring',  'America/New_York', '2026-03-08 07:00:00'),
 (406, 'd ny spring',  'America/New_York', '2026-03-09 03:59:59.999999'),
 (407, 'd ny spring',  'America/New_York', '2026-03-09 04:00:00'),
 (408, 'd ny spring',  'America/New_York', '2026-03-09 04:30:00'),
 -- New York, 2026-11-01: 2:00 EDT becomes 1:00 EST, a 25-hour local day
 (501, 'e ny fall',    'America/New_York', '2026-11-01 03:59:59'),
 (502, 'e ny fall',    'America/New_York', '2026-11-01 04:00:00'),
 (503, 'e ny fall',    'America/New_York', '2026-11-01 05:30:00'),
 (504, 'e ny fall',    'America/New_York', '2026-11-01 06:00:00'),
 (505, 'e ny fall',    'America/New_York', '2026-11-01 06:30:00'),
 (506, 'e ny fall',    'America/New_York', '2026-11-02 04:30:00'),
 (507, 'e ny fall',    'America/New_York', '2026-11-02 04:59:59.999999'),
 (508, 'e ny fall',    'America/New_York', '2026-11-02 05:00:00'),
 -- Havana, 2026-03-08: midnight CST becomes 1:00 CDT, local midnight never happens
 (601, 'f havana spr', 'America/Havana',   '2026-03-08 04:59:59'),
 (602, 'f havana spr', 'America/Havana',   '2026-03-08 05:00:00'),
 (603, 'f havana spr', 'America/Havana',   '2026-03-09 03:59:59'),
 (604, 'f havana spr', 'America/Havana',   '2026-03-09 04:00:00'),
 -- Havana, 2026-11-01: 1:00 CDT becomes 0:00 CST, the midnight hour happens twice
 (701, 'g havana fall', 'America/Havana',  '2026-11-01 03:59:59'),
 (702, 'g havana fall', 'America/Havana',  '2026-11-01 04:00:00'),
 (703, 'g havana fall', 'America/Havana',  '2026-11-01 04:59:59'),
 (704, 'g havana fall', 'America/Havana',  '2026-11-01 05:00:00'),
 (705, 'g havana fall', 'America/Havana',  '2026-11-02 04:59:59'),
 (706, 'g havana fall', 'America/Havana',  '2026-11-02 05:00:00'),
 -- Santiago, 2026-09-05: Saturday 24:00 (-04) becomes Sunday 1:00 (-03)
 (801, 'h santiago spr', 'America/Santiago', '2026-09-06 03:59:59'),
 (802, 'h santiago spr', 'America/Santiago', '2026-09-06 04:00:00'),
 -- Santiago, 2026-04-04: Saturday 24:00 (-03) becomes 23:00 (-04) again
 (901, 'i santiago fall', 'America/Santiago', '2026-04-05 02:30:00'),
 (902, 'i santiago fall', 'America/Santiago', '2026-04-05 02:59:59'),
 (903, 'i santiago fall', 'America/Santiago', '2026-04-05 03:00:00'),
 (904, 'i santiago fall', 'America/Santiago', '2026-04-05 03:59:59'),
 (905, 'i santiago fall', 'America/Santiago', '2026-04-05 04:00:00'),
 -- Apia skipped 2011-12-30 altogether (UTC-10 became UTC+14)
 (951, 'j apia',       'Pacific/Apia',     '2011-12-30 09:59:59'),
 (952, 'j apia',       'Pacific/Apia',     '2011-12-30 10:00:00');
SELECT id, scen, ts, ts AT TIME ZONE zone AS local,
       CASE WHEN lag(ts) OVER w IS NULL THEN 'first'
            WHEN (ts AT TIME ZONE zone)::date <> (lag(ts) OVER w AT TIME ZONE zone)::date
            THEN 'day' END AS expected,
       session_number(ts, '2 days', day_boundary => zone) OVER w AS n,
       session_split_reason(ts, '2 days', day_boundary => zone) OVER w AS reason
FROM d
WINDOW w AS (PARTITION BY scen ORDER BY ts, id)
ORDER BY id;

-- 2. The same for the New York scenarios with the zone as a constant (read
-- once per partition): identical labels.
SELECT id, scen, ts, ts AT TIME ZONE 'America/New_York' AS local,
       session_number(ts, '2 days', day_boundary => 'America/New_York') OVER w AS n,
       session_split_reason(ts, '2 days', day_boundary => 'America/New_York') OVER w AS reason
FROM d
WHERE zone = 'America/New_York'
WINDOW w AS (PARTITION BY scen ORDER BY ts, id)
ORDER BY id;

-- 3. The same instants split differently in different zones.  Zone names
-- are matched as pg_timezone_names does, regardless of case.  'CET' is the
-- zone of pg_timezone_names (with summer time, as SET timezone = 'CET'
-- reads it), not the fixed UTC+1 abbreviation AT TIME ZONE 'CET' would use:
-- it splits like Europe/Paris.
CREATE TEMP TABLE same (id int, ts timestamptz);
INSERT INTO same VALUES
 (1, '2026-06-01 03:30'), (2, '2026-06-01 04:30'),
 (3, '2026-06-01 21:30'), (4, '2026-06-01 22:30'),
 (5, '2026-06-02 00:30');
SELECT id, ts,
       session_split_reason(ts, '1 day', day_boundary => 'UTC') OVER w AS utc,
       session_split_reason(ts, '1 day', day_boundary => 'Europe/Paris') OVER w AS paris,
       session_split_reason(ts, '1 day', day_boundary => 'America/New_York') OVER w AS new_york,
       session_split_reason(ts, '1 day', day_boundary => 'america/new_york') OVER w AS new_york_lower,
       session_split_reason(ts, '1 day', day_boundary => 'CET') OVER w AS cet,
       session_split_reason(ts, '1 day', day_boundary => NULL) OVER w AS no_day_rule
FROM same
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 4. Day change together with the timeout (30 min, UTC days): when both
-- fire, the reason is 'timeout'.  An excluded event on the new day neither
-- splits nor moves the day: the next counted event does.
CREATE TEMP TABLE dt (id int, ts timestamptz, counted boolean);
INSERT INTO dt VALUES
 (1, '2026-06-01 23:50', true),   -- first
 (2, '2026-06-02 00:10', true),   -- gap 20, new day: day
 (3, '2026-06-02 23:40', true),   -- long gap, same day: timeout
 (4, '2026-06-02 23:55', false),  -- excluded
 (5, '2026-06-03 00:05', false),  -- excluded, on the next day
 (6, '2026-06-03 00:09', true),   -- gap 29 (to row 3), new day: day
 (7, '2026-06-03 23:59', true),   -- timeout
 (8, '2026-06-04 00:30', true);   -- gap 31 and new day: timeout wins
SELECT id, ts, counted,
       session_number(ts, '30 min', day_boundary => 'UTC', counted => counted) OVER w AS n,
       session_split_reason(ts, '30 min', day_boundary => 'UTC', counted => counted) OVER w AS reason
FROM dt
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 5. A per-row day_boundary that is NULL on some events: the day rule is
-- off for those events (they never split for 'day').  Row 5 is on another
-- UTC date than every earlier event.
CREATE TEMP TABLE dn (id int, ts timestamptz, zone text);
INSERT INTO dn VALUES
 (1, '2026-06-01 10:00', 'UTC'),  -- first
 (2, '2026-06-01 10:05', NULL),   -- rule off: stays
 (3, '2026-06-01 10:10', 'UTC'),  -- same date as rows 1 and 2: stays
 (4, '2026-06-02 00:10', NULL),   -- rule off: stays, although the date changed
 (5, '2026-06-03 00:20', 'UTC');  -- another date than rows 1 to 4: day
SELECT id, ts, zone,
       session_number(ts, '2 days', day_boundary => zone) OVER w AS n,
       session_split_reason(ts, '2 days', day_boundary => zone) OVER w AS reason
FROM dn
WINDOW w AS (ORDER BY ts, id)
ORDER BY id;

-- 6. Reference check: an event every 37 minutes through 2026 in zones with
-- and without daylight saving time (Lord Howe moves by 30 minutes), labelled
-- by the functions and by a plain-SQL lag() of the local date.  Every local
-- day of the year is seen, so each zone has 364 day splits (365 dates); the
-- last column counts the events where the two disagree.
WITH ev AS (
  SELECT zone, ts
  FROM unnest(ARRAY['UTC', 'Europe/Paris', 'America/New_York', 'America/Havana',
                    'America/Santiago', 'Asia/Kathmandu', 'Australia/Lord_Howe',
                    'Pacific/Chatham']) AS zone,
       generate_series(timestamptz '2025-12-31 00:00', '2027-01-01 12:00', '37 min') AS g(ts)
  WHERE (ts AT TIME ZONE zone)::date BETWEEN '2026-01-01' AND '2026-12-31'
), labelled AS (
  SELECT zone, ts,
         session_split_reason(ts, '2 days', day_boundary => zone) OVER w AS reason,
         CASE WHEN lag(ts) OVER w IS NULL THEN 'first'
              WHEN (ts AT TIME ZONE zone)::date <> (lag(ts) OVER w AT TIME ZONE zone)::date
              THEN 'day' END AS expected
  FROM ev
  WINDOW w AS (PARTITION BY zone ORDER BY ts)
)
SELECT zone,
       count(*) FILTER (WHERE reason = 'day') AS day_splits,
       count(DISTINCT (ts AT TIME ZONE zone)::date) - 1 AS local_dates_minus_1,
       count(*) FILTER (WHERE reason IS DISTINCT FROM expected) AS disagree
FROM labelled
GROUP BY zone
ORDER BY zone;
