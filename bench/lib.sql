-- bench/lib.sql: the benchmark harness, loaded by bench/run.sh into the
-- benchmark database before the suites.
--
-- A suite file (bench/<suite>.sql) registers its queries in bench_query and
-- its goals in bench_goal, and may run correctness checks of its own.
-- CALL bench_run(suite, runs) then times every query of the suite inside the
-- server (clock_timestamp() around EXECUTE: no rows go to the client, no
-- EXPLAIN instrumentation), round robin so that a drift of the machine hits
-- every query alike, and bench_report(suite) prints the result as markdown.
--
-- CPU time is that of the backend plus that of its parallel workers: a
-- worker is a child of the postmaster, which adds the CPU time of the
-- children it has reaped to its own /proc/<pid>/stat (cutime, cstime), and
-- a query returns only once its workers are reaped.  So the difference
-- around a query counts every worker of the query, provided no other child
-- of the postmaster ends meanwhile (run.sh runs nothing else, and turns
-- autovacuum off).

CREATE TABLE bench_query (
    suite text NOT NULL,
    ord int NOT NULL,			-- order in the report
    name text NOT NULL,			-- short name used by the goals
    label text NOT NULL,		-- what the report shows
    ref boolean NOT NULL DEFAULT false,	-- the suite's baseline (ratio 1.00)
    check_group text,			-- queries of one group must give one checksum
    expect text[] NOT NULL DEFAULT '{}',	-- strings the EXPLAIN VERBOSE must show
    sql text NOT NULL,			-- returns one row, one column: the checksum
    PRIMARY KEY (suite, name)
);

-- ratio = median(num) / median(den), or with base (the query that does only
-- the part every query shares): (median(num) - median(base)) /
-- (median(den) - median(base)).  op NULL: shown, not judged.
CREATE TABLE bench_goal (
    suite text NOT NULL,
    ord int NOT NULL,
    label text NOT NULL,
    num text NOT NULL,
    den text NOT NULL,
    base text,
    op text CHECK (op IN ('<=', '>=')),
    bound float8
);

CREATE TABLE bench_result (
    suite text NOT NULL,
    name text NOT NULL,
    run int NOT NULL,
    ms float8 NOT NULL,			-- wall time
    cpu_ms float8,				-- CPU time (user + system) of the backend
								-- and its parallel workers
    workers_cpu_ms float8,		-- the part of cpu_ms spent in parallel workers
    checksum text				-- the query's result, as text
);

CREATE TABLE bench_plan (
    suite text NOT NULL,
    name text NOT NULL,
    plan text NOT NULL
);

-- CPU time (user + system) in ms, from /proc (Linux; ticks of 10 ms): own_ms
-- of this backend, from /proc/self/stat, and children_ms of the children its
-- parent, the postmaster, has reaped so far (parallel workers among them),
-- from /proc/<ppid>/stat (0 if that cannot be read); NULL if /proc/self/stat
-- cannot be read.
CREATE FUNCTION bench_cpu(OUT own_ms float8, OUT children_ms float8)
LANGUAGE plpgsql
AS $$
DECLARE
    f text[];
    p text[];
BEGIN
    -- the fields after the command name "(postgres)": ppid is the 2nd,
    -- utime the 12th, stime, cutime and cstime the next three
    f := string_to_array(substring(pg_read_file('/proc/self/stat') FROM '\) (.*)$'), ' ');
    own_ms := (f[12]::bigint + f[13]::bigint) * 10.0;
    BEGIN
        p := string_to_array(substring(pg_read_file('/proc/' || f[2] || '/stat') FROM '\) (.*)$'), ' ');
        children_ms := (p[14]::bigint + p[15]::bigint) * 10.0;
    EXCEPTION WHEN OTHERS THEN
        children_ms := 0;	-- the parent cannot be read: the backend alone
    END;
EXCEPTION WHEN OTHERS THEN
    own_ms := NULL;
    children_ms := NULL;
END
$$;

-- Run one query, return its wall time, its CPU time (backend and parallel
-- workers) and the workers' part of it in ms, and its single value.
CREATE FUNCTION bench_time(q text, OUT ms float8, OUT cpu_ms float8,
                           OUT workers_cpu_ms float8, OUT checksum text)
LANGUAGE plpgsql
AS $$
DECLARE
    t0 timestamptz;
    c0 record;
    c1 record;
BEGIN
    c0 := bench_cpu();
    t0 := clock_timestamp();
    -- dynamic SQL runs without a row limit: parallel plans stay parallel
    EXECUTE q INTO checksum;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    c1 := bench_cpu();
    workers_cpu_ms := c1.children_ms - c0.children_ms;
    cpu_ms := c1.own_ms - c0.own_ms + workers_cpu_ms;
END
$$;

