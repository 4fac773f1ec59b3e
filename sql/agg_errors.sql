-- Every error a user can cause on the aggregate path (session_agg,
-- session_rules, session_merge, the sessionstate type and its casts), with
-- its SQLSTATE, message, detail and hint (docs/semantics.md, Bad input);
-- then what is NOT an error.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

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

CREATE TEMP TABLE e (id int, ts timestamptz, t interval, eng bigint);
INSERT INTO e VALUES
 (1, '2026-01-01 10:00', '30 min', 10),
 (2, '2026-01-01 10:10', '30 min', 20),
 (3, '2026-01-01 10:20', NULL,     -5);
\x on

-- 1. The timeout: NULL, negative, months or years, constant and per row.
SELECT * FROM pg_temp.try($$ SELECT session_agg(ts, NULL) FROM e $$);
SELECT * FROM pg_temp.try($$ SELECT session_agg(ts, t) FROM e $$);
SELECT * FROM pg_temp.try($$ SELECT session_agg(ts, '-1 minute') FROM e $$);
SELECT * FROM pg_temp.try($$ SELECT session_agg(ts, '1 day -25 hours') FROM e $$);
SELECT * FROM pg_temp.try($$ SELECT session_agg(ts, '1 month') FROM e $$);
SELECT * FROM pg_temp.try($$ SELECT session_agg(ts, '1 year') FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_agg(ts, CASE WHEN id = 2 THEN interval '1 mon -30 days' ELSE '30 min' END) FROM e $$);

-- 2. Infinite timestamps.
SELECT * FROM pg_temp.try($$
  SELECT session_agg(ts, '30 min') FROM (VALUES (timestamptz '2026-01-01'), ('infinity')) v(ts) $$);
SELECT * FROM pg_temp.try($$
  SELECT session_agg(ts, '30 min', NULL, NULL, NULL, session_rules(max_duration => '1 hour'))
  FROM (VALUES (timestamptz '-infinity')) v(ts) $$);

-- 3. Engagement: negative, and a sum beyond bigint (within one state and
-- when merging two).
SELECT * FROM pg_temp.try($$ SELECT session_agg(ts, '30 min', NULL, eng) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_agg(ts, '30 min', NULL, eng)
  FROM (VALUES (timestamptz '2026-01-01 10:00', 9223372036854775807),
               ('2026-01-01 10:01', 1)) v(ts, eng) $$);
SELECT * FROM pg_temp.try($$
  SELECT session_merge(
    (SELECT session_agg(timestamptz '2026-01-01 10:00', '30 min', NULL, 9223372036854775807)),
    (SELECT session_agg(timestamptz '2026-01-01 10:01', '30 min', NULL, 1))) $$);

-- 4. Bad rules: session_rules() checks its arguments, and session_agg checks
-- a sessionrules value built by hand.
SELECT * FROM pg_temp.try($$ SELECT session_rules(max_duration => '-1 hour') $$);
SELECT * FROM pg_temp.try($$ SELECT session_rules(max_duration => '1 mon') $$);
SELECT * FROM pg_temp.try($$ SELECT session_rules(day_boundary => 'Mars/Olympus') $$);
SELECT * FROM pg_temp.try($$ SELECT session_rules(day_boundary => '') $$);
SELECT * FROM pg_temp.try($$ SELECT session_rules(engaged_duration => '-1 s') $$);
SELECT * FROM pg_temp.try($$ SELECT session_rules(engaged_duration => '1 year') $$);
SELECT * FROM pg_temp.try($$ SELECT session_rules(engaged_views => -1) $$);
SELECT * FROM pg_temp.try($$
  SELECT session_agg(ts, '30 min', NULL, NULL, NULL,
                     ROW('-1 hour', NULL, NULL, NULL)::sessionrules) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_agg(ts, '30 min', NULL, NULL, NULL,
                     ROW(NULL, 'Mars/Olympus', NULL, NULL)::sessionrules) FROM e $$);
SELECT * FROM pg_temp.try($$
  SELECT session_agg(ts, '30 min', NULL, NULL, NULL,
                     ROW(NULL, NULL, NULL, -2)::sessionrules) FROM e $$);

-- 5. Merging states built under different rules.
SELECT * FROM pg_temp.try($$
  SELECT session_merge(
    (SELECT session_agg(ts, '30 min') FROM e WHERE id = 1),
    (SELECT session_agg(ts, '1 hour') FROM e WHERE id = 2)) $$);
