-- The C window functions against an independent implementation of the rules
-- (test/reference_impl.sql), on generated data: realistic and adversarial
-- gaps, ties, DST days around local midnight, key changes, start events,
-- excluded and NULL-timestamp events.  Prints only disagreements (none
-- expected) and per-combination counts that show what was exercised.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set ECHO none
\i test/reference_impl.sql
\set ECHO all

-- Days worth testing per time zone: DST changes (at local midnight in Havana
-- and Santiago), a skipped day (Apia 2011-12-30), a 30-minute DST (Lord
-- Howe), a 5:45 offset (Kathmandu), both epochs (1970 in London was +01).
CREATE TEMP TABLE zone_days (zone text, d date);
INSERT INTO zone_days VALUES
 ('America/New_York', '2024-03-10'), ('America/New_York', '2024-11-03'),
 ('Europe/London', '2024-03-31'), ('Europe/London', '2024-10-27'),
 ('Europe/London', '1970-01-01'),
 ('America/Havana', '2024-03-10'), ('America/Havana', '2024-11-03'),
 ('America/Santiago', '2024-04-07'), ('America/Santiago', '2024-09-08'),
 ('Pacific/Apia', '2011-12-29'), ('Pacific/Apia', '2011-12-31'),
 ('Australia/Lord_Howe', '2024-04-07'), ('Australia/Lord_Howe', '2024-10-06'),
 ('Asia/Kathmandu', '2024-01-01'),
 ('UTC', '1970-01-01'), ('UTC', '2000-01-01');

-- id is unique over the whole table: it is the tie-break of every window.
CREATE TEMP TABLE ev (
    u     text,         -- partition
    id    bigint,
    ts    timestamptz,
    tmo   interval,     -- per-event timeout
    k     text,         -- split key
    st    boolean,      -- start event
    c     boolean,      -- counted
    idk   text,         -- key of session_id
    zone  text          -- day_boundary, constant per user
);

