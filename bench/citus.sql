-- bench/citus.sql: sessionize on a Citus cluster against the same data on one
-- node, in the same run (bench/citus.sh starts the cluster and runs this file
-- on the coordinator's database; \i paths relative to bench/).
--
-- The events of bench/generate.sql (user_pseudo_id varchar, as in AWS's
-- event_v2) go into ev_local, a plain table on the coordinator (one node),
-- and into ev_dist, distributed by user_pseudo_id with the default shard
-- count.  Each query runs over both, and over ev_local once more with
-- work_mem = 1GB (the default 4MB makes the single node's hash aggregate of
-- 200,000 users spill to disk, where each of Citus's shards fits in memory);
-- the checksums must agree.
--
--   sessions      one row per session: session_agg ... GROUP BY user +
--                 sessions(), summed (pushed down whole on Citus)
--   session view  the create_session_view() view, summed (pushed down whole)
--   cast group    the first query grouped by user_pseudo_id::text, the shape
--                 of the session view before it grouped by the uncast column:
--                 Citus pulls the events to the coordinator
--   session tables create_session_table() with an ingest column, and a
--                 refresh after 1 % new events (below)
--
-- Variables: users (200000: ~3.3M events), seed (0.42), runs (5): timed runs
-- per query, round robin after one warm-up run each; wall-clock time on the
-- coordinator (the work happens on the workers, so CPU time of one backend
-- means nothing here).  Prints a markdown report.

\if :{?users}
\else
\set users 200000
\endif
\if :{?seed}
\else
\set seed 0.42
\endif
\if :{?runs}
\else
\set runs 5
\endif
SET client_min_messages = error;
\set QUIET on

\o /dev/null
\i generate.sql
\o
CREATE TABLE ev_local (LIKE events);
ALTER TABLE ev_local ALTER COLUMN user_pseudo_id TYPE varchar;
INSERT INTO ev_local SELECT * FROM events;
DROP TABLE events;
CREATE TABLE ev_dist (LIKE ev_local);
SELECT create_distributed_table('ev_dist', 'user_pseudo_id') \g /dev/null
INSERT INTO ev_dist SELECT * FROM ev_local;
VACUUM ANALYZE ev_local;
VACUUM ANALYZE ev_dist;
SELECT create_session_view('ev_local', 'sv_local', dashboards => false) \g /dev/null
SELECT create_session_view('ev_dist', 'sv_dist', dashboards => false) \g /dev/null

CREATE TABLE citus_bench_query (ord int, name text, variant text, q text, work_mem text);
INSERT INTO citus_bench_query
SELECT ord, name, v.variant, replace(q, '{x}', v.suffix), v.work_mem
FROM (VALUES
    (1, 'one row per session: `session_agg` ... `GROUP BY user_pseudo_id` + `sessions()`', $q$
        SELECT count(*), sum(s.events), sum(s.duration_ms), sum(s.views), sum(s.engagement_ms)
        FROM (SELECT user_pseudo_id,
                     session_agg(event_timestamp, '30 minutes',
                                 coalesce(page_view_page_title, screen_view_screen_name),
                                 user_engagement_time_msec) AS state
              FROM ev{x} GROUP BY user_pseudo_id) a, sessions(a.state) s$q$),
    (2, 'the session view (`create_session_view`)', $q$
        SELECT count(*), sum(session_duration), sum(session_views), sum(engaged_session),
               sum(session_engagement_time)
        FROM sv{x}$q$),
    (3, 'the same aggregate grouped by `user_pseudo_id::text` (not the distribution column)', $q$
        SELECT count(*), sum(s.events), sum(s.duration_ms), sum(s.views), sum(s.engagement_ms)
        FROM (SELECT user_pseudo_id::text AS u,
                     session_agg(event_timestamp, '30 minutes',
                                 coalesce(page_view_page_title, screen_view_screen_name),
                                 user_engagement_time_msec) AS state
              FROM ev{x} GROUP BY user_pseudo_id::text) a, sessions(a.state) s$q$)
    ) AS x(ord, name, q),
    (VALUES ('one node', '_local', NULL), ('one node, work_mem 1GB', '_local', '1GB'),
            ('Citus', '_dist', NULL)) AS v(variant, suffix, work_mem);

CREATE TABLE citus_bench_result (ord int, variant text, run int, ms float8, checksum text);
CREATE FUNCTION pg_temp.citus_bench_plan(q text) RETURNS SETOF text
LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q; END $$;
SET bench.runs = :runs;

-- warm-up (also the checksums), then the timed runs, round robin
DO $$
DECLARE
    r record;
    i int;
    t0 timestamptz;
    cs text;
    default_work_mem text := current_setting('work_mem');
BEGIN
    FOR i IN 0..current_setting('bench.runs')::int LOOP
        FOR r IN SELECT * FROM citus_bench_query ORDER BY ord, variant LOOP
            PERFORM set_config('work_mem', coalesce(r.work_mem, default_work_mem), true);
            t0 := clock_timestamp();
            EXECUTE format('SELECT row(x.*)::text FROM (%s) x', r.q) INTO cs;
            INSERT INTO citus_bench_result
            VALUES (r.ord, r.variant, i, extract(epoch FROM clock_timestamp() - t0) * 1000, cs);
        END LOOP;
    END LOOP;
END $$;

\pset format unaligned
\pset tuples_only on
SELECT format('- data: bench/generate.sql users=%s seed=%s: %s events, %s sessions at a 30-minute timeout (%s on one node)',
              :'users', :'seed', (SELECT count(*) FROM ev_local),
              (SELECT count(*) FROM sv_local), pg_size_pretty(pg_relation_size('ev_local')));
SELECT format('- Citus %s: a coordinator and %s workers on this machine, %s shards of ev_dist; default settings (shared_buffers %s, work_mem %s, max_parallel_workers_per_gather %s, citus.max_adaptive_executor_pool_size %s)',
              (SELECT extversion FROM pg_extension WHERE extname = 'citus'),
              (SELECT count(*) FROM pg_dist_node WHERE groupid <> 0),
              (SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'ev_dist'::regclass),
              current_setting('shared_buffers'), current_setting('work_mem'),
              current_setting('max_parallel_workers_per_gather'),
              current_setting('citus.max_adaptive_executor_pool_size'));
SELECT format('- wall-clock ms on the coordinator, median of %s runs after a warm-up, round robin', :'runs');
SELECT '';
SELECT '| query | one node: ms | one node, `work_mem = 1GB`: ms | Citus: ms | one node / Citus | same result |';
SELECT '|---|---:|---:|---:|---:|---|';
SELECT format('| %s | %s | %s | %s | %s | %s |', q.name, round(l.med), round(m.med), round(d.med),
              round((l.med / d.med)::numeric, 2),
              CASE WHEN c.n = 1 THEN 'yes' ELSE 'NO' END)
FROM (SELECT DISTINCT ord, name FROM citus_bench_query) q,
     LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med
              FROM citus_bench_result WHERE ord = q.ord AND variant = 'one node' AND run > 0) l,
     LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med
              FROM citus_bench_result WHERE ord = q.ord AND variant = 'one node, work_mem 1GB' AND run > 0) m,
     LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med
              FROM citus_bench_result WHERE ord = q.ord AND variant = 'Citus' AND run > 0) d,
     LATERAL (SELECT count(DISTINCT checksum) AS n FROM citus_bench_result WHERE ord = q.ord) c