-- Warm up (one EXPLAIN ANALYZE, whose plan is kept and checked, and
-- p_warmup plain runs per query), then p_runs rounds of every query.
CREATE PROCEDURE bench_run(p_suite text, p_runs int, p_warmup int DEFAULT 1)
LANGUAGE plpgsql
AS $$
DECLARE
    q record;
    n int;
    r int;
    i int;
    line text;
    plan text;
    pat text;
    res record;
BEGIN
    SELECT count(*) INTO n FROM bench_query WHERE suite = p_suite;
    IF n = 0 THEN
        RAISE EXCEPTION 'benchmark suite "%" has no query', p_suite;
    END IF;

    FOR q IN SELECT * FROM bench_query WHERE suite = p_suite ORDER BY ord LOOP
        plan := '';
        FOR line IN EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) ' || q.sql LOOP
            plan := plan || line || E'\n';
        END LOOP;
        INSERT INTO bench_plan VALUES (p_suite, q.name, plan);
        FOREACH pat IN ARRAY q.expect LOOP
            IF position(pat IN plan) = 0 THEN
                RAISE EXCEPTION 'plan of %.% does not show "%"', p_suite, q.name, pat
                    USING DETAIL = plan;
            END IF;
        END LOOP;
        -- sorts, hash aggregates (more than one batch, Disk Usage) and
        -- hash joins that do not fit in memory
        IF plan ~ 'Sort Method: external|Disk: |Disk Usage: |Storage: Disk|Batches: ([2-9]|[1-9][0-9])' THEN
            RAISE EXCEPTION 'plan of %.% spills to disk: raise work_mem', p_suite, q.name
                USING DETAIL = plan;
        END IF;
        FOR i IN 1 .. p_warmup LOOP
            PERFORM bench_time(q.sql);
        END LOOP;
        RAISE NOTICE 'warmed up %.%', p_suite, q.name;
    END LOOP;

    FOR r IN 1 .. p_runs LOOP
        -- rotate the order from one round to the next
        FOR q IN SELECT * FROM bench_query WHERE suite = p_suite
                 ORDER BY (ord + r) % n, ord LOOP
            res := bench_time(q.sql);
            INSERT INTO bench_result VALUES (p_suite, q.name, r, res.ms, res.cpu_ms,
                                             res.workers_cpu_ms, res.checksum);
        END LOOP;
        RAISE NOTICE 'round % of % done', r, p_runs;
    END LOOP;
END
$$;

-- Every run of a query gives one checksum, and the queries of a check group
-- agree.  Raises an error naming the culprits otherwise.
CREATE FUNCTION bench_check(p_suite text) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(name, ', ') INTO bad
    FROM (SELECT name FROM bench_result WHERE suite = p_suite
          GROUP BY name HAVING count(DISTINCT checksum) > 1) AS x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'checksum differs between runs of %', bad;
    END IF;
    SELECT string_agg(format('%s: %s', check_group, sums), '; ') INTO bad
    FROM (SELECT q.check_group,
                 string_agg(DISTINCT format('%s=%s', r.name, r.checksum), ' ') AS sums
          FROM bench_query AS q JOIN bench_result AS r USING (suite, name)
          WHERE q.suite = p_suite AND q.check_group IS NOT NULL
          GROUP BY q.check_group
          HAVING count(DISTINCT r.checksum) > 1) AS x;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'queries that must agree give different checksums: %', bad;
    END IF;
END
$$;

-- Median, min and max per query of a suite, on the clock p_clock ('cpu' or
-- 'wall'; 'cpu' falls back to wall time where CPU time is unknown), and the
-- median of the other clock, and of the CPU time of parallel workers.
CREATE FUNCTION bench_medians(p_suite text, p_clock text)
RETURNS TABLE (name text, median float8, min float8, max float8,
               median_wall float8, median_cpu float8, min_cpu float8,
               median_workers_cpu float8)
LANGUAGE sql
AS $$
SELECT name,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t),
       min(t), max(t),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_ms),
       min(cpu_ms),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY workers_cpu_ms)
FROM (SELECT name, ms, cpu_ms, workers_cpu_ms,
             CASE WHEN p_clock = 'cpu' THEN coalesce(cpu_ms, ms) ELSE ms END AS t
      FROM bench_result WHERE suite = p_suite) AS r
GROUP BY name
$$;

-- The goals of a suite with their ratios: on the clock p_clock (judged), on
-- both clocks, and of the minimum CPU times (the least disturbed runs).
CREATE FUNCTION bench_goals(p_suite text, p_clock text)
RETURNS TABLE (ord int, label text, op text, bound float8, ratio float8,
               ratio_wall float8, ratio_cpu float8, ratio_min_cpu float8,
               met boolean)
