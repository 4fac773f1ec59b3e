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
-- is reset between batches, and the log with it.
CREATE FUNCTION pg_temp.hashagg_batches(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF line ~ 'Batches: \d+' THEN
            RETURN substring(line FROM 'Batches: (\d+)')::int;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'no HashAggregate in plan of %', q;
END $$;

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
SELECT pg_temp.hashagg_batches($q$SELECT u, session_agg(ts, '30 min', view, eng) AS st
                                 FROM (SELECT * FROM lg ORDER BY ts) s GROUP BY u$q$) > 1 AS spills,
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
