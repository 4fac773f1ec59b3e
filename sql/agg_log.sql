-- The session log (session_state.h): the transition function puts the
-- sessions its states complete in one log per aggregate memory context.
-- Whatever the plan does with that context (hash aggregation spilling to
-- disk in batches, sorted aggregation resetting it for every group, grouping
-- sets holding several at once, rescans, window frames) the states must be
-- byte-identical to the ones built from the events one group at a time, in
-- time order, without the log.  The reference here is session_merge over
-- one-event states: deserialized states never use the log.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.23);

-- 300 users, 30 to 90 events each, gaps of 1 to 90 minutes (about half the
-- events start a session), views with names short and long (long ones do
-- not fit in a session's inline bytes), engagement, a tenth NULL views.
CREATE TEMP TABLE lg AS
SELECT 'user' || lpad(u::text, 3, '0') AS u,
       u % 3 AS grp,
       timestamptz '2026-05-01' + sum(gap) OVER (PARTITION BY u ORDER BY e) AS ts,
       CASE WHEN r < 0.1 THEN NULL
            WHEN r < 0.2 THEN repeat('/a-rather-long-page-name/', 3) || e
            ELSE '/p' || (e % 7) END AS view,
       (e * 37 % 5000)::bigint AS eng,
       'id-' || u || '-' || e AS id
FROM (SELECT u, e, random() AS r,
             (1 + floor(random() * 90)) * interval '1 minute' AS gap
      FROM generate_series(1, 300) u,
           LATERAL generate_series(1, 30 + (u * 7) % 61) e) x;
ANALYZE lg;

-- Reference states: one state per event, merged in time order.
CREATE TEMP TABLE ref AS
SELECT u, session_merge(st ORDER BY ts) AS st
FROM (SELECT u, ts, session_agg(ts, '30 min', view, eng) AS st
      FROM lg GROUP BY u, ts, view, eng, id) e
GROUP BY u;
CREATE TEMP TABLE ref_id AS
SELECT u, session_merge(st ORDER BY ts) AS st
FROM (SELECT u, ts, session_agg(ts, '30 min', view, eng, id, NULL) AS st
      FROM lg GROUP BY u, ts, view, eng, id) e
GROUP BY u;
SELECT count(*) AS users, sum(session_count(st)) AS sessions,
       sum(session_event_count(st)) AS events
FROM ref;

-- Compare a query's states (u, st) with the reference; returns the users
-- whose states differ.
CREATE FUNCTION pg_temp.diff(q text, reftab text DEFAULT 'ref') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM (%s) q FULL JOIN %I r USING (u)
                    WHERE q.st::bytea IS DISTINCT FROM r.st::bytea', q, reftab) INTO n;
    RETURN n;
END $$;

-- Hash aggregation in memory, and spilling to disk: the hash table's context
-- is reset between batches, and the log with it.  pg_temp.plan_number(query,
-- pattern) reads the batches off its EXPLAIN ANALYZE.
\set ECHO none
\i test/plan_number.sql
\set ECHO all

SELECT pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                      FROM (SELECT * FROM lg ORDER BY ts) s GROUP BY u$q$) AS hash_in_order,
       pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                      FROM lg GROUP BY u$q$) AS hash_table_order,
       pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng, id, NULL) AS st
                      FROM (SELECT * FROM lg ORDER BY ts) s GROUP BY u$q$, 'ref_id') AS hash_with_ids;

-- Input that is not in time order: a scan that starts in the middle of the
-- table (synchronized scans) gives every user two runs of ordered events;
-- jitter moves events a little back; a few shuffled users get more runs
-- than a state keeps in the log; the rest of the users stay in order.
SELECT pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                      FROM (SELECT * FROM lg ORDER BY ts >= '2026-05-02 12:00' DESC, ts) s
                      GROUP BY u$q$) AS rotated,
       pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                      FROM (SELECT * FROM lg ORDER BY ts >= '2026-05-03' DESC,
                                                      ts >= '2026-05-02' DESC, ts) s
                      GROUP BY u$q$) AS three_runs,
       pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                      FROM (SELECT * FROM lg ORDER BY ts + random() * interval '40 min') s
                      GROUP BY u$q$) AS jitter,
       pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                      FROM (SELECT * FROM lg
                            ORDER BY CASE WHEN u < 'user020' THEN random() END, ts) s
                      GROUP BY u$q$) AS some_shuffled,
       pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng, id, NULL) AS st
                      FROM (SELECT * FROM lg ORDER BY ts >= '2026-05-02 12:00' DESC, ts) s
                      GROUP BY u$q$, 'ref_id') AS rotated_with_ids;

