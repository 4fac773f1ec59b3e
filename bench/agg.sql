-- bench/agg.sql: the "agg" suites of bench/run.sh (agg: parallel workers off;
-- agg_parallel: on).
--
-- One row per session with all its metrics (30-minute timeout, one state
-- per user), against the plain SQL that gives the same rows and against the
-- cheapest GROUP BY over the same groups.  Every query is wrapped so that no
-- row goes to the client: the per-session rows feed one aggregate whose
-- text result is the checksum
--   SELECT concat_ws(' ', 'sessions=' || count(*), 'events=' || sum(events),
--                    ..., 'exit=' || sum(hashtext(exit_view))) FROM (...) s
--
--   floor       the floor: SELECT user_pseudo_id, count(*) ... GROUP BY
--               user_pseudo_id (wrapped as sum(count))
--   ours        session_agg(ts, '30 min', view, engagement) per user, then
--               sessions(state): one row per session
--   ours_eid    the same with the 6-argument overload (event_id breaks ties
--               between events at the same instant)
--   ours_state  for reference: session_agg and its final function only (no
--               sessions(), no per-session rows): count(state)
--   builtin     for reference: what reading the same columns costs with
--               built-in aggregates, count(*), max(ts), count(view) and
--               sum(engagement) per user (the outer query uses all four, so
--               that the planner keeps them)
--   plain       what people write today: lag() flags the gaps, a running
--               sum() numbers the sessions, GROUP BY (user, session number)
--               computes the metrics, array_agg(... ORDER BY) the entry and
--               exit views
--
-- ours and plain must give the same checksum: plain breaks ties between
-- views at the same instant as the 4-argument session_agg does (by view
-- name, bytewise), and a NULL view is never a view.  Before the timed runs a
-- row-by-row check compares every column of every session of ours and of
-- ours_eid with the plain SQL.
--
-- psql variables: suite (default agg) names the suite; parallel (default 0):
-- 1 when the session allows parallel plans (run.sh sets
-- max_parallel_workers_per_gather = 2 and zero parallel costs on the
-- database); the plans must then show them.

\if :{?suite}
\else
\set suite agg
\endif
\if :{?parallel}
\else
\set parallel 0
\endif

-- What the plans must show (bench_run fails on a missing string, and on any
-- spill to disk).  Parallel: partial aggregation in the workers, finalized in
-- the leader, and both workers really launched; for the plain SQL the planner
-- can only sort in parallel (Gather Merge): the window functions and the
-- ordered aggregates run in the leader.
\if :parallel
\set expect_agg '{"Partial HashAggregate","Finalize HashAggregate","Workers Launched: 2"}'
\set expect_plain '{"Gather Merge","Workers Launched: 2","lag(events.event_timestamp) OVER"}'
\else
\set expect_agg '{"HashAggregate","Batches: 1"}'
\set expect_plain '{"lag(events.event_timestamp) OVER","array_agg("}'
\endif

INSERT INTO bench_query (suite, ord, name, label, ref, check_group, expect, sql) VALUES
(:'suite', 1, 'floor', 'floor: `SELECT user, count(*) ... GROUP BY user`', true, NULL,
 :'expect_agg'::text[],
 $q$SELECT sum(n) FROM (SELECT user_pseudo_id, count(*) AS n
    FROM events GROUP BY user_pseudo_id) s$q$),
(:'suite', 2, 'ours', 'session_agg(ts, ''30 min'', view, eng) + sessions()', false, 'sessions',
 :'expect_agg'::text[] || ARRAY['session_agg(events.event_timestamp', 'Function Scan on public.sessions'],
 $q$SELECT concat_ws(' ', 'sessions=' || count(*), 'events=' || sum(events),
    'views=' || sum(views), 'engagement=' || sum(engagement_ms),
    'duration=' || sum(duration_ms), 'engaged=' || count(*) FILTER (WHERE engaged),
    'entry=' || sum(hashtext(entry_view)), 'exit=' || sum(hashtext(exit_view)))
    FROM (SELECT user_pseudo_id,
                 session_agg(event_timestamp, '30 min',
                             coalesce(page_view_page_title, screen_view_screen_name),
                             user_engagement_time_msec) AS st
          FROM events GROUP BY user_pseudo_id) x,
         sessions(x.st) s$q$),