LANGUAGE sql
AS $$
WITH m AS (SELECT * FROM bench_medians(p_suite, p_clock)),
r AS (
    SELECT g.ord, g.label, g.op, g.bound,
           (n.median - coalesce(b.median, 0))
             / nullif(d.median - coalesce(b.median, 0), 0) AS ratio,
           (n.median_wall - coalesce(b.median_wall, 0))
             / nullif(d.median_wall - coalesce(b.median_wall, 0), 0) AS ratio_wall,
           (n.median_cpu - coalesce(b.median_cpu, 0))
             / nullif(d.median_cpu - coalesce(b.median_cpu, 0), 0) AS ratio_cpu,
           (n.min_cpu - coalesce(b.min_cpu, 0))
             / nullif(d.min_cpu - coalesce(b.min_cpu, 0), 0) AS ratio_min_cpu
    FROM bench_goal AS g
    JOIN m AS n ON n.name = g.num
    JOIN m AS d ON d.name = g.den
    LEFT JOIN m AS b ON b.name = g.base
    WHERE g.suite = p_suite
)
SELECT r.*,
       CASE r.op WHEN '<=' THEN r.ratio <= r.bound
                 WHEN '>=' THEN r.ratio >= r.bound END
FROM r
$$;

-- The markdown report of a suite: the queries, then the goals.  When
-- parallel workers ran, a last column shows their part of the CPU time.
CREATE FUNCTION bench_report(p_suite text, p_clock text DEFAULT 'cpu')
RETURNS SETOF text
LANGUAGE sql
AS $$
WITH m AS (
    SELECT q.ord, q.label, q.ref, b.*
    FROM bench_query AS q JOIN bench_medians(p_suite, p_clock) AS b USING (name)
    WHERE q.suite = p_suite
), ref AS (
    SELECT median FROM m WHERE ref
), goals AS (
    SELECT * FROM bench_goals(p_suite, p_clock)
), clk AS (
    SELECT CASE p_clock WHEN 'cpu' THEN 'CPU' ELSE 'wall' END AS this,
           CASE p_clock WHEN 'cpu' THEN 'wall' ELSE 'CPU' END AS other,
           EXISTS (SELECT FROM bench_result
                   WHERE suite = p_suite AND workers_cpu_ms > 0) AS workers
)
SELECT line FROM (
    SELECT 1 AS part, 0 AS ord,
           format('| query | median %s ms | min | max | × %s | median %s ms |%s',
                  clk.this, coalesce((SELECT label FROM m WHERE ref), 'ref'), clk.other,
                  CASE WHEN clk.workers THEN ' of which workers'' CPU ms |' ELSE '' END) AS line
    FROM clk
    UNION ALL
    SELECT 1, 1, '|---|---:|---:|---:|---:|---:|' || CASE WHEN clk.workers THEN '---:|' ELSE '' END
    FROM clk
    UNION ALL
    SELECT 1, 10 + m.ord,
           format('| %s | %s | %s | %s | %s | %s |%s', m.label,
                  round(m.median::numeric), round(m.min::numeric), round(m.max::numeric),
                  coalesce(to_char(m.median / nullif((SELECT median FROM ref), 0), 'FM990.00'), '-'),
                  round((CASE p_clock WHEN 'cpu' THEN m.median_wall
                         ELSE m.median_cpu END)::numeric),
                  CASE WHEN clk.workers
                       THEN format(' %s |', round(m.median_workers_cpu::numeric)) ELSE '' END)
    FROM m, clk
    UNION ALL
    SELECT 2, 0, '' WHERE EXISTS (SELECT FROM goals)
    UNION ALL
    SELECT 2, 1, '| ratio | median CPU | median wall | min CPU | goal | |' WHERE EXISTS (SELECT FROM goals)
    UNION ALL
    SELECT 2, 2, '|---|---:|---:|---:|---:|---|' WHERE EXISTS (SELECT FROM goals)
    UNION ALL
    SELECT 2, 10 + goals.ord,
           format('| %s | %s | %s | %s | %s | %s |', goals.label,
                  coalesce(to_char(goals.ratio_cpu, 'FM990.00'), '-'),
                  coalesce(to_char(goals.ratio_wall, 'FM990.00'), '-'),
                  coalesce(to_char(goals.ratio_min_cpu, 'FM990.00'), '-'),
                  coalesce(goals.op || ' ' || to_char(goals.bound, 'FM990.00'), ''),
                  CASE WHEN goals.met THEN 'met'
                       WHEN NOT goals.met THEN '**MISSED**'
                       ELSE '' END)
    FROM goals
) AS x
ORDER BY part, ord
$$;

-- Number of goals of a suite that are missed (for BENCH_STRICT=1).
CREATE FUNCTION bench_missed(p_suite text, p_clock text DEFAULT 'cpu')
RETURNS bigint
LANGUAGE sql
AS $$
SELECT count(*) FROM bench_goals(p_suite, p_clock) WHERE NOT met
$$;
