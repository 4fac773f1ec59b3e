-- Properties of viewing_agg over many randomized viewers: the same answer as
-- the plain-SQL way (gaps and islands over heartbeat intervals), in seconds
-- and per minute; the same bytes whatever the input order, the split into
-- partial states merged later, or a parallel plan; bounded state size; and a
-- randomized robustness test of corrupt states.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- 400 viewers, heartbeats every 10 s with jitter, retries, pauses and
-- per-row periods, inserted in random order into a regular table (parallel
-- scans need one).
SELECT setseed(0.77);
CREATE TABLE vp_hb AS
SELECT 'v' || lpad(v::text, 3, '0') AS viewer,
       timestamptz '2026-03-02 14:00' + (v % 17) * interval '1 min'
           + k * interval '10 s' + (random() - 0.5) * interval '1.2 s' AS ts,
       CASE WHEN random() < 0.9 THEN interval '10 s' ELSE interval '5 s' END AS hb,
       CASE WHEN random() < 0.05 THEN NULL ELSE random() < 0.6 END AS engaged,
       floor(random() * 5)::int AS part
FROM generate_series(1, 400) v
CROSS JOIN LATERAL generate_series(0, 30 + (v * 7) % 330) k
CROSS JOIN LATERAL generate_series(1, CASE WHEN random() < 0.04 THEN 2 ELSE 1 END) dup
WHERE (k / 40 + v) % 5 <> 0		-- pauses: some 400 s stretches missing
ORDER BY random();
-- and exact copies of 2 % of them (a retried request)
INSERT INTO vp_hb SELECT * FROM vp_hb WHERE random() < 0.02;
ANALYZE vp_hb;
SELECT count(*) AS heartbeats, count(DISTINCT viewer) AS viewers FROM vp_hb;

-- The plain-SQL reference: islands of overlapping or touching intervals.
CREATE TEMP VIEW vp_islands AS
WITH iv AS (
    SELECT viewer, ts AS lo, ts + hb AS hi, coalesce(engaged, false) AS engaged FROM vp_hb),