SELECT * FROM pg_temp.try($$
  SELECT session_merge(st)
  FROM (SELECT session_agg(ts, '30 min', NULL, NULL, NULL, NULL) FROM e WHERE id = 1
        UNION ALL
        SELECT session_agg(ts, '30 min', NULL, NULL, NULL, session_rules(day_boundary => 'UTC'))
        FROM e WHERE id = 2) s(st) $$);

-- 6. Corrupt text input.  A valid state to start from: one session, one
-- event at 2026-09-01 10:00 UTC, view /home, event id e1 (see agg_basic).
CREATE TEMP TABLE good (hex text);
INSERT INTO good VALUES (
  '535a5354' || '01' || '00' || '00' ||
  '000000006b49d200' || 'ffffffffffffffff' || '0000000000002710' || '00000002' ||
  'ffffffff' || '0000000000000001' ||
  '0002fd67c01ce800' || '0002fd67c01ce800' || '0002fd682b66ba00' || '00000000' ||
  '0000000000000001' || '0000000000000001' || '0000000000000005' ||
  '0002fd67c01ce800' || '00000002' || '6531' || '00000005' || '2f686f6d65' ||
  '0002fd67c01ce800' || '00000002' || '6531' || '00000005' || '2f686f6d65');
SELECT * FROM pg_temp.try($$ SELECT hex::sessionstate FROM good $$);
-- not hexadecimal, odd number of digits: 22P02
SELECT * FROM pg_temp.try($$ SELECT 'zz'::sessionstate $$);
SELECT * FROM pg_temp.try($$ SELECT (hex || 'g0')::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$ SELECT 'abc'::sessionstate $$);
SELECT * FROM pg_temp.try($$ SELECT (hex || '0')::sessionstate FROM good $$);
-- hexadecimal but not a state: 22P03
SELECT * FROM pg_temp.try($$ SELECT ''::sessionstate $$);
SELECT * FROM pg_temp.try($$ SELECT '\x'::sessionstate $$);
SELECT * FROM pg_temp.try($$ SELECT '535a5354'::sessionstate $$);
SELECT * FROM pg_temp.try($$ SELECT repeat('ab', 100)::sessionstate $$);
SELECT * FROM pg_temp.try($$ SELECT ('00' || substr(hex, 3))::sessionstate FROM good $$);
-- truncated by one byte, by half, and with a byte too many
SELECT * FROM pg_temp.try($$ SELECT left(hex, -2)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$ SELECT left(hex, 100)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$ SELECT (hex || '00')::sessionstate FROM good $$);
-- one field wrong: version, mode, flags, session count, time zone, order of
-- start and end, view name not UTF-8
SELECT * FROM pg_temp.try($$ SELECT overlay(hex placing '02' from 9 for 2)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$ SELECT overlay(hex placing '07' from 11 for 2)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$ SELECT overlay(hex placing '80' from 13 for 2)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$
  SELECT overlay(hex placing '0000000000000002' from 79 for 16)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$
  SELECT overlay(hex placing '0000000000000000' from 79 for 16)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$
  SELECT overlay(hex placing '000000044d617273' from 71 for 8)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$
  SELECT overlay(hex placing '0002fd67c01ce801' from 95 for 16)::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$
  SELECT replace(hex, '2f686f6d65', '2f686fff65')::sessionstate FROM good $$);

-- 7. The bytea cast validates the same way; the binary receive function
-- (COPY ... BINARY) too.
SELECT * FROM pg_temp.try($$ SELECT '\x00'::bytea::sessionstate $$);
SELECT * FROM pg_temp.try($$ SELECT decode(left(hex, -2), 'hex')::sessionstate FROM good $$);
SELECT * FROM pg_temp.try($$ SELECT decode(hex, 'hex')::sessionstate FROM good $$);
\getenv abs_builddir PG_ABS_BUILDDIR
\set copyfile :abs_builddir '/results/agg_errors_states.bin'
-- bytea and sessionstate share their binary COPY form (the bytes)
CREATE TEMP TABLE raw (st bytea);
INSERT INTO raw SELECT decode(hex, 'hex') FROM good;
COPY raw TO :'copyfile' WITH (FORMAT binary);
CREATE TEMP TABLE states (st sessionstate);
SELECT * FROM pg_temp.try(format('COPY states FROM %L WITH (FORMAT binary)', :'copyfile'));
TRUNCATE raw;
INSERT INTO raw VALUES ('\x535a5354ff');
COPY raw TO :'copyfile' WITH (FORMAT binary);
SELECT * FROM pg_temp.try(format('COPY states FROM %L WITH (FORMAT binary)', :'copyfile'));
\x off
SELECT count(*) AS states_copied FROM states;
-- The same error as psql shows it.
SELECT 'not a state'::sessionstate;
SELECT '535a5354'::sessionstate;

