-- session_agg and session_merge in parallel plans (partial aggregates in
-- workers, combined in the leader, states serialized between them) give the
-- result of the serial plan, byte for byte.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- Parallel scans need a regular (not temporary) table.  Events are inserted
-- in random order, so every user's events are spread over the whole table
-- and each worker holds a part of every user's sessions.
SELECT setseed(0.5);
CREATE TABLE agg_parallel_ev AS
SELECT 'u' || lpad(floor(r[1] * 200)::text, 3, '0') AS u,
       CASE WHEN r[2] < 0.05 THEN NULL ELSE lpad(g::text, 6, '0') END AS id,
       CASE WHEN r[3] < 0.01 THEN NULL
            ELSE timestamptz '2026-03-28 00:00' + floor(r[4] * 2000) * interval '5 min'
       END AS ts,
       (ARRAY[interval '10 min', '30 min', '1 hour'])[1 + floor(r[5] * 3)::int] AS timeout,
       CASE WHEN r[6] < 0.6 THEN '/p' || floor(r[7] * 20) END AS view,
       CASE WHEN r[8] < 0.5 THEN floor(r[9] * 5000)::bigint END AS eng,
       CASE WHEN r[10] < 0.05 THEN NULL ELSE 'tab' || floor(r[11] * 1.1)::int END AS key,
       r[12] < 0.03 AS flag,
       r[13] >= 0.1 AS counted,
       floor(r[14] * 20)::int AS part
FROM (SELECT g, ARRAY(SELECT random() FROM generate_series(1, 15) WHERE g > 0) AS r
      FROM generate_series(1, 40000) g) x
ORDER BY r[15];
ANALYZE agg_parallel_ev;
SELECT count(*) AS events, count(DISTINCT u) AS users FROM agg_parallel_ev;

-- Force parallel plans: workers do all the scanning and partial aggregation.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SET enable_hashagg = off;

-- 1. session_agg under five rule sets at once, GROUP BY user and for one
-- user (one group).
-- Temporary views over the regular table (the views are inlined: nothing
-- temporary is scanned).
CREATE TEMP VIEW agg_by_user AS
SELECT u,
  session_agg(ts, '30 min', view, eng) FILTER (WHERE counted) AS s1,
  session_agg(ts, '30 min', view, eng, id, session_rules(day_boundary => 'Europe/Paris'))
    FILTER (WHERE counted) AS s2,
  session_agg(ts, '30 min', view, eng, id, session_rules(max_duration => '1 hour'))
    FILTER (WHERE counted) AS s3,
  session_agg(ts, '30 min', view, eng, id, NULL, key, flag) FILTER (WHERE counted) AS s4,
  session_agg(ts, timeout, view, eng, id, NULL) FILTER (WHERE counted) AS s5
FROM agg_parallel_ev GROUP BY u;
CREATE TEMP VIEW agg_one AS
SELECT
  session_agg(ts, '30 min', view, eng) FILTER (WHERE counted) AS s1,
  session_agg(ts, '30 min', view, eng, id, session_rules(day_boundary => 'Europe/Paris'))
    FILTER (WHERE counted) AS s2,
  session_agg(ts, '30 min', view, eng, id, session_rules(max_duration => '1 hour'))
    FILTER (WHERE counted) AS s3,
  session_agg(ts, '30 min', view, eng, id, NULL, key, flag) FILTER (WHERE counted) AS s4,
  session_agg(ts, timeout, view, eng, id, NULL) FILTER (WHERE counted) AS s5
FROM agg_parallel_ev WHERE u = 'u007';
EXPLAIN (COSTS OFF) SELECT * FROM agg_by_user;
EXPLAIN (COSTS OFF) SELECT * FROM agg_one;
-- Digests (md5) of the states' text forms and of their sessions, kept in
-- psql variables: first with the parallel plans, then with serial ones.
CREATE FUNCTION pg_temp.sessions_text(st sessionstate) RETURNS text
LANGUAGE sql AS $$ SELECT coalesce(string_agg(s::text, ';' ORDER BY s.session_number), '-')
                   FROM sessions(st) s $$;
\set digest_by_user 'SELECT md5(string_agg(u || coalesce(s1::text, $$-$$) || coalesce(s2::text, $$-$$) || coalesce(s3::text, $$-$$) || coalesce(s4::text, $$-$$) || coalesce(s5::text, $$-$$), $$,$$ ORDER BY u)) AS states, md5(string_agg(u || pg_temp.sessions_text(s1) || pg_temp.sessions_text(s2) || pg_temp.sessions_text(s3) || pg_temp.sessions_text(s4) || pg_temp.sessions_text(s5), $$,$$ ORDER BY u)) AS sessions, sum(session_count(s1)) AS n1, sum(session_count(s5)) AS n5 FROM agg_by_user'
\set digest_one 'SELECT md5(s1::text || s2::text || s3::text || s4::text || s5::text) AS states, md5(pg_temp.sessions_text(s1) || pg_temp.sessions_text(s2) || pg_temp.sessions_text(s3) || pg_temp.sessions_text(s4) || pg_temp.sessions_text(s5)) AS sessions, session_count(s1) AS n1, session_count(s5) AS n5, s1::text AS one_s1 FROM agg_one'
:digest_by_user \gset par_user_
:digest_one \gset par_one_
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT * FROM agg_one;
:digest_by_user \gset ser_user_
:digest_one \gset ser_one_
SET max_parallel_workers_per_gather = 2;
SELECT :'par_user_states' = :'ser_user_states' AS by_user_same_states,
       :'par_user_sessions' = :'ser_user_sessions' AS by_user_same_sessions,
       :'par_one_states' = :'ser_one_states' AS one_group_same_states,
       :'par_one_sessions' = :'ser_one_sessions' AS one_group_same_sessions;