CREATE FUNCTION gen_events(seed float8, tag text, users int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tmos interval[] := ARRAY['30 min', '10 min', '1 hour', '45 s', '0']::interval[];
    keys text[] := ARRAY['tab1', 'tab2', 'TAB1', '', NULL, U&'\00E9', U&'e\0301'];
    nid bigint := coalesce((SELECT max(id) FROM ev), 0);
    u text; z text; d date;
    specials timestamptz[];
    cur timestamptz; tmo_u interval; tmo interval; prev_tmo interval;
    k text; r float8; g interval; nxt timestamptz; grid boolean;
BEGIN
    PERFORM setseed(seed);
    FOR i IN 1..users LOOP
        u := tag || '-u' || lpad(i::text, 3, '0');
        SELECT zd.zone, zd.d INTO z, d FROM zone_days zd ORDER BY random() LIMIT 1;
        -- local midnights of the day and the next, and 1 us around them
        specials := ARRAY[]::timestamptz[];
        FOR j IN 0..1 LOOP
            nxt := ((d + j)::timestamp) AT TIME ZONE z;
            specials := specials || ARRAY[nxt - '1 us'::interval, nxt, nxt + '1 us'::interval];
        END LOOP;
        cur := specials[2] - (random() * 4 * 3600)::int * '1 s'::interval;
        IF random() < 0.3 THEN
            cur := cur + (random() * 1000000)::int * '1 us'::interval;
        END IF;
        tmo_u := tmos[1 + floor(random() * 5)::int];
        -- a fifth of the users: every gap a multiple of 10 minutes, so that
        -- events fall exactly max_duration after their session's start
        grid := random() < 0.2;
        prev_tmo := tmo_u;
        k := keys[1 + floor(random() * 4)::int];
        FOR j IN 1..(5 + floor(random() * 70)::int) LOOP
            r := random();
            g := CASE
                WHEN r < 0.10 THEN '0'
                WHEN r < 0.25 THEN prev_tmo
                WHEN r < 0.30 THEN '30 min'
                WHEN r < 0.33 THEN '30 min 0.000001 s'
                WHEN r < 0.36 THEN '29 min 59.999999 s'
                WHEN r < 0.39 THEN prev_tmo + '1 ms'
                WHEN r < 0.42 THEN greatest(prev_tmo - '1 ms', '0')
                WHEN r < 0.60 THEN (random() * extract(epoch FROM greatest(prev_tmo, '1 min')) * 1000000)::bigint * '1 us'::interval
                WHEN r < 0.70 THEN (1 + floor(random() * 6)) * '5 min'::interval
                WHEN r < 0.78 THEN coalesce((SELECT min(x) FROM unnest(specials) x WHERE x > cur) - cur, '1 s')
                WHEN r < 0.85 THEN (random() * 2000000)::int * '1 us'::interval
                WHEN r < 0.90 THEN (ARRAY['23 h', '24 h', '25 h', '23:59:59.999999', '24:00:00.000001'])[1 + floor(random() * 5)::int]::interval
                WHEN r < 0.95 THEN '30 min'::interval + (random() * 9000)::int * '1 s'::interval
                ELSE (1 + floor(random() * 1000)) * '1 ms'::interval
                END;
            IF grid THEN
                g := floor(random() * 4) * '10 min'::interval;
            END IF;
            cur := cur + g;
            tmo := CASE WHEN random() < 0.7 THEN tmo_u ELSE tmos[1 + floor(random() * 5)::int] END;
            IF random() < 0.08 THEN
                k := keys[1 + floor(random() * 7)::int];
            END IF;
            nid := nid + 1;
            INSERT INTO ev VALUES (
                u, nid,
                CASE WHEN random() < 0.03 THEN NULL ELSE cur END,
                tmo, k,
                CASE WHEN random() < 0.05 THEN true WHEN random() < 0.02 THEN NULL ELSE false END,
                CASE WHEN random() < 0.12 THEN false WHEN random() < 0.06 THEN NULL ELSE true END,
                CASE WHEN random() < 0.025 THEN NULL WHEN random() < 0.025 THEN u || '-alt' ELSE u END,
                z);
            prev_tmo := tmo;
        END LOOP;
    END LOOP;
END
$$;

DO $$
BEGIN
    PERFORM gen_events(0.11, 's1', 30);
    PERFORM gen_events(0.23, 's2', 30);
    PERFORM gen_events(0.37, 's3', 30);
    PERFORM gen_events(0.41, 's4', 30);
    PERFORM gen_events(0.53, 's5', 30);
END
$$;

-- Hand-made partitions: nothing counted, only NULL timestamps, one event,
-- a NULL partition key, excluded and NULL-ts events at both ends, and
-- x-rules: each rule and each precedence in turn (printed below).
INSERT INTO ev (u, id, ts, tmo, k, st, c, idk, zone) VALUES
 ('x-excluded', 1000001, '2024-01-01 00:00:00', '30 min', 'a', false, false, 'x-excluded', 'UTC'),
 ('x-excluded', 1000002, '2024-01-01 00:10:00', '30 min', 'a', true,  NULL,  'x-excluded', 'UTC'),
 ('x-null-ts',  1000003, NULL,                  '30 min', 'a', true,  true,  'x-null-ts',  'UTC'),
 ('x-null-ts',  1000004, NULL,                  '30 min', 'b', false, true,  'x-null-ts',  'UTC'),
 ('x-single',   1000005, '2024-01-01 00:00:00', '30 min', NULL, NULL, true,  'x-single',   'UTC'),
 (NULL,         1000006, '2024-01-01 00:00:00', '30 min', 'a', false, true,  NULL,         'UTC'),
 (NULL,         1000007, '2024-01-01 00:30:00', '30 min', 'a', false, true,  NULL,         'UTC'),
 (NULL,         1000008, '2024-01-01 01:00:00.000001', '30 min', 'a', false, true, NULL,   'UTC'),
 ('x-ends',     1000009, '2024-01-01 00:00:00', '30 min', 'a', true,  false, 'x-ends',     'UTC'),
 ('x-ends',     1000010, NULL,                  '30 min', 'b', true,  true,  'x-ends',     'UTC'),
 ('x-ends',     1000011, '2024-01-01 00:00:00', '30 min', 'b', false, true,  'x-ends',     'UTC'),
 ('x-ends',     1000012, '2024-01-01 00:20:00', '30 min', 'b', false, true,  'x-ends',     'UTC'),
 ('x-ends',     1000013, '2024-01-01 00:50:00.000001', '30 min', 'c', true, NULL, 'x-ends', 'UTC'),
 ('x-ends',     1000014, '2024-01-01 00:50:00', '30 min', 'b', false, true,  'x-ends',     'UTC'),
 ('x-ends',     1000015, '2024-01-01 02:00:00', '30 min', 'b', false, false, 'x-ends',     'UTC'),
 ('x-rules',    1000016, '2024-01-01 23:00:00', '30 min', NULL, false, true, 'x-rules',   'UTC'),
 ('x-rules',    1000017, '2024-01-01 23:10:00', '30 min', NULL, NULL,  true, 'x-rules',   'UTC'),
 ('x-rules',    1000018, '2024-01-01 23:10:00', '30 min', '',   false, true, 'x-rules',   'UTC'),
 ('x-rules',    1000019, '2024-01-01 23:10:00', '30 min', '',   true,  true, 'x-rules-2', 'UTC'),
 ('x-rules',    1000020, '2024-01-01 23:39:00', '1 hour', '',   false, false, 'x-rules',  'UTC'),
 ('x-rules',    1000021, '2024-01-01 23:50:00', '30 min', 'x',  false, true, 'x-rules',   'UTC'),
 ('x-rules',    1000022, '2024-01-02 00:00:00', '30 min', 'x',  false, true, 'x-rules',   'UTC'),
 ('x-rules',    1000023, '2024-01-02 00:00:00', '30 min', 'y',  true,  true, 'x-rules',   'UTC'),
 ('x-rules',    1000024, '2024-01-02 00:20:00', '1 hour', 'y',  false, true, 'x-rules',   'UTC'),
 ('x-rules',    1000025, '2024-01-02 01:10:00', '30 min', 'y',  false, true, 'x-rules',   'UTC'),
 ('x-rules',    1000026, '2024-01-02 01:40:00', '30 min', 'y',  false, true, 'x-rules',   'UTC'),
 ('x-rules',    1000027, '2024-01-02 02:00:00', '30 min', 'y',  false, true, 'x-rules',   'UTC'),
 ('x-rules',    1000028, '2024-01-02 02:00:00.000001', '30 min', 'y', false, true, 'x-rules', 'UTC');

SELECT count(*) AS events, count(DISTINCT u) AS users,
       count(*) FILTER (WHERE ts IS NULL) AS null_ts,
       count(*) FILTER (WHERE c IS NOT TRUE) AS not_counted,
       count(DISTINCT zone) AS zones, min(ts) AS first_ts, max(ts) AS last_ts
FROM ev;

-- What the C functions return (got) and what the reference says (want), one
-- row per event and rule combination.  session_start is stored as
-- timestamptz whatever the overload.
CREATE TEMP TABLE got (combo text, id bigint, n bigint, s timestamptz, sid text, r text);
CREATE TEMP TABLE want (LIKE got);
CREATE TEMP TABLE want_lag (LIKE got);

-- timeout only, constant
INSERT INTO got SELECT 'a timeout', id,
    session_number(ts, '30 min', counted => c) OVER w,
    session_start(ts, '30 min', counted => c) OVER w,
    session_id(idk, ts, '30 min', counted => c) OVER w,
    session_split_reason(ts, '30 min', counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'a timeout', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '30 min', NULL::interval, NULL, NULL, false, c, idk FROM ev$$);
INSERT INTO want_lag SELECT 'a timeout', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize_lag($$SELECT u, id, ts, interval '30 min', NULL::interval, NULL, NULL, false, c, idk FROM ev$$);

-- per-event timeout: expiry = max(ts_k + timeout_k) over the session
INSERT INTO got SELECT 'b timeout per event', id,
    session_number(ts, tmo, counted => c) OVER w,
    session_start(ts, tmo, counted => c) OVER w,
    session_id(idk, ts, tmo, counted => c) OVER w,
    session_split_reason(ts, tmo, counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'b timeout per event', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, tmo, NULL::interval, NULL, NULL, false, c, idk FROM ev$$);

-- zero timeout: only events at the same instant share a session
INSERT INTO got SELECT 'c timeout zero', id,
    session_number(ts, '0', counted => c) OVER w,
    session_start(ts, '0', counted => c) OVER w,
    session_id(idk, ts, '0', counted => c) OVER w,
    session_split_reason(ts, '0', counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'c timeout zero', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '0', NULL::interval, NULL, NULL, false, c, idk FROM ev$$);
INSERT INTO want_lag SELECT 'c timeout zero', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize_lag($$SELECT u, id, ts, interval '0', NULL::interval, NULL, NULL, false, c, idk FROM ev$$);

-- timeout and max_duration
INSERT INTO got SELECT 'd max_duration', id,
    session_number(ts, '30 min', '2 hours', counted => c) OVER w,
    session_start(ts, '30 min', '2 hours', counted => c) OVER w,
    session_id(idk, ts, '30 min', '2 hours', counted => c) OVER w,
    session_split_reason(ts, '30 min', '2 hours', counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'd max_duration', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '30 min', interval '2 hours', NULL, NULL, false, c, idk FROM ev$$);

-- max_duration alone (timeout too long to matter), a zero max_duration
INSERT INTO got SELECT 'e max_duration only', id,
    session_number(ts, '1000 days', '1 hour', counted => c) OVER w,
    session_start(ts, '1000 days', '1 hour', counted => c) OVER w,
    session_id(idk, ts, '1000 days', '1 hour', counted => c) OVER w,
    session_split_reason(ts, '1000 days', '1 hour', counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'e max_duration only', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '1000 days', interval '1 hour', NULL, NULL, false, c, idk FROM ev$$);
INSERT INTO got SELECT 'f max_duration zero', id,
    session_number(ts, '1000 days', '0', counted => c) OVER w,
    session_start(ts, '1000 days', '0', counted => c) OVER w,
    session_id(idk, ts, '1000 days', '0', counted => c) OVER w,
    session_split_reason(ts, '1000 days', '0', counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'f max_duration zero', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '1000 days', interval '0', NULL, NULL, false, c, idk FROM ev$$);

-- day rule alone, in each user's time zone (constant per partition)
INSERT INTO got SELECT 'g day only', id,
    session_number(ts, '1000 days', day_boundary => zone, counted => c) OVER w,
    session_start(ts, '1000 days', day_boundary => zone, counted => c) OVER w,
    session_id(idk, ts, '1000 days', day_boundary => zone, counted => c) OVER w,
    session_split_reason(ts, '1000 days', day_boundary => zone, counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'g day only', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '1000 days', NULL::interval, zone, NULL, false, c, idk FROM ev$$);
INSERT INTO want_lag SELECT 'g day only', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize_lag($$SELECT u, id, ts, interval '1000 days', NULL::interval, zone, NULL, false, c, idk FROM ev$$);

-- split key alone, and with a case-insensitive collation on the key: the
-- key is compared as bytes, so 'tab1' and 'TAB1' still differ
INSERT INTO got SELECT 'h key only', id,
    session_number(ts, '1000 days', split_key => k, counted => c) OVER w,
    session_start(ts, '1000 days', split_key => k, counted => c) OVER w,
    session_id(idk, ts, '1000 days', split_key => k, counted => c) OVER w,
    session_split_reason(ts, '1000 days', split_key => k, counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'h key only', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '1000 days', NULL::interval, NULL, k, false, c, idk FROM ev$$);
INSERT INTO want_lag SELECT 'h key only', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize_lag($$SELECT u, id, ts, interval '1000 days', NULL::interval, NULL, k, false, c, idk FROM ev$$);
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
INSERT INTO got SELECT 'i key collation', id,
    session_number(ts, '1000 days', split_key => k COLLATE ci, counted => c) OVER w,
    session_start(ts, '1000 days', split_key => k COLLATE ci, counted => c) OVER w,
    session_id(idk, ts, '1000 days', split_key => k COLLATE ci, counted => c) OVER w,
    session_split_reason(ts, '1000 days', split_key => k COLLATE ci, counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'i key collation', id, n, s, sid, r FROM want WHERE combo = 'h key only';

-- start events alone
INSERT INTO got SELECT 'j start_event only', id,
    session_number(ts, '1000 days', start_event => st, counted => c) OVER w,
    session_start(ts, '1000 days', start_event => st, counted => c) OVER w,
    session_id(idk, ts, '1000 days', start_event => st, counted => c) OVER w,
    session_split_reason(ts, '1000 days', start_event => st, counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'j start_event only', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '1000 days', NULL::interval, NULL, NULL, st, c, idk FROM ev$$);
INSERT INTO want_lag SELECT 'j start_event only', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize_lag($$SELECT u, id, ts, interval '1000 days', NULL::interval, NULL, NULL, st, c, idk FROM ev$$);

-- every rule but max_duration, constant timeout
INSERT INTO got SELECT 'k all but max', id,
    session_number(ts, '30 min', NULL, zone, k, st, c) OVER w,
    session_start(ts, '30 min', NULL, zone, k, st, c) OVER w,
    session_id(idk, ts, '30 min', NULL, zone, k, st, c) OVER w,
    session_split_reason(ts, '30 min', NULL, zone, k, st, c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'k all but max', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '30 min', NULL::interval, zone, k, st, c, idk FROM ev$$);
INSERT INTO want_lag SELECT 'k all but max', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize_lag($$SELECT u, id, ts, interval '30 min', NULL::interval, zone, k, st, c, idk FROM ev$$);

-- every rule, per-event timeout
INSERT INTO got SELECT 'l all', id,
    session_number(ts, tmo, '2 hours', zone, k, st, c) OVER w,
    session_start(ts, tmo, '2 hours', zone, k, st, c) OVER w,
    session_id(idk, ts, tmo, '2 hours', zone, k, st, c) OVER w,
    session_split_reason(ts, tmo, '2 hours', zone, k, st, c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'l all', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, tmo, interval '2 hours', zone, k, st, c, idk FROM ev$$);

-- the same with NULL timestamps first in the window order
INSERT INTO got SELECT 'm all, nulls first', id,
    session_number(ts, tmo, '2 hours', zone, k, st, c) OVER w,
    session_start(ts, tmo, '2 hours', zone, k, st, c) OVER w,
    session_id(idk, ts, tmo, '2 hours', zone, k, st, c) OVER w,
    session_split_reason(ts, tmo, '2 hours', zone, k, st, c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts NULLS FIRST, id);
INSERT INTO want SELECT 'm all, nulls first', id, n, s, sid, r FROM want WHERE combo = 'l all';

-- every rule, every event counted (counted left to its default)
INSERT INTO got SELECT 'n all, counted default', id,
    session_number(ts, tmo, '2 hours', zone, k, st) OVER w,
    session_start(ts, tmo, '2 hours', zone, k, st) OVER w,
    session_id(idk, ts, tmo, '2 hours', zone, k, st) OVER w,
    session_split_reason(ts, tmo, '2 hours', zone, k, st) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'n all, counted default', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, tmo, interval '2 hours', zone, k, st, true, idk FROM ev$$);

-- max_duration and day_boundary differ between partitions (constant
-- within each): NULL (no rule) for some users, a value for others
INSERT INTO got SELECT 'o per-user max_duration, day rule', id,
    session_number(ts, tmo, umax, uzone, k, st, c) OVER w,
    session_start(ts, tmo, umax, uzone, k, st, c) OVER w,
    session_id(idk, ts, tmo, umax, uzone, k, st, c) OVER w,
    session_split_reason(ts, tmo, umax, uzone, k, st, c) OVER w
FROM (SELECT *, CASE WHEN zone LIKE 'America/%' THEN interval '1 hour'
                     WHEN zone LIKE 'Europe/%' THEN NULL
                     ELSE interval '90 min' END AS umax,
                CASE WHEN zone NOT LIKE 'A%' THEN zone END AS uzone
      FROM ev) e
WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'o per-user max_duration, day rule', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, tmo,
                             CASE WHEN zone LIKE 'America/%' THEN interval '1 hour'
                                  WHEN zone LIKE 'Europe/%' THEN NULL
                                  ELSE interval '90 min' END,
                             CASE WHEN zone NOT LIKE 'A%' THEN zone END,
                             k, st, c, idk FROM ev$$);