ORDER BY q.ord;
SELECT '';
SELECT format('- where session_agg runs on Citus (EXPLAIN VERBOSE: is it in the workers'' task queries?): %s',
              string_agg(format('query %s: %s', ord, w), '; ' ORDER BY ord))
FROM (SELECT ord, CASE WHEN bool_or(l ~ '^\s*Query: .*session_agg') THEN 'on the workers'
                       ELSE 'on the coordinator, over events pulled from the workers' END
                  || CASE WHEN bool_or(l ~ 'Distributed Subplan') THEN ' (a distributed subplan)' ELSE '' END AS w
      FROM citus_bench_query q, LATERAL pg_temp.citus_bench_plan(q.q) l
      WHERE variant = 'Citus' GROUP BY ord) x;
SELECT CASE WHEN bool_and(ok) THEN '- checksums: Citus and one node agree on every query'
            ELSE '- checksums: DISAGREE (see citus_bench_result)' END
FROM (SELECT count(DISTINCT checksum) = 1 AS ok FROM citus_bench_result GROUP BY ord) x;

-- Session tables (create_session_table with an ingest column) over each
-- table: on one node one state per session, on Citus the distributed layout
-- (docs/citus.md, Session tables).  The newest 1 % of the events and 0.1 %
-- late ones sampled over the whole history are held back; the build
-- (timed once) is made without them, they then arrive (ingest_ms = now),
-- and the refresh that takes them is timed :runs times, each rolled back
-- (a subtransaction) so that every round does the same work; a last one is
-- kept and the tables compared with the session view.  Then the same for
-- 10 more events.
SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY event_timestamp) AS cut FROM ev_local \gset
CREATE TABLE ev_new AS
SELECT * FROM ev_local WHERE event_timestamp >= :'cut' OR abs(hashtext(event_id)) % 1000 = 0;
DELETE FROM ev_local WHERE event_id IN (SELECT event_id FROM ev_new);
DELETE FROM ev_dist WHERE event_id IN (SELECT event_id FROM ev_new);
ALTER TABLE ev_local ADD COLUMN ingest_ms bigint DEFAULT 0;
ALTER TABLE ev_dist ADD COLUMN ingest_ms bigint DEFAULT 0;
CREATE INDEX ON ev_local (ingest_ms);
CREATE INDEX ON ev_dist (ingest_ms);
VACUUM ANALYZE ev_local;
VACUUM ANALYZE ev_dist;
CREATE TABLE citus_bench_table (variant text, step text, run int, ms float8, n bigint);
DO $$
DECLARE
    v record;
    t0 timestamptz;
    n bigint;