-- Non-trivial: sessions counted by both plans (timeout 30 min and per-row).
SELECT :par_user_n1 AS by_user_sessions, :ser_user_n1 AS serial,
       :par_user_n5 AS by_user_per_row, :ser_user_n5 AS serial_per_row,
       :par_one_n1 AS one_group_sessions, :ser_one_n1 AS serial_one;

-- 2. session_merge over stored states: each user's events aggregated in 20
-- parts, then merged, in parallel and serially, GROUP BY user and for one
-- user; the results are the aggregates over the events.
CREATE TABLE agg_parallel_st AS
SELECT u, part,
  session_agg(ts, '30 min', view, eng) FILTER (WHERE counted) AS s1,
  session_agg(ts, '30 min', view, eng, id, session_rules(day_boundary => 'Europe/Paris'))
    FILTER (WHERE counted) AS s2,
  session_agg(ts, '30 min', view, eng, id, session_rules(max_duration => '1 hour'))
    FILTER (WHERE counted) AS s3,
  session_agg(ts, '30 min', view, eng, id, NULL, key, flag) FILTER (WHERE counted) AS s4,
  session_agg(ts, timeout, view, eng, id, NULL) FILTER (WHERE counted) AS s5
FROM agg_parallel_ev GROUP BY u, part ORDER BY random();
ANALYZE agg_parallel_st;
SELECT count(*) AS part_states, count(*) FILTER (WHERE s1 IS NULL) AS null_states
FROM agg_parallel_st;
CREATE TEMP VIEW merge_by_user AS
SELECT u, session_merge(s1) AS s1, session_merge(s2) AS s2, session_merge(s3) AS s3,
       session_merge(s4) AS s4, session_merge(s5) AS s5
FROM agg_parallel_st GROUP BY u;
CREATE TEMP VIEW merge_one AS
SELECT session_merge(s1) AS s1, session_merge(s2) AS s2, session_merge(s3) AS s3,
       session_merge(s4) AS s4, session_merge(s5) AS s5
FROM agg_parallel_st WHERE u = 'u007';
EXPLAIN (COSTS OFF) SELECT * FROM merge_by_user;
EXPLAIN (COSTS OFF) SELECT * FROM merge_one;
\set mdigest_by_user 'SELECT md5(string_agg(u || coalesce(s1::text, $$-$$) || coalesce(s2::text, $$-$$) || coalesce(s3::text, $$-$$) || coalesce(s4::text, $$-$$) || coalesce(s5::text, $$-$$), $$,$$ ORDER BY u)) AS states, md5(string_agg(u || pg_temp.sessions_text(s1) || pg_temp.sessions_text(s2) || pg_temp.sessions_text(s3) || pg_temp.sessions_text(s4) || pg_temp.sessions_text(s5), $$,$$ ORDER BY u)) AS sessions FROM merge_by_user'
\set mdigest_one 'SELECT md5(s1::text || s2::text || s3::text || s4::text || s5::text) AS states, md5(pg_temp.sessions_text(s1) || pg_temp.sessions_text(s2) || pg_temp.sessions_text(s3) || pg_temp.sessions_text(s4) || pg_temp.sessions_text(s5)) AS sessions FROM merge_one'
:mdigest_by_user \gset mpar_user_
:mdigest_one \gset mpar_one_
SET max_parallel_workers_per_gather = 0;
:mdigest_by_user \gset mser_user_
:mdigest_one \gset mser_one_
SET max_parallel_workers_per_gather = 2;
SELECT :'mpar_user_states' = :'mser_user_states' AS by_user_same_states,
       :'mpar_user_sessions' = :'mser_user_sessions' AS by_user_same_sessions,
       :'mpar_one_states' = :'mser_one_states' AS one_group_same_states,
       :'mpar_one_sessions' = :'mser_one_sessions' AS one_group_same_sessions;
-- The merged parts equal the aggregates over the events.
SELECT :'mpar_user_states' = :'ser_user_states' AS merged_by_user_is_agg_by_user,
       :'mpar_one_states' = :'ser_one_states' AS merged_one_is_agg_one,
       :'mpar_user_sessions' = :'ser_user_sessions' AS same_sessions_by_user,
       :'mpar_one_sessions' = :'ser_one_sessions' AS same_sessions_one;

-- 3. A worker may see only NULL states of a group: the merge is still right.
CREATE TABLE agg_parallel_nulls AS
SELECT g % 10 AS k, CASE WHEN g % 10 = 0 AND g % 1000 = 0 THEN s.s1 END AS st
FROM generate_series(1, 20000) g, (SELECT s1 FROM agg_one) s;
ANALYZE agg_parallel_nulls;
EXPLAIN (COSTS OFF) SELECT k, session_merge(st) FROM agg_parallel_nulls GROUP BY k;
SELECT k, session_count(session_merge(st)) AS sessions, count(st) AS states
FROM agg_parallel_nulls GROUP BY k ORDER BY k;

-- 4. The same with hash aggregation (the plan most GROUP BY user queries
-- get): partial hash aggregates in the workers, serialized states combined
-- by the leader's hash aggregate.
SET enable_hashagg = on;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT * FROM agg_by_user;
:digest_by_user \gset hpar_user_
SELECT :'hpar_user_states' = :'ser_user_states' AS hashed_same_states,
       :'hpar_user_sessions' = :'ser_user_sessions' AS hashed_same_sessions,
       :hpar_user_n1 AS hashed_sessions, :hpar_user_n5 AS hashed_per_row;
RESET enable_sort;

DROP TABLE agg_parallel_ev, agg_parallel_st, agg_parallel_nulls CASCADE;