-- A session time zone with DST: a day in an interval is still 24 hours
-- (23 h, 24 h and 25 h gaps across the New York DST changes).
SET timezone = 'America/New_York';
INSERT INTO got SELECT 'p timezone, 1-day intervals', id,
    session_number(ts, '1 day', '1 day', counted => c) OVER w,
    session_start(ts, '1 day', '1 day', counted => c) OVER w,
    session_id(idk, ts, '1 day', '1 day', counted => c) OVER w,
    session_split_reason(ts, '1 day', '1 day', counted => c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts, id);
INSERT INTO want SELECT 'p timezone, 1-day intervals', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, ts, interval '1 day', interval '1 day', NULL, NULL, false, c, idk FROM ev$$);

-- timestamp overload (read as UTC, whatever the session time zone)
INSERT INTO got SELECT 'q timestamp', id,
    session_number(ts AT TIME ZONE 'UTC', tmo, '2 hours', zone, k, st, c) OVER w,
    session_start(ts AT TIME ZONE 'UTC', tmo, '2 hours', zone, k, st, c) OVER w AT TIME ZONE 'UTC',
    session_id(idk, ts AT TIME ZONE 'UTC', tmo, '2 hours', zone, k, st, c) OVER w,
    session_split_reason(ts AT TIME ZONE 'UTC', tmo, '2 hours', zone, k, st, c) OVER w