marked AS (
    SELECT viewer, lo, hi,
           CASE WHEN lo <= max(hi) OVER (PARTITION BY viewer ORDER BY lo, hi
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts
    FROM iv),
numbered AS (
    SELECT viewer, lo, hi, sum(starts) OVER (PARTITION BY viewer ORDER BY lo, hi, starts DESC) AS island FROM marked)
SELECT viewer, min(lo) AS lo, max(hi) AS hi FROM numbered GROUP BY viewer, island;

CREATE TEMP VIEW vp_engaged_islands AS
WITH iv AS (SELECT viewer, ts AS lo, ts + hb AS hi FROM vp_hb WHERE engaged),
marked AS (
    SELECT viewer, lo, hi,
           CASE WHEN lo <= max(hi) OVER (PARTITION BY viewer ORDER BY lo, hi
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts
    FROM iv),
numbered AS (
    SELECT viewer, lo, hi, sum(starts) OVER (PARTITION BY viewer ORDER BY lo, hi, starts DESC) AS island FROM marked)
SELECT viewer, min(lo) AS lo, max(hi) AS hi FROM numbered GROUP BY viewer, island;

CREATE TEMP TABLE vp_state AS
SELECT viewer, viewing_agg(ts, hb, engaged) AS s FROM vp_hb GROUP BY viewer;

-- 1. seconds viewed and engaged, exactly (compared in microseconds)
WITH ref AS (
    SELECT viewer, sum(EXTRACT(epoch FROM hi - lo)) AS viewed FROM vp_islands GROUP BY viewer),
eref AS (
    SELECT viewer, sum(EXTRACT(epoch FROM hi - lo)) AS engaged FROM vp_engaged_islands GROUP BY viewer)
SELECT count(*) AS viewers,
       count(*) FILTER (WHERE round(viewing_seconds(s)::numeric, 6) = round(ref.viewed, 6)) AS viewed_equal,
       count(*) FILTER (WHERE round(engaged_seconds(s)::numeric, 6) = round(coalesce(eref.engaged, 0), 6)) AS engaged_equal,
       count(*) FILTER (WHERE viewing_start(s) = (SELECT min(lo) FROM vp_islands i WHERE i.viewer = st.viewer)
                          AND viewing_end(s) = (SELECT max(hi) FROM vp_islands i WHERE i.viewer = st.viewer)) AS bounds_equal,
       -- the state holds one span per island (plus the engaged ones)
       count(*) FILTER (WHERE octet_length(s::bytea) = 12 + 16 * (
           (SELECT count(*) FROM vp_islands i WHERE i.viewer = st.viewer)
           + (SELECT count(*) FROM vp_engaged_islands i WHERE i.viewer = st.viewer))) AS size_is_islands
FROM vp_state st JOIN ref USING (viewer) LEFT JOIN eref USING (viewer);

-- 2. per minute: the islands cut at minute boundaries
WITH ref AS (
    SELECT viewer, m AS bucket_start,
           sum(EXTRACT(epoch FROM least(hi, m + interval '1 min') - greatest(lo, m))) AS viewed
    FROM vp_islands,
         generate_series(date_trunc('minute', lo), hi - interval '1 microsecond', interval '1 min') m
    GROUP BY 1, 2),
eref AS (
    SELECT viewer, m AS bucket_start,
           sum(EXTRACT(epoch FROM least(hi, m + interval '1 min') - greatest(lo, m))) AS engaged
    FROM vp_engaged_islands,
         generate_series(date_trunc('minute', lo), hi - interval '1 microsecond', interval '1 min') m
    GROUP BY 1, 2),
ours AS (
    SELECT viewer, b.* FROM vp_state, viewing_buckets(s, '2000-01-01', '1 minute') b)
SELECT count(*) AS buckets,
       count(*) FILTER (WHERE round(o.viewed_seconds::numeric, 6) = round(r.viewed, 6)
                          AND round(o.engaged_seconds::numeric, 6) = round(coalesce(e.engaged, 0), 6)) AS equal,
       count(*) FILTER (WHERE o.viewer IS NULL OR r.viewer IS NULL) AS missing
FROM ours o FULL JOIN ref r USING (viewer, bucket_start) LEFT JOIN eref e USING (viewer, bucket_start);

-- 3. order independence: ascending, descending and two random orders give
-- the same bytes
SELECT count(*) AS viewers,
       count(*) FILTER (WHERE a = d AND a = r1 AND a = r2 AND a = st.s::bytea) AS same_bytes
FROM (SELECT viewer,
             viewing_agg(ts, hb, engaged ORDER BY ts)::bytea AS a,
             viewing_agg(ts, hb, engaged ORDER BY ts DESC)::bytea AS d,
             viewing_agg(ts, hb, engaged ORDER BY md5(ts::text))::bytea AS r1,
             viewing_agg(ts, hb, engaged ORDER BY md5(viewer || ts::text || part))::bytea AS r2
      FROM vp_hb GROUP BY viewer) x
JOIN vp_state st USING (viewer);

-- 4. partial states merged later (five parts per viewer, in any order), and
-- merged pairwise with the two-argument viewing_merge
SELECT count(*) AS viewers, count(*) FILTER (WHERE m = st.s::bytea) AS merged_equal,
       count(*) FILTER (WHERE p = st.s::bytea) AS pairwise_equal
FROM (SELECT viewer, viewing_merge(s ORDER BY part DESC)::bytea AS m,
             viewing_merge(viewing_merge(viewing_merge(viewing_merge(
                 (array_agg(s ORDER BY part))[5], (array_agg(s ORDER BY part))[3]),
                 (array_agg(s ORDER BY part))[1]), (array_agg(s ORDER BY part))[4]),
                 (array_agg(s ORDER BY part))[2])::bytea AS p
      FROM (SELECT viewer, part, viewing_agg(ts, hb, engaged) AS s FROM vp_hb GROUP BY viewer, part) q
      GROUP BY viewer) x
JOIN vp_state st USING (viewer);

-- 5. parallel plans: partial aggregates in workers, serialized, combined
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
CREATE TEMP TABLE vp_plan (line text);
DO $$
DECLARE l text;
BEGIN
    FOR l IN EXPLAIN (COSTS OFF)
        SELECT viewer, viewing_agg(ts, hb, engaged) FROM vp_hb GROUP BY viewer
    LOOP INSERT INTO vp_plan VALUES (l); END LOOP;
    FOR l IN EXPLAIN (COSTS OFF) SELECT viewing_agg(ts, hb, engaged) FROM vp_hb
    LOOP INSERT INTO vp_plan VALUES (l); END LOOP;
END $$;
SELECT count(*) FILTER (WHERE line LIKE '%Partial%Aggregate%') AS partial_aggregates,
       count(*) FILTER (WHERE line LIKE '%Gather%') AS gathers
FROM vp_plan;
SELECT count(*) AS viewers, count(*) FILTER (WHERE p.s::bytea = st.s::bytea) AS parallel_equal
FROM (SELECT viewer, viewing_agg(ts, hb, engaged) AS s FROM vp_hb GROUP BY viewer) p
JOIN vp_state st USING (viewer);
-- one group over everything (the union of all viewers' heartbeats), and
-- viewing_merge in parallel over the stored states
CREATE TABLE vp_parts AS
SELECT viewer, part, viewing_agg(ts, hb, engaged) AS s FROM vp_hb GROUP BY viewer, part;
ANALYZE vp_parts;
SELECT (SELECT viewing_agg(ts, hb, engaged) FROM vp_hb)::bytea
     = (SELECT viewing_merge(s) FROM vp_state)::bytea AS all_equal,
       (SELECT viewing_merge(s) FROM vp_parts)::bytea
     = (SELECT viewing_merge(s) FROM vp_state)::bytea AS merge_all_equal;
SELECT count(*) AS viewers, count(*) FILTER (WHERE m.s::bytea = st.s::bytea) AS merge_parallel_equal
FROM (SELECT viewer, viewing_merge(s) AS s FROM vp_parts GROUP BY viewer) m
JOIN vp_state st USING (viewer);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- 6. memory: 100,000 shuffled heartbeats of one continuous viewer make one
-- span (pending spans are swept in as they come)
SELECT octet_length(s::bytea) AS bytes, viewing_seconds(s) AS seconds
FROM (SELECT viewing_agg(ts, '10 s', true) AS s
      FROM (SELECT timestamptz '2026-03-02' + k * interval '10 s' AS ts
            FROM generate_series(0, 99999) k ORDER BY md5(k::text)) x) y;

-- 7. corrupt states: valid states mutated thousands of times are either
-- rejected with a data error or accepted and readable; never a crash.
SELECT setseed(0.4243);
\set ECHO none
\i test/fuzz_mutate.sql
\set ECHO all

CREATE TEMP TABLE vp_fuzz (accepted int, rejected int, unexpected text[]);
DO $$
DECLARE
    seeds bytea[] := ARRAY(SELECT s::bytea FROM vp_state ORDER BY viewer LIMIT 40);
    b bytea;
    s viewingstate;
    acc int := 0;
    rej int := 0;
    bad text[] := '{}';
    i int;
BEGIN
    FOR i IN 1 .. 5000 LOOP
        b := pg_temp.fuzz_mutate(seeds[1 + (i % array_length(seeds, 1))], 12, 16);
        IF i % 5 = 0 THEN b := pg_temp.fuzz_mutate(b, 12, 16); END IF;
        BEGIN
            IF i % 2 = 0 THEN
                s := b::viewingstate;
            ELSE
                s := encode(b, 'hex')::viewingstate;
            END IF;
            -- accepted: it must be usable
            PERFORM viewing_seconds(s), engaged_seconds(s), viewing_start(s), viewing_end(s);
            -- (a mutated span may cover millennia: hourly buckets of it would
            -- be billions of rows, rightly, so only for a year of viewing)
            IF viewing_seconds(s) <= 366 * 86400 THEN
                PERFORM count(*) FROM viewing_buckets(s, '2026-03-02', '1 hour');
            END IF;
            PERFORM viewing_merge(s, seeds[1]::viewingstate);
            acc := acc + 1;
        EXCEPTION
            WHEN invalid_binary_representation OR invalid_text_representation
                 OR datetime_field_overflow THEN
                rej := rej + 1;
            WHEN OTHERS THEN
                bad := bad || (SQLSTATE || ': ' || SQLERRM);
        END;
    END LOOP;
    INSERT INTO vp_fuzz VALUES (acc, rej, bad);
END $$;
SELECT accepted + rejected AS handled, accepted > 0 AS some_accepted,
       rejected > 3000 AS most_rejected, unexpected
FROM vp_fuzz;

DROP TABLE vp_hb, vp_parts CASCADE;