-- The same under the day rule (sessions end at local midnight), whose runs
-- must not join across it.
CREATE TEMP TABLE ref_day AS
SELECT u, session_merge(st ORDER BY ts) AS st
FROM (SELECT u, ts, session_agg(ts, '30 min', view, eng, NULL,
                                session_rules(day_boundary => 'America/New_York')) AS st
      FROM lg GROUP BY u, ts, view, eng, id) e
GROUP BY u;
SELECT pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng, NULL,
                                          session_rules(day_boundary => 'America/New_York')) AS st
                      FROM (SELECT * FROM lg ORDER BY ts >= '2026-05-02 04:10' DESC, ts) s
                      GROUP BY u$q$, 'ref_day') AS rotated_day,
       pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng, NULL,
                                          session_rules(day_boundary => 'America/New_York')) AS st
                      FROM (SELECT * FROM lg ORDER BY ts + random() * interval '40 min') s
                      GROUP BY u$q$, 'ref_day') AS jitter_day;

SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SELECT pg_temp.plan_number($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                             FROM (SELECT * FROM lg ORDER BY ts) s GROUP BY u$q$,
                           'Batches: (\d+)') > 1 AS spills,
       pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                      FROM (SELECT * FROM lg ORDER BY ts) s GROUP BY u$q$) AS hash_spilled;
RESET work_mem;
RESET hash_mem_multiplier;

-- Sorted aggregation: the context is reset after every group.
SET enable_hashagg = off;
SELECT pg_temp.diff($q$SELECT u, session_agg(ts, '30 min', view, eng ORDER BY ts) AS st
                      FROM lg GROUP BY u$q$) AS sorted_groups;

-- Grouping sets: a rollup keeps one context per grouping level alive at the
-- same time; the states of the other levels keep their sessions in arrays.
-- The (grp) and () levels hold several users' events, so compare them with
-- the same groups built by hash aggregation of one level at a time.
CREATE TEMP TABLE rolled AS
SELECT grp, u, session_agg(ts, '30 min', view, eng ORDER BY ts) AS st
FROM lg GROUP BY ROLLUP (grp, u);
RESET enable_hashagg;
SELECT count(*) FILTER (WHERE u IS NOT NULL) AS user_rows,
       count(*) FILTER (WHERE u IS NULL AND grp IS NOT NULL) AS group_rows,
       count(*) FILTER (WHERE grp IS NULL) AS total_rows
FROM rolled;
SELECT pg_temp.diff('SELECT u, st FROM rolled WHERE u IS NOT NULL') AS rollup_users,
       (SELECT count(*) FROM rolled r
        JOIN (SELECT grp, session_agg(ts, '30 min', view, eng) AS st FROM lg GROUP BY grp) h
          USING (grp)
        WHERE r.u IS NULL AND r.st::bytea IS DISTINCT FROM h.st::bytea) AS rollup_groups,
       (SELECT r.st::bytea = (SELECT session_agg(ts, '30 min', view, eng)::bytea FROM lg)
        FROM rolled r WHERE grp IS NULL) AS rollup_total;

-- Rescans: an aggregate in a correlated subquery runs once per outer row.
SELECT pg_temp.diff($q$SELECT us.u,
                             (SELECT session_agg(ts, '30 min', view, eng)
                              FROM lg WHERE lg.u = us.u) AS st
                      FROM (SELECT DISTINCT u FROM lg) us$q$) AS rescanned;

