-- bench/refresh.sql: the "refresh" suite of bench/run.sh.
--
-- The issue's goal "Cheap: refreshing after 1 % new events costs at most 5 %
-- of a full build", measured in one run:
--
--   build           create_session_table(events, 'bench_sessions',
--                   dashboards => false) on the base data: the whole call
--                   (tables, triggers, first build of states and session rows)
--   insert_plain    INSERT of the new events into events, no session table
--                   (so no capture trigger): for reference
--   insert_capture  the same INSERT with the capture triggers of the session
--                   table (their statement-level trigger copies the events
--                   into bench_sessions_delta)
--   refresh         refresh_session_table('bench_sessions') right after that
--                   INSERT: merges the captured events into the stored states
--                   and rewrites the session rows of the touched users that
--                   the new events can change
--
-- The new events ("the 1 %"), taken out of the generated table before any
-- build, so that the base data is what was there before they arrived:
--   * the newest events: share × all events - :late of them (~33,100, the
--     last ~15 hours of the 30 days at the default size), with the users
--     whose first event falls there (new users);
--   * late events: :late events (default 300) of the rest that are more than
--     a day older than that cut, the first by event_id (a uniform,
--     reproducible sample): events that arrive late into existing sessions
--     of existing users (a phone that was offline).
-- After the refresh, the session table must equal the session view over the
-- whole table (create_session_view over the same source), row for row.
--
-- Each timed round starts from the base data and repeats the same sequence,
-- so that every timed refresh processes the same events from the same state
-- (run.sh, suite_refresh):
--   insert_plain, remove the new events, VACUUM, build, insert_capture,
--   refresh, drop_session_table, remove the new events, VACUUM
-- with a CHECKPOINT before each timed step.  Round 0 is a warm-up: its
-- refresh runs under auto_explain (plans of the statements inside, to the
-- plans file) and is then checked against the session view.
--
-- psql variables: share (default 0.01): the new events are this share of
-- all generated events (~1.01 % of the base data); late (default 300).

\if :{?share}
\else
\set share 0.01
\endif
\if :{?late}
\else
\set late 300
\endif

-- the newest events: those after the cut, the timestamp of the n-th newest
-- event, n = share of all events - late events
SELECT event_timestamp AS cut FROM events ORDER BY event_timestamp DESC
OFFSET greatest(0, round(:share::numeric * (SELECT count(*) FROM events)) - :late) LIMIT 1 \gset

-- the new events, in arrival order
CREATE TABLE bench_new AS
SELECT e.*
FROM ((SELECT * FROM events WHERE event_timestamp > :'cut')
      UNION ALL
      (SELECT * FROM events WHERE event_timestamp < :'cut'::timestamp - interval '1 day'
       ORDER BY event_id LIMIT :late)) e
ORDER BY event_timestamp, event_id;
CREATE UNIQUE INDEX ON bench_new (event_id);
ANALYZE bench_new;

-- What the 1 % is, and what the refresh does with it (the rest is filled in
-- below and by the warm-up round).
CREATE TABLE bench_refresh_info AS
SELECT (SELECT count(*) FROM events) AS all_events,
       count(*) AS new_events,
       count(*) FILTER (WHERE event_timestamp > :'cut') AS tail_events,
       min(event_timestamp) FILTER (WHERE event_timestamp > :'cut') AS tail_from,
       max(event_timestamp) FILTER (WHERE event_timestamp > :'cut') AS tail_to,
       count(*) FILTER (WHERE event_timestamp <= :'cut') AS late_events,
       min(event_timestamp) FILTER (WHERE event_timestamp <= :'cut') AS late_from,
       max(event_timestamp) FILTER (WHERE event_timestamp <= :'cut') AS late_to,
       count(DISTINCT (user_pseudo_id, platform)) AS partitions,
       NULL::bigint AS new_partitions,		-- partitions with no event in the base data
       NULL::bigint AS late_partitions,	-- touched by late events only
       NULL::bigint AS rows_before,		-- session rows of the touched partitions
       NULL::bigint AS rows_after,
       NULL::bigint AS rows_total,		-- all session rows after the refresh
       NULL::bigint AS states_total
FROM bench_new;

-- The base data: every event but the new ones.
DELETE FROM events e USING bench_new n WHERE e.event_id = n.event_id;