(:'suite', 3, 'ours_eid', 'the same, 6 args: ties broken by event_id', false, NULL,
 :'expect_agg'::text[] || ARRAY['events.event_id, NULL::sessionrules)', 'Function Scan on public.sessions'],
 $q$SELECT concat_ws(' ', 'sessions=' || count(*), 'events=' || sum(events),
    'views=' || sum(views), 'engagement=' || sum(engagement_ms),
    'duration=' || sum(duration_ms), 'engaged=' || count(*) FILTER (WHERE engaged),
    'entry=' || sum(hashtext(entry_view)), 'exit=' || sum(hashtext(exit_view)))
    FROM (SELECT user_pseudo_id,
                 session_agg(event_timestamp, '30 min',
                             coalesce(page_view_page_title, screen_view_screen_name),
                             user_engagement_time_msec, event_id, NULL) AS st
          FROM events GROUP BY user_pseudo_id) x,
         sessions(x.st) s$q$),
(:'suite', 4, 'ours_state', 'session_agg only (states, no sessions())', false, NULL,
 :'expect_agg'::text[] || ARRAY['session_agg(events.event_timestamp'],
 $q$SELECT count(st)
    FROM (SELECT user_pseudo_id,
                 session_agg(event_timestamp, '30 min',
                             coalesce(page_view_page_title, screen_view_screen_name),
                             user_engagement_time_msec) AS st
          FROM events GROUP BY user_pseudo_id) x$q$),
(:'suite', 5, 'builtin', 'built-in aggregates over the same columns: count(*), max(ts), count(view), sum(eng)', false, NULL,
 :'expect_agg'::text[],
 $q$SELECT sum(n), max(m), sum(v), sum(e)
    FROM (SELECT user_pseudo_id, count(*) AS n, max(event_timestamp) AS m,
                 count(coalesce(page_view_page_title, screen_view_screen_name)) AS v,
                 sum(user_engagement_time_msec) AS e
          FROM events GROUP BY user_pseudo_id) s$q$),
(:'suite', 6, 'plain', 'plain SQL: lag() + sum() OVER, GROUP BY, array_agg(ORDER BY)', false, 'sessions',
 :'expect_plain'::text[],
 $q$SELECT concat_ws(' ', 'sessions=' || count(*), 'events=' || sum(events),
    'views=' || sum(views), 'engagement=' || sum(engagement_ms),
    'duration=' || sum(duration_ms), 'engaged=' || count(*) FILTER (WHERE engaged),
    'entry=' || sum(hashtext(entry_view)), 'exit=' || sum(hashtext(exit_view)))
    FROM (
        SELECT user_pseudo_id, sn AS session_number,
               min(ts) AS session_start, max(ts) AS session_end,
               floor(extract(epoch FROM max(ts) - min(ts)) * 1000)::bigint AS duration_ms,
               count(*) AS events, count(v) AS views,
               coalesce(sum(eng), 0) AS engagement_ms,
               (array_agg(v ORDER BY ts, v COLLATE "C")
                  FILTER (WHERE v IS NOT NULL))[1] AS entry_view,
               (array_agg(v ORDER BY ts DESC, v COLLATE "C" DESC)
                  FILTER (WHERE v IS NOT NULL))[1] AS exit_view,
               floor(extract(epoch FROM max(ts) - min(ts)) * 1000) > 10000
                 OR count(v) >= 2 AS engaged
        FROM (SELECT user_pseudo_id, ts, v, eng,
                     sum(new_session) OVER (PARTITION BY user_pseudo_id ORDER BY ts) AS sn
              FROM (SELECT user_pseudo_id, event_timestamp AS ts,
                           coalesce(page_view_page_title, screen_view_screen_name) AS v,
                           user_engagement_time_msec AS eng,
                           CASE WHEN event_timestamp - lag(event_timestamp)
                                     OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp)
                                     <= interval '30 minutes'
                                THEN 0 ELSE 1 END AS new_session
                    FROM events) e) l
        GROUP BY user_pseudo_id, sn) s$q$);