-- Window frames: a running state per row (the frame only grows) and a
-- moving frame (restarted for every row), read after every row.
SELECT count(*) FILTER (WHERE running::bytea IS DISTINCT FROM
                          (SELECT session_agg(ts, '30 min', view, eng)::bytea
                           FROM lg l2 WHERE l2.u = w.u AND l2.ts <= w.ts)) AS running_differs,
       count(*) FILTER (WHERE moving::bytea IS DISTINCT FROM
                          (SELECT session_agg(ts, '30 min', view, eng ORDER BY ts)::bytea
                           FROM (SELECT * FROM lg l2 WHERE l2.u = w.u AND l2.ts <= w.ts
                                 ORDER BY ts DESC LIMIT 4) l3)) AS moving_differs,
       count(*) AS rows_checked
FROM (SELECT u, ts,
             session_agg(ts, '30 min', view, eng) OVER (PARTITION BY u ORDER BY ts) AS running,
             session_agg(ts, '30 min', view, eng)
               OVER (PARTITION BY u ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS moving
      FROM lg WHERE u <= 'user040') w;

-- A state read by sessions() after its events arrived in time order (the
-- log) and shuffled (arrays) gives the same rows.
SELECT count(*) AS differing_rows
FROM ((SELECT s.* FROM (SELECT u, session_agg(ts, '30 min', view, eng) AS st
                        FROM (SELECT * FROM lg ORDER BY ts) o GROUP BY u) x, sessions(x.st) s
       EXCEPT ALL
       SELECT s.* FROM (SELECT u, session_agg(ts, '30 min', view, eng) AS st
                        FROM (SELECT * FROM lg ORDER BY random()) o GROUP BY u) x, sessions(x.st) s)
      UNION ALL
      (SELECT s.* FROM (SELECT u, session_agg(ts, '30 min', view, eng) AS st
                        FROM (SELECT * FROM lg ORDER BY random()) o GROUP BY u) x, sessions(x.st) s
       EXCEPT ALL
       SELECT s.* FROM (SELECT u, session_agg(ts, '30 min', view, eng) AS st
                        FROM (SELECT * FROM lg ORDER BY ts) o GROUP BY u) x, sessions(x.st) s)) d;

-- Randomized: users with 1 to 60 events on minute slots (ties and gaps of
-- exactly the timeout are common), per-row timeouts from 1 minute to 3
-- hours or a constant one, with and without the day rule (New York: its
-- midnight in UTC evening), each read in 10 orders (sorted, descending,
-- rotated once and twice at random points, jittered, shuffled, in shuffled
-- or descending blocks), through an ordered aggregate and through a
-- HashAggregate over an ordered subquery.  Every state must equal the one
-- merged from one-event states.
CREATE FUNCTION pg_temp.order_fuzz(seed float8, nusers int, maxev int, span_min int,
                                   dayrule bool, perrow bool)
RETURNS TABLE (ordname text, diffs bigint) LANGUAGE plpgsql AS $$
DECLARE
    o text;
    rules text := CASE WHEN dayrule THEN 'session_rules(day_boundary => ''America/New_York'')'
                       ELSE 'NULL' END;
    tmo text := CASE WHEN perrow THEN 'tmo' ELSE '''30 min''::interval' END;
BEGIN
    PERFORM setseed(seed);
    DROP TABLE IF EXISTS fz_ev, fz_cut, fz_ref;
    CREATE TEMP TABLE fz_ev AS
    SELECT u, e AS rid,
           timestamptz '2026-05-01 20:00' + floor(random() * span_min) * interval '1 min' AS ts,
           (ARRAY[1, 5, 10, 15, 30, 60, 180])[1 + floor(random() * 7)::int] * interval '1 min' AS tmo,
           CASE WHEN random() < 0.3 THEN NULL ELSE '/p' || floor(random() * 3) END AS view,
           floor(random() * 4)::bigint AS eng,
           CASE WHEN random() < 0.3 THEN NULL ELSE 'e' || floor(random() * 3) END AS id,
           random() AS r1, random() AS r2
    FROM generate_series(1, nusers) u, LATERAL generate_series(1, 1 + (random() * maxev)::int + u * 0) e;
    CREATE TEMP TABLE fz_cut AS
    SELECT u, timestamptz '2026-05-01 20:00' + floor(random() * span_min) * interval '1 min' AS c1,
           timestamptz '2026-05-01 20:00' + floor(random() * span_min) * interval '1 min' AS c2,
           1 + floor(random() * 6)::int AS k
    FROM generate_series(1, nusers) u;
    EXECUTE format($q$CREATE TEMP TABLE fz_ref AS
        SELECT u, session_merge(st ORDER BY ts) AS st
        FROM (SELECT u, rid, ts, session_agg(ts, %s, view, eng, id, %s) AS st
              FROM fz_ev GROUP BY u, rid, ts) x
        GROUP BY u$q$, tmo, rules);
    FOREACH o IN ARRAY ARRAY['ts', 'ts DESC', 'ts >= c1 DESC, ts', 'ts >= c1 DESC, ts >= c2 DESC, ts',
                             'ts + r1 * interval ''40 min''', 'ts + r1 * tmo', 'r1',
                             'floor(r1 * k), ts', 'floor(r1 * k), ts DESC', 'floor(r1 * 2), r2'] LOOP
        ordname := o;
        EXECUTE format($q$SELECT count(*) FROM (
            SELECT u, session_agg(ts, %s, view, eng, id, %s ORDER BY %s) AS st
            FROM fz_ev JOIN fz_cut USING (u) GROUP BY u) q
            FULL JOIN fz_ref r USING (u) WHERE q.st::bytea IS DISTINCT FROM r.st::bytea$q$,
            tmo, rules, o) INTO diffs;
        RETURN NEXT;
        ordname := 'hash: ' || o;
        EXECUTE format($q$SELECT count(*) FROM (
            SELECT u, session_agg(ts, %s, view, eng, id, %s) AS st
            FROM (SELECT fz_ev.* FROM fz_ev JOIN fz_cut USING (u) ORDER BY %s) s GROUP BY u) q
            FULL JOIN fz_ref r USING (u) WHERE q.st::bytea IS DISTINCT FROM r.st::bytea$q$,
            tmo, rules, o) INTO diffs;
        RETURN NEXT;
    END LOOP;
