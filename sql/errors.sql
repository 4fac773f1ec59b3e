-- Every error a user can cause with the session window functions
-- (docs/semantics.md, Bad input), with its SQLSTATE, message, detail and hint; then
-- what is NOT an error.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- try(query) runs a query and returns the error it raises, one field per
-- line (expanded display), or 'no error'.
CREATE FUNCTION pg_temp.try(query text,
    OUT state text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    state := 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
        detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END $$;

-- Two users; u1's third event (id 3) carries the bad per-row values.
CREATE TEMP TABLE e (id int, u text, ts timestamptz, t interval, md interval,
                     zone text, counted boolean);
INSERT INTO e VALUES
 (1, 'u1', '2026-01-01 10:00', '30 min', '1 hour', 'UTC', true),
 (2, 'u1', '2026-01-01 10:10', '30 min', '1 hour', 'UTC', true),
 (3, 'u1', '2026-01-01 10:20', NULL,     '-1 s',   'Mars/Olympus', true),
 (4, 'u2', '2026-01-01 09:00', '30 min', '1 hour', 'UTC', true);
\x on

-- 1. The timeout: NULL, negative, months or years, as a constant and in one
-- row of a column.
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, NULL) OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, t) OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '-1 minute') OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '1 day -25 hours') OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, CASE WHEN id = 3 THEN interval '-1 s' ELSE t END)
         OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '1 month') OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, CASE WHEN id = 3 THEN interval '1 mon -30 days' ELSE t END)
         OVER (PARTITION BY u ORDER BY ts) FROM e $$);

-- 2. max_duration: negative, months or years (NULL is no maximum).
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min', '-1 hour') OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min', md) OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min', '1 year') OVER (PARTITION BY u ORDER BY ts) FROM e $$);

-- 3. Infinite timestamps, in each overload that can hold them.
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min') OVER (ORDER BY ts)
  FROM (VALUES (timestamptz '2026-01-01'), ('infinity')) v(ts) $$);
SELECT * FROM pg_temp.try($$
  SELECT session_start(ts, '30 min') OVER (ORDER BY ts)
  FROM (VALUES (timestamptz '-infinity'), ('2026-01-01')) v(ts) $$);
SELECT * FROM pg_temp.try($$
  SELECT session_id('k', ts, '30 min') OVER (ORDER BY ts)
  FROM (VALUES (timestamp 'infinity')) v(ts) $$);
SELECT * FROM pg_temp.try($$
  SELECT session_split_reason(ts, '30 min') OVER (ORDER BY ts)
  FROM (VALUES (timestamp '-infinity')) v(ts) $$);

-- 4. Epoch milliseconds outside the timestamp range.  The earliest valid
-- value is 4714-11-24 00:00 BC, -210866803200000; the largest is the one
-- whose microseconds still fit in 64 bits, 9223372036854775 (year 294247).
SELECT * FROM pg_temp.try($$
  SELECT session_number(-210866803200001::bigint, '30 min') OVER () $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(9223372036854776::bigint, '30 min') OVER () $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number('-9223372036854775808'::bigint, '30 min') OVER () $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(9223372036854775807::bigint, '30 min') OVER () $$);

-- 5. Unknown time zone for the day rule, constant and in one row.
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min', day_boundary => 'Mars/Olympus')
         OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min', day_boundary => '')
         OVER (PARTITION BY u ORDER BY ts) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min', day_boundary => zone)
         OVER (PARTITION BY u ORDER BY ts) FROM e $$);

-- 6. A window not ordered by the timestamp: ORDER BY ts DESC, no ORDER BY at
-- all on rows stored out of time order, ORDER BY another column; and the
-- same for the timestamp and epoch-millisecond overloads (the detail shows
-- the instants as timestamptz).
CREATE TEMP TABLE unsorted (id int, ts timestamptz);
INSERT INTO unsorted VALUES (1, '2026-01-01 10:00'), (2, '2026-01-01 09:00:00.5');
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min') OVER (ORDER BY ts DESC) FROM unsorted $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min') OVER () FROM unsorted $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, '30 min') OVER (ORDER BY id) FROM unsorted $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts AT TIME ZONE 'UTC', '30 min') OVER (ORDER BY id) FROM unsorted $$);
SELECT * FROM pg_temp.try($$
  SELECT session_number((extract(epoch FROM ts) * 1000)::bigint, '30 min') OVER (ORDER BY id)
  FROM unsorted $$);
\x off
-- The same error as psql shows it.
SELECT id, session_number(ts, '30 min') OVER (ORDER BY ts DESC) FROM unsorted ORDER BY id;

-- 7. Not errors.
-- A zero timeout and a zero max_duration.
SELECT id, session_number(ts, '0') OVER w AS t0,
       session_number(ts, '1 hour', '0') OVER w AS md0
FROM unsorted WINDOW w AS (ORDER BY ts) ORDER BY id;
-- A mixed-sign interval that is positive overall (23 hours), and NULL
-- max_duration, given explicitly (no maximum).
SELECT id, session_number(ts, '1 day -1 hour', NULL) OVER w AS n
FROM unsorted WINDOW w AS (ORDER BY ts) ORDER BY id;
-- No rows: nothing is evaluated, so bad constant arguments go unnoticed.
SELECT id, session_number(ts, NULL, '-1 s', 'Mars/Olympus') OVER (ORDER BY ts) AS n
FROM e WHERE false ORDER BY id;
-- Bad per-row values on excluded events and on NULL timestamps are never
-- read, nor are their timestamps checked (infinity, order).
CREATE TEMP TABLE skipped (id int, ts timestamptz, t interval, md interval,
                           zone text, counted boolean);
INSERT INTO skipped VALUES
 (1, '2026-01-01 10:00', '30 min', '1 h',       'UTC',          true),
 (2, 'infinity',         NULL,     '-1 h',      'Mars/Olympus', false),
 (3, '2026-01-01 09:00', '1 mon',  '1 year',    'Mars/Olympus', NULL),
 (4, NULL,               '-1 min', '-1 h',      'Mars/Olympus', true),
 (5, '2026-01-01 10:20', '30 min', '1 h',       'UTC',          true);
SELECT id, ts, counted,
       session_number(ts, t, md, zone, counted => counted) OVER w AS n,
       session_split_reason(ts, t, md, zone, counted => counted) OVER w AS reason
FROM skipped WINDOW w AS (ORDER BY id) ORDER BY id;
-- With a single counted event, ORDER BY ts DESC cannot go backwards.
SELECT id, session_number(ts, '30 min') OVER (ORDER BY ts DESC) AS n
FROM unsorted WHERE id = 1 ORDER BY id;
-- No ORDER BY, but rows stored in time order: accepted.
SELECT id, session_number(ts, '30 min') OVER () AS n
FROM (SELECT * FROM unsorted ORDER BY ts) s ORDER BY id;
-- The extreme epoch milliseconds that are still valid.
SELECT ms, session_start(ms, '30 min') OVER (ORDER BY ms) AS start,
       session_split_reason(ms, '30 min') OVER (ORDER BY ms) AS reason
FROM (VALUES (-210866803200000::bigint), (9223372036854775)) v(ms) ORDER BY ms;
-- A constant argument is checked once per partition, even when every event
-- of the partition is excluded.
\x on
SELECT * FROM pg_temp.try($$
  SELECT session_number(ts, NULL, counted => false) OVER (ORDER BY ts) FROM unsorted $$);
\x off