FROM ev WINDOW w AS (PARTITION BY u ORDER BY ts AT TIME ZONE 'UTC', id);
INSERT INTO want SELECT 'q timestamp', id, n, s, sid, r FROM want WHERE combo = 'l all';
SET timezone = 'UTC';

-- bigint overload: epoch milliseconds (rounded down; negative before 1970),
-- with the per-event timeouts as they are and with 0.5 ms added to them
CREATE TEMP TABLE ev_ms AS
SELECT ev.*, floor(ref_us(ts) / 1000)::bigint AS ms FROM ev;
INSERT INTO got SELECT 'r bigint', id,
    session_number(ms, tmo, '2 hours', zone, k, st, c) OVER w,
    'epoch'::timestamptz + session_start(ms, tmo, '2 hours', zone, k, st, c) OVER w * interval '1 ms',
    session_id(idk, ms, tmo, '2 hours', zone, k, st, c) OVER w,
    session_split_reason(ms, tmo, '2 hours', zone, k, st, c) OVER w
FROM ev_ms WINDOW w AS (PARTITION BY u ORDER BY ms, id);
INSERT INTO want SELECT 'r bigint', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, 'epoch'::timestamptz + ms * interval '1 ms', tmo,
                             interval '2 hours', zone, k, st, c, idk FROM ev_ms$$);
