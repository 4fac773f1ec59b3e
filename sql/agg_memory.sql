-- Memory of session_agg is O(sessions), not O(events), under the timeout
-- rule, on sorted, shuffled and rotated input (sorted, read from the
-- middle).  Measured as the peak memory the HashAggregate node reports: four
-- times the events over the same 2,000 sessions must not need more memory.
-- With max_duration (events mode) the state keeps the events, and memory
-- grows with them, as documented.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET enable_sort = off;
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.11);

-- 2,000 sessions an hour apart; 50 or 200 events per session, 5 s apart
CREATE TEMP TABLE mem_small AS
SELECT 'u1'::text AS u, timestamptz '2026-01-01' + s * interval '1 hour' + e * interval '5 s' AS ts
FROM generate_series(1, 2000) s, generate_series(1, 50) e ORDER BY random();
CREATE TEMP TABLE mem_large AS
SELECT 'u1'::text AS u, timestamptz '2026-01-01' + s * interval '1 hour' + e * interval '5 s' AS ts
FROM generate_series(1, 2000) s, generate_series(1, 200) e ORDER BY random();
CREATE TEMP TABLE mem_large_sorted AS SELECT * FROM mem_large ORDER BY ts;
-- sorted, but read from the middle (as a synchronized scan does)
CREATE TEMP TABLE mem_large_rotated AS
SELECT * FROM mem_large ORDER BY ts >= timestamptz '2026-01-01' + interval '1000 hours' DESC, ts;
ANALYZE mem_small, mem_large, mem_large_sorted, mem_large_rotated;

-- pg_temp.plan_number(query, pattern): a number read off its EXPLAIN ANALYZE
\set ECHO none
\i test/plan_number.sql
\set ECHO all

-- the answers first: 2,000 sessions each time
SELECT (SELECT session_count(session_agg(ts, '30 min')) FROM mem_small) AS small,
       (SELECT session_count(session_agg(ts, '30 min')) FROM mem_large) AS large,
       (SELECT session_count(session_agg(ts, '30 min')) FROM mem_large_sorted) AS large_sorted,
       (SELECT session_count(session_agg(ts, '30 min')) FROM mem_large_rotated) AS large_rotated;

WITH m AS (
  SELECT pg_temp.plan_number('SELECT u, session_agg(ts, ''30 min'') FROM mem_small GROUP BY u', 'Memory Usage: (\d+)kB') AS small,
         pg_temp.plan_number('SELECT u, session_agg(ts, ''30 min'') FROM mem_large GROUP BY u', 'Memory Usage: (\d+)kB') AS large,
         pg_temp.plan_number('SELECT u, session_agg(ts, ''30 min'') FROM mem_large_sorted GROUP BY u', 'Memory Usage: (\d+)kB') AS large_sorted,
         pg_temp.plan_number('SELECT u, session_agg(ts, ''30 min'') FROM mem_large_rotated GROUP BY u', 'Memory Usage: (\d+)kB') AS large_rotated,
         pg_temp.plan_number('SELECT u, session_agg(ts, ''30 min'', NULL, NULL, NULL, session_rules(max_duration => ''1 day'')) FROM mem_small GROUP BY u', 'Memory Usage: (\d+)kB') AS ev_small,
         pg_temp.plan_number('SELECT u, session_agg(ts, ''30 min'', NULL, NULL, NULL, session_rules(max_duration => ''1 day'')) FROM mem_large GROUP BY u', 'Memory Usage: (\d+)kB') AS ev_large
)
SELECT large <= small * 1.25 AS shuffled_independent_of_events,
       large_sorted <= small * 1.25 AS sorted_independent_of_events,
       large_rotated <= small * 1.25 AS rotated_independent_of_events,
       small < 4096 AS small_state_under_4mb,
       ev_large > ev_small * 3 AS events_mode_grows_with_events
FROM m;
