-- viewing_agg and its readers on crafted viewers whose viewing time, engaged
-- time and per-minute buckets are computed by hand; errors; corrupt states.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

CREATE TEMP TABLE hb (viewer text, ts timestamptz, engaged boolean);

-- ada: six heartbeats 10:00:00 .. 10:00:50 (10 s each), the first two
-- engaged: 60 s viewed, 20 s engaged, all in minute 10:00.
INSERT INTO hb SELECT 'ada', timestamptz '2026-03-02 10:00:00' + k * interval '10 s', k < 2
FROM generate_series(0, 5) k;
-- ...each heartbeat sent twice (a retry), the copy not engaged: nothing changes
INSERT INTO hb SELECT 'ada', ts, false FROM hb WHERE viewer = 'ada';

-- ben: jittered heartbeats at 10:01:00.3, 10:01:09.8, 10:01:20.1:
-- [60.3, 70.3) u [69.8, 79.8) u [80.1, 90.1) = [60.3, 79.8) u [80.1, 90.1)
-- = 19.5 s + 10 s = 29.5 s, engaged only the middle one: 10 s.
INSERT INTO hb VALUES
    ('ben', '2026-03-02 10:01:00.3', true),
    ('ben', '2026-03-02 10:01:09.8', true),
    ('ben', '2026-03-02 10:01:20.1', NULL);	-- NULL engaged: not engaged
UPDATE hb SET engaged = false WHERE viewer = 'ben' AND ts = '2026-03-02 10:01:00.3';

-- cy: one heartbeat across a minute boundary, 10:02:55 -> 10:03:05: 5 s in
-- minute 10:02 and 5 s in 10:03, engaged; then one at 10:05:00, not engaged;
-- a row without a time is skipped.
INSERT INTO hb VALUES
    ('cy', '2026-03-02 10:02:55', true),
    ('cy', '2026-03-02 10:05:00', false),
    ('cy', NULL, true);

CREATE TEMP VIEW st AS
SELECT viewer, viewing_agg(ts, '10 seconds', engaged) AS s FROM hb GROUP BY viewer;

SELECT viewer, viewing_seconds(s), engaged_seconds(s), viewing_start(s), viewing_end(s)
FROM st ORDER BY viewer;

-- per minute, aligned on the hour
SELECT viewer, b.*
FROM st, viewing_buckets(s, '2026-03-02 10:00', '1 minute') b
ORDER BY viewer, bucket_start;

-- buckets aligned on another origin (as date_bin does): 30 s buckets from
-- 10:00:15 -> ada's minute splits as 15 s | 30 s | 15 s
SELECT b.* FROM st, viewing_buckets(s, '2026-03-02 10:00:15', '30 seconds') b
WHERE viewer = 'ada' ORDER BY bucket_start;
-- an origin after the data works the same (buckets before the origin)
SELECT b.* FROM st, viewing_buckets(s, '2026-03-02 12:00:00', '1 hour') b
WHERE viewer = 'cy';

-- the state holds spans, not heartbeats: ada's 12 rows are one span
SELECT viewer, octet_length(s::bytea) AS bytes FROM st ORDER BY viewer;
SELECT s FROM st WHERE viewer = 'ada';

-- a heartbeat period per row (the player changed it): 10:00:00 for 30 s and
-- 10:00:20 for 5 s overlap: 30 s
SELECT viewing_seconds(viewing_agg(ts, hb, true))
FROM (VALUES (timestamptz '2026-03-02 10:00:00', interval '30 s'),
             ('2026-03-02 10:00:20', '5 s')) v(ts, hb);

-- timestamp without time zone is read as UTC, whatever the session zone
SET timezone = 'America/New_York';
SELECT viewing_agg(ts AT TIME ZONE 'UTC', '10 s', engaged)::bytea
     = (SELECT s::bytea FROM st WHERE viewer = 'ben') AS same_as_utc
FROM hb WHERE viewer = 'ben';
SET timezone = 'UTC';

-- no heartbeat: NULL state, NULL readers
SELECT viewing_agg(ts, '10 s', true) IS NULL AS no_rows FROM hb WHERE false;
SELECT viewing_agg(NULL::timestamptz, '10 s', true) IS NULL AS only_null_times;
SELECT viewing_seconds(NULL), engaged_seconds(NULL), viewing_start(NULL);
SELECT count(*) FROM viewing_buckets(NULL, now(), '1 minute');

-- merging: the union of the heartbeats (ada and ben together: 60 + 29.5 s)
SELECT viewing_seconds(viewing_merge(s)), engaged_seconds(viewing_merge(s))
FROM st WHERE viewer IN ('ada', 'ben');
SELECT viewing_seconds(viewing_merge(a.s, b.s))
FROM st a, st b WHERE a.viewer = 'ada' AND b.viewer = 'ben';
SELECT viewing_merge(s, NULL)::bytea = s::bytea AS null_right,
       viewing_merge(NULL, s)::bytea = s::bytea AS null_left,
       viewing_merge(NULL::viewingstate, NULL) IS NULL AS both_null,
       viewing_merge(s, s)::bytea = s::bytea AS idempotent