INSERT INTO got SELECT 's bigint, sub-ms intervals', id,
    session_number(ms, tmo + '0.5 ms', '2 hours 0.7 ms', zone, k, st, c) OVER w,
    'epoch'::timestamptz + session_start(ms, tmo + '0.5 ms', '2 hours 0.7 ms', zone, k, st, c) OVER w * interval '1 ms',
    session_id(idk, ms, tmo + '0.5 ms', '2 hours 0.7 ms', zone, k, st, c) OVER w,
    session_split_reason(ms, tmo + '0.5 ms', '2 hours 0.7 ms', zone, k, st, c) OVER w
FROM ev_ms WINDOW w AS (PARTITION BY u ORDER BY ms, id);
INSERT INTO want SELECT 's bigint, sub-ms intervals', id, session_number, session_start, session_id, split_reason
FROM ref_sessionize($$SELECT u, id, 'epoch'::timestamptz + ms * interval '1 ms', tmo + '0.5 ms',
                             interval '2 hours 0.7 ms', zone, k, st, c, idk FROM ev_ms$$);

-- The hand-made partitions with every rule (per-event timeout, max_duration
-- 2 hours, day in UTC, key, start_event, counted), as the C functions see
-- them; these values were checked by hand against docs/semantics.md.
SELECT ev.u, id, ev.ts, ev.tmo, quote_nullable(ev.k) AS k, ev.st, ev.c, g.n, g.r, g.sid
FROM got g JOIN ev USING (id)
WHERE g.combo = 'l all' AND (ev.u LIKE 'x-%' OR ev.u IS NULL)
ORDER BY id;