END $$;

SET client_min_messages = warning;
SELECT count(*) AS checks, count(*) FILTER (WHERE f.diffs <> 0) AS failing,
       string_agg(DISTINCT c.seed || ': ' || f.ordname, '; ') FILTER (WHERE f.diffs <> 0) AS failures
FROM (VALUES (0.11, 20, 240, false, false), (0.22, 60, 1440, true, false),
             (0.33, 5, 60, false, true), (0.44, 60, 3000, true, true),
             (0.55, 20, 600, true, true), (0.66, 60, 240, false, true),
             (0.77, 20, 1440, false, false), (0.88, 60, 600, true, false))
     AS c (seed, maxev, span, dayrule, perrow),
     LATERAL pg_temp.order_fuzz(c.seed, 60, c.maxev, c.span, c.dayrule, c.perrow) f;
RESET client_min_messages;

-- The inline path of the transition (sess_state_add_fast in
-- session_state.h) takes an event at or after the latest session's start,
-- within its expiry, when its view (event id and name) becomes the exit and
-- fits where the current exit is: both in the 40 inline bytes, or both
-- longer and the exit's own allocation large enough; anything else goes the
-- general way.  Ordered input at its edges: event id + view of 39, 40 and
-- 41 bytes after each other, longer ones (case 5), equal timestamps (the
-- exit is then decided by event id and name: in case 2 the ids of a tie come in
-- increasing order, in case 4 in decreasing order, so that a tie neither
-- becomes the exit nor is missed as the entry), an event exactly at the
-- expiry, NULL views and NULL event ids, a first view after events without
-- one, per-row timeouts that change within a session.  Each must give the
-- state that merging one-event states gives.
CREATE TEMP TABLE edge AS
SELECT c, n, timestamptz '2026-05-01' + t * interval '1 minute' AS ts,
       CASE WHEN v IS NULL THEN NULL ELSE repeat('v', v) END AS view,
       CASE WHEN i IS NULL THEN NULL
            ELSE repeat(chr(CASE WHEN c = 4 THEN 123 - n ELSE 96 + n END), i) END AS id,
       eng, tmo * interval '1 minute' AS tmo