FROM st WHERE viewer = 'cy';

-- text form round trip
SELECT bool_and(s::text::viewingstate::bytea = s::bytea) AS text_round_trip,
       bool_and(s::bytea::viewingstate::bytea = s::bytea) AS bytea_round_trip
FROM st;

-- bad arguments: clear errors
SELECT viewing_agg(ts, NULL, true) FROM hb;
SELECT viewing_agg(ts, '-10 s', true) FROM hb;
SELECT viewing_agg(ts, '0 s', true) FROM hb;
SELECT viewing_agg(ts, '1 day -86400 s', true) FROM hb;
SELECT viewing_agg(ts, '1 month', true) FROM hb;
SELECT viewing_agg(timestamptz 'infinity', '10 s', true);
SELECT viewing_agg(timestamptz '-infinity', '10 s', true);
SELECT * FROM st, viewing_buckets(s, now(), '0 s') WHERE viewer = 'ada';
SELECT * FROM st, viewing_buckets(s, now(), '-1 minute') WHERE viewer = 'ada';
SELECT * FROM st, viewing_buckets(s, now(), '1 month') WHERE viewer = 'ada';
SELECT * FROM st, viewing_buckets(s, 'infinity', '1 minute') WHERE viewer = 'ada';
-- a heartbeat at the end of the timestamp range is cut there (viewing_end
-- shows the last valid instant); one at the very last instant still counts
SELECT viewing_seconds(s), viewing_end(s)
FROM (SELECT viewing_agg(timestamptz '294276-12-31 23:59:50+00', '1 hour', true) s) x;
SELECT viewing_seconds(s), viewing_seconds(s::text::viewingstate) AS after_text_round_trip
FROM (SELECT viewing_agg(timestamptz '294276-12-31 23:59:59.999999+00', '1 s', true) s) x;
-- ...and lies too far from an origin at the start of the range for int64 offsets
SELECT b.* FROM (SELECT viewing_agg(timestamptz '294276-12-31 23:59:50+00', '1 hour', true) s) x,
     viewing_buckets(s, '4713-01-01 00:00+00 BC', '1 day') b;

-- corrupt states: errors, never a crash
SELECT 'zz'::viewingstate;
SELECT '\x5601'::viewingstate;
SELECT ''::viewingstate;
SELECT '000100000000000100000000'::viewingstate;	-- not the mark
SELECT '560200000000000000000000'::viewingstate;	-- unknown version
SELECT '560100010000000000000000'::viewingstate;	-- reserved byte
SELECT '5601000000000001000000000000'::viewingstate;	-- length vs counts
SELECT '56010000ffffffff00000000'::viewingstate;	-- negative count
SELECT '560100000000000000000000'::viewingstate IS NOT NULL AS empty_state_ok;
-- a span of zero length, a reversed one, spans out of order, spans that touch
SELECT ('\x56010000' || '00000001' || '00000000' || '0000000000000010' || '0000000000000010')::viewingstate;
SELECT ('\x56010000' || '00000001' || '00000000' || '0000000000000020' || '0000000000000010')::viewingstate;
SELECT ('\x56010000' || '00000002' || '00000000' || '0000000000000030' || '0000000000000040'
                                                 || '0000000000000010' || '0000000000000020')::viewingstate;
SELECT ('\x56010000' || '00000002' || '00000000' || '0000000000000010' || '0000000000000020'
                                                 || '0000000000000020' || '0000000000000030')::viewingstate;
-- beyond the timestamp range
SELECT ('\x56010000' || '00000001' || '00000000' || '7ffffffffffffff0' || '7fffffffffffffff')::viewingstate;
-- engaged time outside viewing time
SELECT ('\x56010000' || '00000001' || '00000001' || '0000000000000010' || '0000000000000020'
                                                 || '0000000000000018' || '0000000000000028')::viewingstate;
SELECT ('\x56010000' || '00000000' || '00000001' || '0000000000000010' || '0000000000000020')::viewingstate;
-- the same checks through the bytea cast
SELECT '\x5601000000000001000000000000000000000010'::bytea::viewingstate;
-- a valid hand-written state: [16 us, 32 us) viewed, [16, 24) engaged
SELECT viewing_seconds(s) * 1e6 AS viewed_us, engaged_seconds(s) * 1e6 AS engaged_us
FROM (SELECT ('\x56010000' || '00000001' || '00000001' || '0000000000000010' || '0000000000000020'
                                                      || '0000000000000010' || '0000000000000018')::viewingstate s) x;