-- Disagreements between the C functions and the reference (none expected).
SELECT combo, id, ev.u, ev.ts, g.n, w.n AS ref_n, g.s, w.s AS ref_s,
       g.sid, w.sid AS ref_sid, g.r, w.r AS ref_r
FROM got g FULL JOIN want w USING (combo, id) LEFT JOIN ev USING (id)
WHERE (g.n, g.s, g.sid, g.r) IS DISTINCT FROM (w.n, w.s, w.sid, w.r)
ORDER BY combo, id
LIMIT 20;

-- Disagreements between the two reference implementations (none expected).
SELECT combo, id, w.n, l.n AS lag_n, w.s, l.s AS lag_s, w.sid, l.sid AS lag_sid, w.r, l.r AS lag_r
FROM want w JOIN want_lag l USING (combo, id)
WHERE (w.n, w.s, w.sid, w.r) IS DISTINCT FROM (l.n, l.s, l.sid, l.r)
ORDER BY combo, id
LIMIT 20;

-- What was compared: events, events in a session, sessions, split reasons.
SELECT combo, count(*) AS events, count(n) AS in_session, count(r) AS sessions,
       (SELECT count(*) FROM want_lag l WHERE l.combo = w.combo) AS lag_checked,
       string_agg(DISTINCT r, ',') AS reasons