UPDATE bench_refresh_info SET
    new_partitions = (SELECT count(*) FROM (SELECT DISTINCT user_pseudo_id, platform FROM bench_new) k
                      WHERE NOT EXISTS (SELECT 1 FROM events e
                                        WHERE e.user_pseudo_id = k.user_pseudo_id
                                          AND e.platform IS NOT DISTINCT FROM k.platform)),
    late_partitions = (SELECT count(*) FROM (SELECT DISTINCT user_pseudo_id, platform FROM bench_new
                                             WHERE event_timestamp <= :'cut') k
                       WHERE NOT EXISTS (SELECT 1 FROM bench_new n
                                         WHERE n.event_timestamp > :'cut'
                                           AND n.user_pseudo_id = k.user_pseudo_id
                                           AND n.platform IS NOT DISTINCT FROM k.platform));

-- The full recomputation the refreshed table must equal.
SELECT create_session_view('events', 'bench_sessions_view', dashboards => false) \g /dev/null

INSERT INTO bench_query (suite, ord, name, label, ref, sql) VALUES
('refresh', 1, 'build', 'full build: create_session_table()', true,
 $q$SELECT create_session_table('events', 'bench_sessions', dashboards => false)::text$q$),
('refresh', 2, 'insert_plain', 'INSERT of the new events, no capture trigger', false,
 $q$WITH i AS (INSERT INTO events SELECT * FROM bench_new RETURNING 1) SELECT count(*) FROM i$q$),
('refresh', 3, 'insert_capture', 'INSERT of the new events, with the capture triggers', false,
 $q$WITH i AS (INSERT INTO events SELECT * FROM bench_new RETURNING 1) SELECT count(*) FROM i$q$),
('refresh', 4, 'refresh', 'refresh_session_table() after that INSERT', false,
 $q$SELECT refresh_session_table('bench_sessions')$q$),
('refresh', 5, 'incremental', 'capture overhead + refresh (insert_capture - insert_plain + refresh, per round)', false,
 $q$-- derived from the other rows of the round, not run$q$);

INSERT INTO bench_goal (suite, ord, label, num, den, base, op, bound) VALUES
('refresh', 1, 'refresh / full build', 'refresh', 'build', NULL, '<=', 0.05),
('refresh', 2, '(capture overhead + refresh) / full build', 'incremental', 'build', NULL, NULL, NULL),
('refresh', 3, 'INSERT with capture triggers / without', 'insert_capture', 'insert_plain', NULL, NULL, NULL);

-- Run one timed step of a round: the registered statement through
-- bench_time; the result is kept for rounds > 0 (round 0 warms up).
CREATE FUNCTION bench_refresh_step(p_name text, p_run int) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    q text;
    res record;