-- 8. Not errors.
-- A NULL rules value, and session_rules() with every argument NULL, are the
-- defaults: the state of the four-argument overload.
SELECT session_agg(ts, '30 min', NULL, eng, NULL, NULL)::text
         = session_agg(ts, '30 min', NULL, eng)::text AS null_rules,
       session_agg(ts, '30 min', NULL, eng, NULL, session_rules(NULL, NULL, NULL, NULL))::text
         = session_agg(ts, '30 min', NULL, eng)::text AS all_null_session_rules,
       session_agg(ts, '30 min', NULL, eng, NULL, ROW(NULL, NULL, NULL, NULL)::sessionrules)::text
         = session_agg(ts, '30 min', NULL, eng)::text AS null_fields
FROM e WHERE id < 3;
SELECT session_rules(NULL, NULL, NULL, NULL);
-- A zero timeout: only events of the same instant share a session; a zero
-- max_duration, zero engaged thresholds.
SELECT s.session_number, s.session_start, s.events, s.engaged, s.split_reason
FROM (SELECT session_agg(ts, '0', NULL, NULL, NULL,
                         session_rules(max_duration => '0', engaged_duration => '0',
                                       engaged_views => 0)) AS st
      FROM (VALUES (timestamptz '2026-01-01 10:00'), ('2026-01-01 10:00'),
                   ('2026-01-01 10:00:00.000001')) v(ts)) a,
     sessions(a.st) s ORDER BY 1;
SELECT s.session_number, s.events, s.split_reason
FROM (SELECT session_agg(ts, '0') AS st
      FROM (VALUES (timestamptz '2026-01-01 10:00'), ('2026-01-01 10:00'),
                   ('2026-01-01 10:00:00.000001')) v(ts)) a,
     sessions(a.st) s ORDER BY 1;
-- A mixed-sign interval that is positive overall (23 hours).
SELECT session_count(session_agg(ts, '1 day -1 hour')) FROM e;
-- Bad values on events that are filtered out or have a NULL timestamp are
-- never read: infinity, NULL or negative timeouts, negative engagement.
SELECT session_count(session_agg(ts, t, NULL, eng) FILTER (WHERE id < 3)) AS filtered,
       session_count(session_agg(CASE WHEN id < 3 THEN ts END, t, NULL, eng)) AS null_ts
FROM e;
SELECT session_count(session_agg(ts, '30 min') FILTER (WHERE isfinite(ts))) AS n
FROM (VALUES (timestamptz '2026-01-01'), ('infinity'), ('-infinity')) v(ts);
-- No rows: nothing is evaluated, bad constant arguments go unnoticed.
SELECT session_agg(ts, NULL) IS NULL AS no_rows FROM e WHERE false;
-- Huge timeouts and timestamps at the ends of the range: no overflow.  The
-- first and last instants are about 299,000 years apart, more than the
-- timeout (100,000,000 days, about 274,000 years): two sessions.  Near the
-- end, ts + timeout is beyond the range: one session.
SELECT s.session_number, s.session_start, s.session_end, s.events, s.split_reason
FROM (SELECT session_agg(ts, '100000000 days') AS st
      FROM (VALUES (timestamptz '4713-01-01 00:00 BC'), ('294276-12-31 23:59:59.999999')) v(ts)) a,
     sessions(a.st) s ORDER BY 1;
SELECT s.session_number, s.session_start, s.session_end, s.events
FROM (SELECT session_agg(ts, '100000000 days') AS st
      FROM (VALUES (timestamptz '294276-12-31 00:00'), ('294276-12-31 23:59:59.999999')) v(ts)) a,
     sessions(a.st) s ORDER BY 1;
SELECT s.session_number, s.duration_ms, s.events
FROM (SELECT session_agg(ts, '1 day', NULL, NULL, NULL, session_rules(max_duration => '100000000 days')) AS st
      FROM (VALUES (timestamptz '4713-01-01 00:00 BC'), ('4713-01-01 00:00:01 BC')) v(ts)) a,
     sessions(a.st) s ORDER BY 1;
-- The text form accepts a \x prefix and upper-case digits.
SELECT ('\x' || upper(hex))::sessionstate::text = hex AS prefixed_upper FROM good;