FROM want w
GROUP BY combo
ORDER BY combo;

-- The boundaries were hit: number of events in each case.
CREATE TEMP VIEW a AS
SELECT w.combo, ev.*, w.n, w.s, w.r,
       ts - lag(ts) OVER p AS gap,
       lag(ts + tmo) OVER p AS prev_expiry,
       lag(ts AT TIME ZONE zone) OVER p AS prev_local,
       first_value(idk) OVER (PARTITION BY w.combo, u, w.n ORDER BY ts, id) AS first_idk
FROM ev JOIN want w USING (id)
WHERE w.n IS NOT NULL
WINDOW p AS (PARTITION BY w.combo, u ORDER BY ts, id);
SELECT 'a: gap = timeout, same session' AS "case", count(*) AS events
FROM a WHERE combo = 'a timeout' AND gap = '30 min' AND r IS NULL
UNION ALL
SELECT 'a: gap = timeout + 1 us, new session', count(*)
FROM a WHERE combo = 'a timeout' AND gap = '30 min 0.000001' AND r = 'timeout'
UNION ALL
SELECT 'b: after the previous event''s expiry, same session', count(*)
FROM a WHERE combo = 'b timeout per event' AND ts > prev_expiry AND r IS NULL
UNION ALL
SELECT 'e: max_duration after the start, same session', count(*)
FROM a WHERE combo = 'e max_duration only' AND ts - s = '1 hour' AND r IS NULL
UNION ALL
SELECT 'f: zero max_duration, tie with the previous event, same session', count(*)
FROM a WHERE combo = 'f max_duration zero' AND gap = '0' AND r IS NULL
UNION ALL
SELECT 'g: at a local midnight, new session', count(*)
FROM a WHERE combo = 'g day only' AND (ts AT TIME ZONE zone)::time = '00:00' AND r = 'day'
UNION ALL
SELECT 'g: 1 us before a local midnight, same session', count(*)
FROM a WHERE combo = 'g day only' AND (ts AT TIME ZONE zone)::time = '23:59:59.999999' AND r IS NULL
UNION ALL
SELECT 'g: local time went back, same session', count(*)
FROM a WHERE combo = 'g day only' AND ts AT TIME ZONE zone < prev_local AND r IS NULL
UNION ALL
SELECT 'l: tie with the previous event, new session', count(*)
FROM a WHERE combo = 'l all' AND gap = '0' AND r IS NOT NULL
UNION ALL
SELECT 'l: id key differs from the session''s first event', count(*)
FROM a WHERE combo = 'l all' AND idk IS DISTINCT FROM first_idk
UNION ALL
SELECT 'l: session start with sub-millisecond digits', count(*)
FROM a WHERE combo = 'l all' AND r IS NOT NULL AND extract(microseconds FROM ts)::bigint % 1000 <> 0
UNION ALL
SELECT 'p: gap of 24 h in a 1-day timeout, same session', count(*)
FROM a WHERE combo = 'p timezone, 1-day intervals' AND gap = '24 hours' AND r IS NULL
UNION ALL
SELECT 'p: gap of 25 h in a 1-day timeout, new session', count(*)
FROM a WHERE combo = 'p timezone, 1-day intervals' AND gap = '25 hours' AND r = 'timeout'
ORDER BY 1;