BEGIN
    SELECT sql INTO STRICT q FROM bench_query WHERE suite = 'refresh' AND name = p_name;
    -- one backend, no parallel workers: its own CPU time is the cost.  (The
    -- postmaster's reaped children, which bench_time adds, include the
    -- backend of the previous round's session, which exits meanwhile.)
    PERFORM set_config('max_parallel_workers_per_gather', '0', true);
    res := bench_time(q);
    res.cpu_ms := res.cpu_ms - res.workers_cpu_ms;
    res.workers_cpu_ms := 0;
    IF p_run > 0 THEN
        INSERT INTO bench_result VALUES ('refresh', p_name, p_run, res.ms, res.cpu_ms,
                                         res.workers_cpu_ms, res.checksum);
    END IF;
    RETURN format('round %s %s: %s ms wall, %s ms CPU: %s', p_run, p_name,
                  round(res.ms::numeric), round(res.cpu_ms::numeric), res.checksum);
END
$$;

-- Take the new events out of the source again (no session table: no trigger).
CREATE FUNCTION bench_refresh_remove() RETURNS bigint
LANGUAGE sql
AS $$
WITH d AS (DELETE FROM events e USING bench_new n WHERE e.event_id = n.event_id RETURNING 1)
SELECT count(*) FROM d
$$;

-- Before the warm-up refresh: the captured events and the session rows of
-- the partitions they touch.
CREATE FUNCTION bench_refresh_before() RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    captured bigint;
BEGIN
    SELECT count(*) INTO captured FROM bench_sessions_delta;
    IF captured <> (SELECT new_events FROM bench_refresh_info) THEN
        RAISE EXCEPTION 'the capture trigger saw % events, % were inserted',
            captured, (SELECT new_events FROM bench_refresh_info);
    END IF;
    UPDATE bench_refresh_info SET rows_before = (
        SELECT count(*) FROM bench_sessions t
        WHERE (t.user_pseudo_id, t.platform) IN (SELECT user_pseudo_id, platform FROM bench_new));
    RETURN format('%s events captured', captured);
END
$$;

-- After the warm-up refresh: the session table equals the session view over
-- the same source (EXCEPT ALL both ways), or this fails.
CREATE FUNCTION bench_refresh_check() RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    missing bigint;
    extra bigint;
    examples text;
BEGIN
    UPDATE bench_refresh_info SET
        rows_after = (SELECT count(*) FROM bench_sessions t
                      WHERE (t.user_pseudo_id, t.platform) IN (SELECT user_pseudo_id, platform FROM bench_new)),
        rows_total = (SELECT count(*) FROM bench_sessions),
        states_total = (SELECT count(*) FROM bench_sessions_state);
    CREATE TEMP TABLE bench_refresh_missing AS
        SELECT * FROM bench_sessions_view EXCEPT ALL SELECT * FROM bench_sessions;
    CREATE TEMP TABLE bench_refresh_extra AS
        SELECT * FROM bench_sessions EXCEPT ALL SELECT * FROM bench_sessions_view;
    SELECT count(*) INTO missing FROM bench_refresh_missing;
    SELECT count(*) INTO extra FROM bench_refresh_extra;
    IF missing > 0 OR extra > 0 THEN
        SELECT string_agg(format('  %s %s', w, r), E'\n') INTO examples
        FROM (SELECT 'view only: ' AS w, m::text AS r FROM bench_refresh_missing m
              UNION ALL SELECT 'table only:', x::text FROM bench_refresh_extra x
              ORDER BY 2 LIMIT 20) e;
        RAISE EXCEPTION 'after refresh_session_table() the session table differs from the session view: % rows of the view missing, % rows too many',
            missing, extra
            USING DETAIL = examples;
    END IF;
    DROP TABLE bench_refresh_missing, bench_refresh_extra;
    RETURN format('the refreshed table equals the session view: %s rows (EXCEPT ALL both ways: 0 rows)',
                  (SELECT rows_total FROM bench_refresh_info));
END
$$;

-- The per-round derived row: what the new events cost the writer and the
-- refresh together.
CREATE FUNCTION bench_refresh_derive() RETURNS void
LANGUAGE sql
AS $$
INSERT INTO bench_result (suite, name, run, ms, cpu_ms, workers_cpu_ms, checksum)
SELECT 'refresh', 'incremental', r.run,
       c.ms - p.ms + r.ms, c.cpu_ms - p.cpu_ms + r.cpu_ms,
       c.workers_cpu_ms - p.workers_cpu_ms + r.workers_cpu_ms, r.checksum
FROM bench_result r
JOIN bench_result c ON c.suite = r.suite AND c.run = r.run AND c.name = 'insert_capture'
JOIN bench_result p ON p.suite = r.suite AND p.run = r.run AND p.name = 'insert_plain'
WHERE r.suite = 'refresh' AND r.name = 'refresh'
$$;

-- The markdown lines after the tables: what was measured.
CREATE FUNCTION bench_refresh_report() RETURNS SETOF text
LANGUAGE sql
AS $$
SELECT l.line FROM bench_refresh_info i, LATERAL (VALUES
    (1, ''),
    (2, format('- base data: %s events (the generated %s minus the new ones)',
               i.all_events - i.new_events, i.all_events)),
    (3, format('- new events ("the 1 %%"): %s = %s %% of the generated events, %s %% of the base data: the newest %s (event_timestamp %s to %s) and %s late ones (%s to %s, a uniform sample: the first by event_id of the events more than a day before the newest ones)',
               i.new_events, to_char(100.0 * i.new_events / i.all_events, 'FM0.00'),
               to_char(100.0 * i.new_events / (i.all_events - i.new_events), 'FM0.00'),
               i.tail_events, to_char(i.tail_from, 'YYYY-MM-DD HH24:MI'), to_char(i.tail_to, 'YYYY-MM-DD HH24:MI'),
               i.late_events, to_char(i.late_from, 'YYYY-MM-DD'), to_char(i.late_to, 'YYYY-MM-DD'))),
    (4, format('- touched (user, platform) partitions: %s of %s (%s new users; %s touched by late events only)',
               i.partitions, i.states_total, i.new_partitions, i.late_partitions)),
    (5, format('- events processed (the refresh''s result): %s; session rows of the touched partitions: %s before the refresh, %s after (of %s in the table); the refresh replaces only those within the timeout of the new events',
               (SELECT max(checksum) FROM bench_result WHERE suite = 'refresh' AND name = 'refresh'),
               i.rows_before, i.rows_after, i.rows_total)),
    (6, '- correctness, once (warm-up round): after the refresh the table equals create_session_view() over the same source (EXCEPT ALL both ways: 0 rows)')
) AS l(ord, line)
ORDER BY l.ord
$$;