BEGIN
    FOR v IN VALUES ('one node', '_local'), ('Citus', '_dist') LOOP
        t0 := clock_timestamp();
        PERFORM create_session_table('ev' || v.column2, 'st' || v.column2, dashboards => false,
                                     ingest_column => 'ingest_ms', ingest_settle => '0 seconds');
        EXECUTE format('SELECT events_processed FROM %I', 'st' || v.column2 || '_config') INTO n;
        INSERT INTO citus_bench_table VALUES (v.column1, 'build', 0, extract(epoch FROM clock_timestamp() - t0) * 1000, n);
    END LOOP;
END $$;
INSERT INTO ev_local SELECT *, floor(extract(epoch FROM clock_timestamp()) * 1000) FROM ev_new;
INSERT INTO ev_dist SELECT *, floor(extract(epoch FROM clock_timestamp()) * 1000) FROM ev_new;
SELECT pg_sleep(0.1) \g /dev/null
-- :runs rounds of a refresh of each table, each rolled back (a
-- subtransaction) so that every round refreshes the same new events,
-- recorded as step
CREATE FUNCTION pg_temp.citus_bench_refreshes(step text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    i int;
    t0 timestamptz;
    n bigint;
BEGIN
    FOR i IN 1..current_setting('bench.runs')::int LOOP
        FOR v IN VALUES ('one node', 'st_local'), ('Citus', 'st_dist') LOOP
            BEGIN
                t0 := clock_timestamp();
                n := refresh_session_table(v.column2::regclass);
                RAISE EXCEPTION USING ERRCODE = 'P0001',
                    MESSAGE = (extract(epoch FROM clock_timestamp() - t0) * 1000)::text || ' ' || n;
            EXCEPTION WHEN raise_exception THEN
                INSERT INTO citus_bench_table
                VALUES (v.column1, step, i, split_part(SQLERRM, ' ', 1)::float8, split_part(SQLERRM, ' ', 2)::bigint);
            END;
        END LOOP;
    END LOOP;
END $$;
SELECT pg_temp.citus_bench_refreshes('refresh') \g /dev/null
SELECT refresh_session_table('st_local') \g /dev/null
SELECT refresh_session_table('st_dist') \g /dev/null
-- then 10 more events (copies of 10 new ones, a minute later), refreshed
-- the same way: the fixed cost of a refresh
CREATE TABLE ev_ten AS
SELECT * FROM ev_new ORDER BY event_id LIMIT 10;
UPDATE ev_ten SET event_id = 'ten-' || event_id, event_timestamp = event_timestamp + interval '1 minute';
INSERT INTO ev_local SELECT *, floor(extract(epoch FROM clock_timestamp()) * 1000) FROM ev_ten;
INSERT INTO ev_dist SELECT *, floor(extract(epoch FROM clock_timestamp()) * 1000) FROM ev_ten;
SELECT pg_sleep(0.1) \g /dev/null
SELECT pg_temp.citus_bench_refreshes('refresh of 10 events') \g /dev/null
SELECT refresh_session_table('st_local') \g /dev/null
SELECT refresh_session_table('st_dist') \g /dev/null
SELECT '';
SELECT format('Session tables: built over %s events, then a refresh of %s new events (the newest 1 %% and 0.1 %% late ones); build timed once, refresh median of %s rounds, each rolled back; wall-clock ms:',
              (SELECT n FROM citus_bench_table WHERE step = 'build' LIMIT 1), (SELECT count(*) FROM ev_new), :'runs');
SELECT '';
SELECT '| step | one node: ms | Citus: ms | one node / Citus |';
SELECT '|---|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s |', s.step, round(l.med), round(d.med), round((l.med / d.med)::numeric, 2))
FROM (VALUES (1, 'build'), (2, 'refresh'), (3, 'refresh of 10 events')) s(ord, step),
     LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med FROM citus_bench_table
              WHERE step = s.step AND variant = 'one node') l,
     LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med FROM citus_bench_table
              WHERE step = s.step AND variant = 'Citus') d
ORDER BY s.ord;
SELECT format('- refresh / build: one node %s, Citus %s',
              round((r.l / b.l)::numeric, 4), round((r.d / b.d)::numeric, 4))
FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE variant = 'one node') AS l,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE variant = 'Citus') AS d
      FROM citus_bench_table WHERE step = 'refresh') r,
     (SELECT max(ms) FILTER (WHERE variant = 'one node') AS l, max(ms) FILTER (WHERE variant = 'Citus') AS d
      FROM citus_bench_table WHERE step = 'build') b;
SELECT CASE WHEN (SELECT count(*) FROM (TABLE st_dist EXCEPT ALL TABLE sv_local) a) = 0
             AND (SELECT count(*) FROM (TABLE sv_local EXCEPT ALL TABLE st_dist) b) = 0
             AND (SELECT count(*) FROM (TABLE st_local EXCEPT ALL TABLE sv_local) c) = 0
             AND (SELECT count(*) FROM (TABLE sv_local EXCEPT ALL TABLE st_local) d) = 0
            THEN '- after the refreshes, both session tables equal the session view'
            ELSE '- after the refreshes, the session tables DIFFER from the session view' END;