-- The goals of the issue, then ratios for reference.  The speedup over the
-- plain SQL cannot exceed plain / floor: the goal of 8 needs ours within
-- plain / 8 of the floor, which the row "ceiling of the speedup" shows.
INSERT INTO bench_goal (suite, ord, label, num, den, base, op, bound) VALUES
(:'suite', 1, 'ours / floor', 'ours', 'floor', NULL, '<=', 1.6),
(:'suite', 2, 'plain SQL / ours (speedup)', 'plain', 'ours', NULL, '>=', 8),
(:'suite', 3, 'ours with event_id / floor', 'ours_eid', 'floor', NULL, NULL, NULL),
(:'suite', 4, 'plain SQL / ours with event_id', 'plain', 'ours_eid', NULL, NULL, NULL),
(:'suite', 5, 'session_agg only / floor', 'ours_state', 'floor', NULL, NULL, NULL),
(:'suite', 6, 'ours / session_agg only (what sessions() and the rows add)', 'ours', 'ours_state', NULL, NULL, NULL),
(:'suite', 7, 'ceiling of the speedup: plain SQL / floor', 'plain', 'floor', NULL, NULL, NULL),
(:'suite', 8, 'built-in aggregates over the same columns / floor', 'builtin', 'floor', NULL, NULL, NULL),
(:'suite', 9, 'ours / built-in aggregates over the same columns', 'ours', 'builtin', NULL, NULL, NULL);

-- Row by row: every column of every session of ours (4 arguments) and
-- ours_eid (6 arguments) against the plain SQL, which computes the entry and
-- exit views in both tie orders.  Run with EXECUTE, like the timed queries,
-- so that the parallel suite checks the parallel plans.
DO $$
DECLARE
    r record;