FROM (VALUES
    -- c, n, minute, view bytes, id bytes, engagement, timeout (minutes)
    (1, 1, 0, 20, 19, 5, 30), (1, 2, 1, 20, 20, 0, 30), (1, 3, 2, 21, 20, 7, 30),
    (1, 4, 3, 20, 20, 0, 30), (1, 5, 4, 1, 0, NULL, 30), (1, 6, 5, 0, NULL, 1, 30),
    (2, 1, 0, 10, 5, 0, 30), (2, 2, 0, 10, 4, 0, 30), (2, 3, 0, 9, 9, 0, 30),
    (2, 4, 0, NULL, 3, 4, 30), (2, 5, 30, 12, 1, 0, 30), (2, 6, 60, 12, 1, 0, 30),
    (2, 7, 91, 12, 1, 0, 30), (2, 8, 91, 12, 1, 0, 30),
    (3, 1, 0, 5, NULL, 0, 30), (3, 2, 20, 5, NULL, 0, 10), (3, 3, 25, 6, NULL, 0, 10),
    (3, 4, 34, 7, NULL, 0, 30), (3, 5, 40, 50, NULL, 0, 30), (3, 6, 41, 3, NULL, 0, 30),
    (3, 7, 42, 41, NULL, 0, 30), (3, 8, 43, NULL, NULL, 9, 30), (3, 9, 44, 2, 2, 0, 30),
    (4, 1, 0, NULL, 2, 0, 30), (4, 2, 1, 4, 1, 0, 30), (4, 3, 1, 5, 1, 0, 30),
    (4, 4, 2, 6, 1, 0, 30), (4, 5, 2, 7, 1, 0, 30),
    -- event id + view of more than 40 bytes: in the exit's own allocation
    -- when it is large enough (45 after 50, 55 after 60, 42 after 50)
    (5, 1, 0, 30, 20, 0, 30), (5, 2, 1, 25, 20, 0, 30), (5, 3, 2, 40, 20, 0, 30),
    (5, 4, 3, 5, 5, 0, 30), (5, 5, 4, 30, 30, 0, 30), (5, 6, 5, 30, 25, 0, 30),
    (5, 7, 100, 10, 26, 0, 30), (5, 8, 100, 11, 26, 0, 30), (5, 9, 101, 20, 30, 0, 30),
    (5, 10, 102, 12, 30, 0, 30))
  AS x (c, n, t, v, i, eng, tmo);
WITH ordered AS (
    SELECT c, session_agg(ts, tmo, view, eng, id, NULL ORDER BY ts, n) AS st
    FROM edge GROUP BY c
), merged AS (
    SELECT c, session_merge(st ORDER BY n) AS st
    FROM (SELECT c, n, session_agg(ts, tmo, view, eng, id, NULL) AS st
          FROM edge GROUP BY c, n) e
    GROUP BY c
)
SELECT c, o.st::bytea = m.st::bytea AS same_state,
       (SELECT string_agg(format('%s %s-%s %s events, %s views, %s ms, entry %s, exit %s',
                                 session_number, to_char(session_start, 'HH24:MI'),
                                 to_char(session_end, 'HH24:MI'), events, views,
                                 engagement_ms, length(entry_view), length(exit_view)), '; ')
        FROM sessions(o.st)) AS sessions
FROM ordered o JOIN merged m USING (c) ORDER BY c;
-- an engagement sum that overflows is an error on the inline path too
SELECT session_agg(ts, '30 min', 'v', e)
FROM (VALUES (timestamptz '2026-05-01', 9223372036854775000::bigint),
             (timestamptz '2026-05-01 00:01', 1000::bigint)) AS x (ts, e);