BEGIN
    EXECUTE $q$
    WITH p AS (
        SELECT user_pseudo_id, sn AS session_number,
               min(ts) AT TIME ZONE 'UTC' AS session_start,
               max(ts) AT TIME ZONE 'UTC' AS session_end,
               floor(extract(epoch FROM max(ts) - min(ts)) * 1000)::bigint AS duration_ms,
               count(*) AS events, count(v) AS views,
               coalesce(sum(eng), 0)::bigint AS engagement_ms,
               (array_agg(v ORDER BY ts, v COLLATE "C")
                  FILTER (WHERE v IS NOT NULL))[1] AS entry_view,
               (array_agg(v ORDER BY ts DESC, v COLLATE "C" DESC)
                  FILTER (WHERE v IS NOT NULL))[1] AS exit_view,
               (array_agg(v ORDER BY ts, eid COLLATE "C")
                  FILTER (WHERE v IS NOT NULL))[1] AS entry_view_eid,
               (array_agg(v ORDER BY ts DESC, eid COLLATE "C" DESC)
                  FILTER (WHERE v IS NOT NULL))[1] AS exit_view_eid,
               floor(extract(epoch FROM max(ts) - min(ts)) * 1000) > 10000
                 OR count(v) >= 2 AS engaged,
               CASE WHEN sn = 1 THEN 'first' ELSE 'timeout' END AS split_reason
        FROM (SELECT user_pseudo_id, ts, v, eng, eid,
                     sum(new_session) OVER (PARTITION BY user_pseudo_id ORDER BY ts) AS sn
              FROM (SELECT user_pseudo_id, event_timestamp AS ts, event_id AS eid,
                           coalesce(page_view_page_title, screen_view_screen_name) AS v,
                           user_engagement_time_msec AS eng,
                           CASE WHEN event_timestamp - lag(event_timestamp)
                                     OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp)
                                     <= interval '30 minutes'
                                THEN 0 ELSE 1 END AS new_session
                    FROM events) e) l
        GROUP BY user_pseudo_id, sn
    ), o AS (
        SELECT x.user_pseudo_id, s.*
        FROM (SELECT user_pseudo_id,
                     session_agg(event_timestamp, '30 min',
                                 coalesce(page_view_page_title, screen_view_screen_name),
                                 user_engagement_time_msec) AS st
              FROM events GROUP BY user_pseudo_id) x,
             sessions(x.st) s
    ), oe AS (
        SELECT x.user_pseudo_id, s.*
        FROM (SELECT user_pseudo_id,
                     session_agg(event_timestamp, '30 min',
                                 coalesce(page_view_page_title, screen_view_screen_name),
                                 user_engagement_time_msec, event_id, NULL) AS st
              FROM events GROUP BY user_pseudo_id) x,
             sessions(x.st) s
    ), j AS (
        SELECT p.user_pseudo_id AS p_user, o.user_pseudo_id AS o_user,
               coalesce(p.user_pseudo_id, o.user_pseudo_id, oe.user_pseudo_id) AS user_pseudo_id,
               coalesce(p.session_number, o.session_number, oe.session_number) AS session_number,
               ROW(p.session_start, p.session_end, p.duration_ms, p.events, p.views,
                   p.engagement_ms, p.entry_view, p.exit_view, p.engaged, p.split_reason)
                 IS DISTINCT FROM
               ROW(o.session_start, o.session_end, o.duration_ms, o.events, o.views,
                   o.engagement_ms, o.entry_view, o.exit_view, o.engaged, o.split_reason) AS bad,
               ROW(p.session_start, p.session_end, p.duration_ms, p.events, p.views,
                   p.engagement_ms, p.entry_view_eid, p.exit_view_eid, p.engaged, p.split_reason)
                 IS DISTINCT FROM
               ROW(oe.session_start, oe.session_end, oe.duration_ms, oe.events, oe.views,
                   oe.engagement_ms, oe.entry_view, oe.exit_view, oe.engaged, oe.split_reason) AS bad_eid,
               p, o, oe
        FROM p
        FULL JOIN o ON o.user_pseudo_id = p.user_pseudo_id AND o.session_number = p.session_number
        FULL JOIN oe ON oe.user_pseudo_id = coalesce(p.user_pseudo_id, o.user_pseudo_id)
                    AND oe.session_number = coalesce(p.session_number, o.session_number)
    )
    SELECT count(*) AS total,
           count(*) FILTER (WHERE bad) AS bad,
           count(*) FILTER (WHERE bad_eid) AS bad_eid,
           count(*) FILTER (WHERE (p).entry_view IS DISTINCT FROM (p).entry_view_eid
                              OR (p).exit_view IS DISTINCT FROM (p).exit_view_eid) AS tie_order_matters,
           string_agg(format(E'  %s session %s\n    plain    %s\n    4 args   %s\n    6 args   %s',
                             user_pseudo_id, session_number, p, o, oe), E'\n'
                      ORDER BY user_pseudo_id, session_number)
             FILTER (WHERE bad OR bad_eid) AS examples
    FROM j
    $q$ INTO r;
    IF r.bad > 0 OR r.bad_eid > 0 THEN
        RAISE EXCEPTION 'sessions() disagrees with the plain SQL: % of % sessions with 4 arguments, % with 6 arguments',
            r.bad, r.total, r.bad_eid
            USING DETAIL = left(r.examples, 4000),
                  HINT = 'The plain SQL is the query "plain" of bench/agg.sql, with the tie order of each overload.';
    END IF;
    RAISE NOTICE 'sessions() agrees with the plain SQL on all % sessions, with 4 and 6 arguments (the tie order changes the entry or exit view of % of them)',
        r.total, r.tie_order_matters;
END
$$;
