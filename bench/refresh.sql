-- bench/refresh.sql: the "refresh" suite of bench/run.sh.
--
-- The goals of issue 14, measured in one run on a server with PostgreSQL's
-- default settings (run.sh restarts it so for this suite):
--
--   * a refresh after 1 % new events (the newest 1 % plus 0.1 % late ones
--     spread over the whole history) costs at most 0.03 of a full build;
--   * a refresh of 10 events costs at most 0.005 of a full build of the
--     generated data (1 M events at the default size);
--   * with 4 times the history, the same new events cost at most 1.2 times
--     as much.
--
-- The data: bench/generate.sql with :users users (default 60,000: about
-- 1,010,000 events over 30 days) in the schema "r" (r.events), apart from
-- the other suites' data.  The new events are taken out of it before any
-- build, so that the base data is what was there before they arrived:
--   * the newest :share of the events (default 0.01);
--   * :late_share of them (default 0.001), late: a uniform sample of the
--     rest (by md5 of the event id), so spread over the whole history.
-- r.events4 is the base data with 4 times the history: the base data and
-- three copies of it moved back by 1, 2 and 3 times the generated period
-- (30 days), with their own event ids: the same users with 4 times the
-- sessions, and the same new events.
--
-- Timed steps (bench_refresh_step, bench_refresh_undone; run.sh drives the
-- rounds, with a CHECKPOINT before each step):
--   insert_plain    INSERT of the new events into r.events without a session
--                   table (so no capture trigger), for reference; they are
--                   taken out again (not timed) and the table VACUUMed
--   build           create_session_table(r.events, 'r.bench_sessions',
--                   dashboards => false): the whole call (tables, triggers,
--                   first build of states and session rows)
--   insert_capture  the INSERT of the new events through the capture
--                   triggers of that table
--   refresh         refresh_session_table() right after that INSERT
--   refresh10       a refresh of 10 events: the mean of :small_batches
--                   refreshes, each right after an INSERT of 10 other new
--                   events (sampled from the new events; the INSERTs are
--                   inside the timed part, so this overstates a little)
--   build4          create_session_table over r.events4, once, before the
--                   rounds
--   insert_capture4, refresh4  the same INSERT and refresh on r.events4
--   floor_rows, floor  after the same INSERT, the writes the warm-up refresh
--                   made, precomputed and applied by key: the session rows
--                   (deleted, updated, inserted) and the DELETE of the
--                   captured events (floor_rows); and the states too (floor).
--                   What any refresh that keeps this table and a state per
--                   session writes, without finding or computing anything.
-- The refreshes of a round run in a subtransaction that is then rolled back
-- (bench_refresh_undone), so that each timed refresh merges the same events
-- into the same table; the tables are VACUUMed after (not timed).
-- Round 0 is a warm-up: its refresh and refresh4 run under auto_explain
-- (plans of the statements inside, to the plans file), and each refreshed
-- table is then checked against a session view over the same source, row
-- for row, before the rollback.
--
-- psql variables: users (60000), seed (0.42), share (0.01), late_share
-- (0.001), small_batches (50).

\if :{?users}
\else
\set users 60000
\endif
\if :{?seed}
\else
\set seed 0.42
\endif
\if :{?share}
\else
\set share 0.01
\endif
\if :{?late_share}
\else
\set late_share 0.001
\endif
\if :{?small_batches}
\else
\set small_batches 50
\endif

DROP SCHEMA IF EXISTS r CASCADE;
CREATE SCHEMA r;
SET search_path = r, public;	-- generate.sql makes "events" in the first schema
\set days 30
\ir generate.sql
RESET search_path;

-- the cut: the timestamp of the newest :share events' oldest
SELECT count(*) AS all_events FROM r.events \gset
SELECT event_timestamp AS cut FROM r.events ORDER BY event_timestamp DESC, event_id DESC
OFFSET round(:share::numeric * :all_events) - 1 LIMIT 1 \gset

-- the new events, in arrival order
CREATE TABLE r.bench_new AS
SELECT e.*
FROM ((SELECT * FROM r.events WHERE event_timestamp >= :'cut')
      UNION ALL
      (SELECT * FROM r.events WHERE event_timestamp < :'cut'
       ORDER BY md5(event_id) LIMIT round(:late_share::numeric * :all_events))) e
ORDER BY event_timestamp, event_id;
CREATE UNIQUE INDEX ON r.bench_new (event_id);
-- the batches of the 10-event refreshes: new events in a random order
CREATE TABLE r.bench_small AS
SELECT (row_number() OVER (ORDER BY md5('small' || event_id)) - 1) / 10 AS batch, *
FROM r.bench_new ORDER BY md5('small' || event_id) LIMIT 10 * :small_batches;
ANALYZE r.bench_new, r.bench_small;

-- What the new events are (the rest is filled in by the warm-up round).
CREATE TABLE r.bench_refresh_info AS
SELECT :all_events::bigint AS all_events,
       count(*) AS new_events,
       count(*) FILTER (WHERE event_timestamp >= :'cut') AS tail_events,
       min(event_timestamp) FILTER (WHERE event_timestamp >= :'cut') AS tail_from,
       max(event_timestamp) FILTER (WHERE event_timestamp >= :'cut') AS tail_to,
       count(*) FILTER (WHERE event_timestamp < :'cut') AS late_events,
       min(event_timestamp) FILTER (WHERE event_timestamp < :'cut') AS late_from,
       max(event_timestamp) FILTER (WHERE event_timestamp < :'cut') AS late_to,
       count(DISTINCT (user_pseudo_id, platform)) AS partitions,
       NULL::bigint AS events4,
       NULL::bigint AS processed, NULL::bigint AS processed4,
       NULL::bigint AS rows_total, NULL::bigint AS rows_total4,
       NULL::bigint AS rows_replaced, NULL::bigint AS rows_written,
       NULL::bigint AS rows_replaced4, NULL::bigint AS rows_written4
FROM r.bench_new;

-- What the warm-up refresh wrote (bench_refresh_undone('1x', 0)), for the
-- floor: the same writes without computing them (bench_refresh_undone).
CREATE TABLE r.bench_floor (what text PRIMARY KEY, rows jsonb NOT NULL);

-- The base data: every event but the new ones.
DELETE FROM r.events e USING r.bench_new n WHERE e.event_id = n.event_id;

-- The base data with 4 times the history.
CREATE TABLE r.events4 (LIKE r.events INCLUDING ALL);
INSERT INTO r.events4
SELECT e.event_id || CASE WHEN k = 0 THEN '' ELSE '~' || k END, e.event_name,
       e.event_timestamp - k * :days * interval '1 day',
       e.event_time_msec - k * :days * 86400000::bigint,
       e.platform, e.user_pseudo_id, e.session_id, e.page_view_page_title,
       e.screen_view_screen_name, e.user_engagement_time_msec
FROM generate_series(3, 0, -1) k, LATERAL (SELECT * FROM r.events ORDER BY event_time_msec, event_id) e;
UPDATE r.bench_refresh_info SET events4 = (SELECT count(*) FROM r.events4);

-- The full recomputations the refreshed tables must equal (over the base
-- data plus the new events, which the check sees inside the
-- subtransaction).
SELECT create_session_view('r.events', 'r.bench_sessions_view', dashboards => false) \g /dev/null
SELECT create_session_view('r.events4', 'r.bench_sessions4_view', dashboards => false) \g /dev/null

INSERT INTO bench_query (suite, ord, name, label, ref, sql) VALUES
('refresh', 1, 'build', 'full build: create_session_table()', true,
 $q$SELECT create_session_table('r.events', 'r.bench_sessions', dashboards => false)::text$q$),
('refresh', 2, 'insert_plain', 'INSERT of the new events, no capture trigger', false,
 $q$WITH i AS (INSERT INTO r.events SELECT * FROM r.bench_new RETURNING 1) SELECT count(*) FROM i$q$),
('refresh', 3, 'insert_capture', 'INSERT of the new events, with the capture triggers', false,
 $q$WITH i AS (INSERT INTO r.events SELECT * FROM r.bench_new RETURNING 1) SELECT count(*) FROM i$q$),
('refresh', 4, 'refresh', 'refresh_session_table() after that INSERT', false,
 $q$SELECT refresh_session_table('r.bench_sessions')$q$),
('refresh', 5, 'refresh10', 'refresh_session_table() of 10 new events (mean of the batches, INSERTs included)', false,
 $q$-- bench_refresh_undone('small', run)$q$),
('refresh', 6, 'incremental', 'capture overhead + refresh (insert_capture - insert_plain + refresh, per round)', false,
 $q$-- derived from the other rows of the round, not run$q$),
('refresh', 7, 'build4', '4x history: full build (once)', false,
 $q$SELECT create_session_table('r.events4', 'r.bench_sessions4', dashboards => false)::text$q$),
('refresh', 8, 'insert_capture4', '4x history: INSERT of the same new events, with the capture triggers', false,
 $q$WITH i AS (INSERT INTO r.events4 SELECT * FROM r.bench_new RETURNING 1) SELECT count(*) FROM i$q$),
('refresh', 9, 'refresh4', '4x history: refresh_session_table() after that INSERT', false,
 $q$SELECT refresh_session_table('r.bench_sessions4')$q$),
('refresh', 10, 'floor_rows', 'floor: the refresh''s writes to the session table, precomputed, and the consumption of the captured events', false,
 $q$-- bench_refresh_undone('floor', run)$q$),
('refresh', 11, 'floor', 'floor: those, and the refresh''s writes to the state table, precomputed', false,
 $q$-- bench_refresh_undone('floor', run)$q$);

INSERT INTO bench_goal (suite, ord, label, num, den, base, op, bound) VALUES
('refresh', 1, 'refresh after 1 % new events / full build', 'refresh', 'build', NULL, '<=', 0.03),
('refresh', 2, 'refresh of 10 events / full build', 'refresh10', 'build', NULL, '<=', 0.005),
('refresh', 3, 'refresh with 4x the history / with 1x', 'refresh4', 'refresh', NULL, '<=', 1.2),
('refresh', 4, '(capture overhead + refresh) / full build', 'incremental', 'build', NULL, NULL, NULL),
('refresh', 5, 'INSERT with capture triggers / without', 'insert_capture', 'insert_plain', NULL, NULL, NULL),
('refresh', 6, '4x history: full build / 1x', 'build4', 'build', NULL, NULL, NULL),
('refresh', 7, 'floor (session rows and consumption only) / full build', 'floor_rows', 'build', NULL, NULL, NULL),
('refresh', 8, 'floor (all writes) / full build', 'floor', 'build', NULL, NULL, NULL);

-- CPU time of this backend in ms: the time it ran on a CPU, from
-- /proc/self/schedstat, in nanoseconds but brought up to date by the
-- kernel at its scheduler ticks and at context switches (a few ms);
-- bench_cpu's /proc/self/stat counts 10 ms ticks.  The refresh of 10 events
-- is timed over many refreshes.
CREATE FUNCTION bench_refresh_cpu() RETURNS float8
LANGUAGE sql
AS $$ SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::float8 / 1e6 $$;

-- One timed step: the registered statement, in one backend without
-- parallel workers (its own CPU time is the cost; the build and the
-- refresh make no parallel plan anyway).  The result is kept for rounds > 0
-- (round 0 warms up; build4 runs once, as round 1).
CREATE FUNCTION bench_refresh_time(p_name text, OUT ms float8, OUT cpu_ms float8, OUT checksum text)
LANGUAGE plpgsql
AS $$
DECLARE
    q text;
    c0 float8;
    t0 timestamptz;
BEGIN
    SELECT sql INTO STRICT q FROM bench_query WHERE suite = 'refresh' AND name = p_name;
    PERFORM set_config('max_parallel_workers_per_gather', '0', true);
    c0 := bench_refresh_cpu();
    t0 := clock_timestamp();
    EXECUTE q INTO checksum;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    cpu_ms := bench_refresh_cpu() - c0;
END
$$;

CREATE FUNCTION bench_refresh_keep(p_name text, p_run int, p_ms float8, p_cpu_ms float8, p_checksum text)
RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_run > 0 THEN
        INSERT INTO bench_result VALUES ('refresh', p_name, p_run, p_ms, p_cpu_ms, 0, p_checksum);
    END IF;
    RETURN format('round %s %s: %s ms wall, %s ms CPU: %s', p_run, p_name,
                  round(p_ms::numeric, 1), round(p_cpu_ms::numeric), p_checksum);
END
$$;

CREATE FUNCTION bench_refresh_step(p_name text, p_run int) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    res record;
BEGIN
    res := bench_refresh_time(p_name);
    RETURN bench_refresh_keep(p_name, p_run, res.ms, res.cpu_ms, res.checksum);
END
$$;

-- Take the new events out of r.events again (no session table: no trigger).
CREATE FUNCTION bench_refresh_remove() RETURNS bigint
LANGUAGE sql
AS $$
WITH d AS (DELETE FROM r.events e USING r.bench_new n WHERE e.event_id = n.event_id RETURNING 1)
SELECT count(*) FROM d
$$;

-- The session table equals the session view over the same source (EXCEPT
-- ALL both ways), or this fails.
CREATE FUNCTION bench_refresh_check(p_table text, p_view text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    missing bigint;
    extra bigint;
    examples text;
BEGIN
    EXECUTE format('CREATE TEMP TABLE bench_refresh_missing AS SELECT * FROM %s EXCEPT ALL SELECT * FROM %s', p_view, p_table);
    EXECUTE format('CREATE TEMP TABLE bench_refresh_extra AS SELECT * FROM %s EXCEPT ALL SELECT * FROM %s', p_table, p_view);
    SELECT count(*) INTO missing FROM bench_refresh_missing;
    SELECT count(*) INTO extra FROM bench_refresh_extra;
    IF missing > 0 OR extra > 0 THEN
        SELECT string_agg(format('  %s %s', w, r), E'\n') INTO examples
        FROM (SELECT 'view only: ' AS w, m::text AS r FROM bench_refresh_missing m
              UNION ALL SELECT 'table only:', x::text FROM bench_refresh_extra x
              ORDER BY 2 LIMIT 20) e;
        RAISE EXCEPTION 'after refresh_session_table() % differs from the session view: % rows of the view missing, % rows too many',
            p_table, missing, extra
            USING DETAIL = examples;
    END IF;
    DROP TABLE bench_refresh_missing, bench_refresh_extra;
    EXECUTE format('SELECT format(%L, count(*)) FROM %s',
                   'the refreshed table ' || p_table || ' equals the session view: %s rows (EXCEPT ALL both ways: 0 rows)', p_table)
        INTO examples;
    RETURN examples;
END
$$;

-- The refreshes of a round, undone: in a subtransaction rolled back at the
-- end (the error bench_undo), so that the next round's refreshes find the
-- same table and events.  Local variables keep the times.
--   '1x'    insert_capture and refresh on r.events
--   '4x'    insert_capture4 and refresh4 on r.events4
--   'small' refresh10: :small_batches times an INSERT of 10 new events and
--           a refresh, timed together; the mean per refresh
-- Round 0 (warm-up): the refresh under auto_explain (the caller LOADs it),
-- then the check against the session view, and the figures of the report.
CREATE FUNCTION bench_refresh_undone(p_kind text, p_run int) RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
    ins record;
    ref record;
    c0 float8;
    t0 timestamptz;
    batch_no int;
    nb int;
    n bigint := 0;
    small_ms float8;
    small_cpu_ms float8;
    tab text := CASE p_kind WHEN '4x' THEN 'r.bench_sessions4' ELSE 'r.bench_sessions' END;
    sfx text := CASE p_kind WHEN '4x' THEN '4' ELSE '' END;
    check_line text;
    rows_after bigint;
    replaced bigint;
    written bigint;
    fl jsonb;
    floor_rows_ms float8;
    floor_rows_cpu float8;
    floor_ms float8;
    floor_cpu float8;
BEGIN
    -- (the caller sets auto_explain.log_min_duration in round 0, so that
    -- auto_explain samples this call; it logs only the refresh)
    PERFORM set_config('auto_explain.log_min_duration', '-1', true);
    BEGIN
        IF p_kind = 'small' THEN
            SELECT max(batch) + 1 INTO nb FROM r.bench_small;
            PERFORM set_config('max_parallel_workers_per_gather', '0', true);
            c0 := bench_refresh_cpu();
            t0 := clock_timestamp();
            FOR batch_no IN 0 .. nb - 1 LOOP
                INSERT INTO r.events
                SELECT event_id, event_name, event_timestamp, event_time_msec, platform, user_pseudo_id,
                       session_id, page_view_page_title, screen_view_screen_name, user_engagement_time_msec
                FROM r.bench_small WHERE batch = batch_no;
                n := n + refresh_session_table('r.bench_sessions');
            END LOOP;
            small_ms := extract(epoch FROM clock_timestamp() - t0) * 1000 / nb;
            small_cpu_ms := (bench_refresh_cpu() - c0) / nb;
        ELSIF p_kind = 'floor' THEN
            -- the INSERT, as before the refresh; the rows the refresh wrote,
            -- in tables of their own; then, timed, the same writes by key
            -- (rows whose key stays are updated, in place where their page
            -- has room, as the refresh does) and the consumption of the
            -- captured events: what any refresh that keeps this table and a
            -- state per session must do, without finding or computing it
            INSERT INTO r.events SELECT * FROM r.bench_new;
            CREATE TEMP TABLE floor_row_del AS SELECT * FROM jsonb_populate_recordset(NULL::r.bench_sessions, (SELECT rows FROM r.bench_floor WHERE what = 'row_del'));
            CREATE TEMP TABLE floor_row_upd AS SELECT * FROM jsonb_populate_recordset(NULL::r.bench_sessions, (SELECT rows FROM r.bench_floor WHERE what = 'row_upd'));
            CREATE TEMP TABLE floor_row_ins AS SELECT * FROM jsonb_populate_recordset(NULL::r.bench_sessions, (SELECT rows FROM r.bench_floor WHERE what = 'row_ins'));
            CREATE TEMP TABLE floor_state_del AS SELECT * FROM jsonb_populate_recordset(NULL::r.bench_sessions_state, (SELECT rows FROM r.bench_floor WHERE what = 'state_del'));
            CREATE TEMP TABLE floor_state_upd AS SELECT * FROM jsonb_populate_recordset(NULL::r.bench_sessions_state, (SELECT rows FROM r.bench_floor WHERE what = 'state_upd'));
            CREATE TEMP TABLE floor_state_ins AS SELECT * FROM jsonb_populate_recordset(NULL::r.bench_sessions_state, (SELECT rows FROM r.bench_floor WHERE what = 'state_ins'));
            ANALYZE floor_row_del, floor_row_upd, floor_row_ins, floor_state_del, floor_state_upd, floor_state_ins;
            CHECKPOINT;
            c0 := bench_refresh_cpu();
            t0 := clock_timestamp();
            DELETE FROM r.bench_sessions_delta;
            DELETE FROM r.bench_sessions t USING floor_row_del d
            WHERE t.session_id = d.session_id AND t.platform IS NOT DISTINCT FROM d.platform;
            UPDATE r.bench_sessions t
            SET session_duration = u.session_duration, session_views = u.session_views,
                engaged_session = u.engaged_session, bounced_session = u.bounced_session,
                session_engagement_time = u.session_engagement_time, entry_view = u.entry_view,
                exit_view = u.exit_view
            FROM floor_row_upd u WHERE t.session_id = u.session_id AND t.platform IS NOT DISTINCT FROM u.platform;
            INSERT INTO r.bench_sessions SELECT * FROM floor_row_ins;
            floor_rows_ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
            floor_rows_cpu := bench_refresh_cpu() - c0;
            DELETE FROM r.bench_sessions_state s USING floor_state_del d
            WHERE s.partition_key = d.partition_key AND s.session_start = d.session_start;
            UPDATE r.bench_sessions_state s SET session_end = u.session_end, state = u.state
            FROM floor_state_upd u WHERE s.partition_key = u.partition_key AND s.session_start = u.session_start;
            INSERT INTO r.bench_sessions_state SELECT * FROM floor_state_ins;
            floor_ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
            floor_cpu := bench_refresh_cpu() - c0;
        ELSE
            ins := bench_refresh_time('insert_capture' || sfx);
            -- (as before every timed step: the pages the INSERT dirtied are
            -- written, and every page the refresh changes first is logged in
            -- full, as after any checkpoint)
            CHECKPOINT;
            IF p_run = 0 THEN
                -- the rows and states of the touched partitions before the refresh
                EXECUTE format('CREATE TEMP TABLE bench_refresh_before AS SELECT * FROM %s t '
                               'WHERE (t.user_pseudo_id, t.platform) IN (SELECT user_pseudo_id, platform FROM r.bench_new)', tab);
                EXECUTE format('CREATE TEMP TABLE bench_state_before AS SELECT * FROM %s_state t '
                               'WHERE (t.user_pseudo_id, t.platform) IN (SELECT user_pseudo_id, platform FROM r.bench_new)', tab);
                PERFORM set_config('auto_explain.log_min_duration', '0', true);
                PERFORM set_config('auto_explain.log_analyze', 'on', true);
                PERFORM set_config('auto_explain.log_buffers', 'on', true);
                PERFORM set_config('auto_explain.log_nested_statements', 'on', true);
                PERFORM set_config('auto_explain.log_level', 'notice', true);
                RAISE NOTICE 'bench: plans of refresh%', sfx;
            END IF;
            ref := bench_refresh_time('refresh' || sfx);
            IF p_run = 0 THEN
                PERFORM set_config('auto_explain.log_min_duration', '-1', true);
                check_line := bench_refresh_check(tab, tab || '_view');
                EXECUTE format('SELECT count(*) FROM %s', tab) INTO rows_after;
                EXECUTE format('CREATE TEMP TABLE bench_refresh_after AS SELECT * FROM %s t '
                               'WHERE (t.user_pseudo_id, t.platform) IN (SELECT user_pseudo_id, platform FROM r.bench_new)', tab);
                SELECT count(*) INTO replaced FROM (SELECT * FROM bench_refresh_before EXCEPT ALL SELECT * FROM bench_refresh_after) x;
                SELECT count(*) INTO written FROM (SELECT * FROM bench_refresh_after EXCEPT ALL SELECT * FROM bench_refresh_before) x;
                IF p_kind = '1x' THEN
                    -- what it wrote, for the floor (kept across the rollback
                    -- in a variable)
                    EXECUTE format('CREATE TEMP TABLE bench_state_after AS SELECT * FROM %s_state t '
                                   'WHERE (t.user_pseudo_id, t.platform) IN (SELECT user_pseudo_id, platform FROM r.bench_new)', tab);
                    SELECT jsonb_build_object(
                        'row_del', (SELECT coalesce(jsonb_agg(to_jsonb(b)), '[]') FROM bench_refresh_before b
                                    WHERE NOT EXISTS (SELECT 1 FROM bench_refresh_after a WHERE a.session_id = b.session_id
                                                      AND a.platform IS NOT DISTINCT FROM b.platform)),
                        'row_upd', (SELECT coalesce(jsonb_agg(to_jsonb(a)), '[]') FROM bench_refresh_after a
                                    WHERE EXISTS (SELECT 1 FROM bench_refresh_before b WHERE a.session_id = b.session_id
                                                  AND a.platform IS NOT DISTINCT FROM b.platform AND a IS DISTINCT FROM b)),
                        'row_ins', (SELECT coalesce(jsonb_agg(to_jsonb(a)), '[]') FROM bench_refresh_after a
                                    WHERE NOT EXISTS (SELECT 1 FROM bench_refresh_before b WHERE a.session_id = b.session_id
                                                      AND a.platform IS NOT DISTINCT FROM b.platform)),
                        'state_del', (SELECT coalesce(jsonb_agg(to_jsonb(b)), '[]') FROM bench_state_before b
                                      WHERE NOT EXISTS (SELECT 1 FROM bench_state_after a WHERE a.partition_key = b.partition_key
                                                        AND a.session_start = b.session_start)),
                        'state_upd', (SELECT coalesce(jsonb_agg(to_jsonb(a)), '[]') FROM bench_state_after a
                                      WHERE EXISTS (SELECT 1 FROM bench_state_before b WHERE a.partition_key = b.partition_key
                                                    AND a.session_start = b.session_start
                                                    AND (a.session_end, a.state::text) IS DISTINCT FROM (b.session_end, b.state::text))),
                        'state_ins', (SELECT coalesce(jsonb_agg(to_jsonb(a)), '[]') FROM bench_state_after a
                                      WHERE NOT EXISTS (SELECT 1 FROM bench_state_before b WHERE a.partition_key = b.partition_key
                                                        AND a.session_start = b.session_start)))
                    INTO fl;
                END IF;
            END IF;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'BNCH1', MESSAGE = 'bench_undo';
    EXCEPTION WHEN SQLSTATE 'BNCH1' THEN
        NULL;	-- rolled back
    END;
    IF p_kind = 'small' THEN
        RETURN NEXT bench_refresh_keep('refresh10', p_run, small_ms, small_cpu_ms, n::text);
        RETURN;
    END IF;
    IF p_kind = 'floor' THEN
        RETURN NEXT bench_refresh_keep('floor_rows', p_run, floor_rows_ms, floor_rows_cpu,
                                       (SELECT string_agg(what || '=' || jsonb_array_length(rows), ' ' ORDER BY what)
                                        FROM r.bench_floor WHERE what LIKE 'row%'));
        RETURN NEXT bench_refresh_keep('floor', p_run, floor_ms, floor_cpu,
                                       (SELECT string_agg(what || '=' || jsonb_array_length(rows), ' ' ORDER BY what)
                                        FROM r.bench_floor));
        RETURN;
    END IF;
    IF fl IS NOT NULL THEN
        DELETE FROM r.bench_floor;
        INSERT INTO r.bench_floor SELECT key, value FROM jsonb_each(fl);
    END IF;
    RETURN NEXT bench_refresh_keep('insert_capture' || sfx, p_run, ins.ms, ins.cpu_ms, ins.checksum);
    RETURN NEXT bench_refresh_keep('refresh' || sfx, p_run, ref.ms, ref.cpu_ms, ref.checksum);
    IF p_run = 0 THEN
        EXECUTE format('UPDATE r.bench_refresh_info SET processed%1$s = $1, rows_total%1$s = $2, '
                       'rows_replaced%1$s = $3, rows_written%1$s = $4', sfx)
            USING ref.checksum::bigint, rows_after, replaced, written;
        RETURN NEXT check_line;
    END IF;
END
$$;

-- The per-round derived row: what the new events cost the writer and the
-- refresh together.
CREATE FUNCTION bench_refresh_derive() RETURNS void
LANGUAGE sql
AS $$
INSERT INTO bench_result (suite, name, run, ms, cpu_ms, workers_cpu_ms, checksum)
SELECT 'refresh', 'incremental', r.run,
       c.ms - p.ms + r.ms, c.cpu_ms - p.cpu_ms + r.cpu_ms, 0, r.checksum
FROM bench_result r
JOIN bench_result c ON c.suite = r.suite AND c.run = r.run AND c.name = 'insert_capture'
JOIN bench_result p ON p.suite = r.suite AND p.run = r.run AND p.name = 'insert_plain'
WHERE r.suite = 'refresh' AND r.name = 'refresh'
$$;

-- The markdown lines after the tables: what was measured.
CREATE FUNCTION bench_refresh_report() RETURNS SETOF text
LANGUAGE sql
AS $$
SELECT l.line FROM r.bench_refresh_info i, LATERAL (VALUES
    (1, ''),
    (2, format('- base data: %s events (the generated %s minus the new ones); with 4x the history: %s events (three copies moved back by 30, 60 and 90 days)',
               i.all_events - i.new_events, i.all_events, i.events4)),
    (3, format('- new events: %s = %s %% of the generated events: the newest %s (event_timestamp %s to %s) and %s late ones (%s to %s, a uniform sample of the older events)',
               i.new_events, to_char(100.0 * i.new_events / i.all_events, 'FM0.00'),
               i.tail_events, to_char(i.tail_from, 'YYYY-MM-DD HH24:MI'), to_char(i.tail_to, 'YYYY-MM-DD HH24:MI'),
               i.late_events, to_char(i.late_from, 'YYYY-MM-DD'), to_char(i.late_to, 'YYYY-MM-DD'))),
    (4, format('- touched (user, platform) partitions: %s; events processed: %s (1x), %s (4x)',
               i.partitions, i.processed, i.processed4)),
    (5, format('- session rows: %s (1x) and %s (4x) after the refresh; the refresh deleted %s and wrote %s (1x), deleted %s and wrote %s (4x)',
               i.rows_total, i.rows_total4, i.rows_replaced, i.rows_written, i.rows_replaced4, i.rows_written4)),
    (6, '- correctness, once (warm-up round): after each refresh the table equals create_session_view() over the same source (EXCEPT ALL both ways: 0 rows)'),
    (7, '- the floor: the writes of the warm-up refresh (' ||
        (SELECT string_agg(f.what || ' ' || jsonb_array_length(f.rows), ', ' ORDER BY f.what) FROM r.bench_floor f) ||
        '), precomputed and applied by key after the same INSERT, with the DELETE of the captured events'),
    (8, '- the ratios to 4 decimals (median CPU): ' ||
        (SELECT string_agg(format('%s %s', g.label, to_char(g.ratio_cpu, 'FM990.0000')), '; ' ORDER BY g.ord)
         FROM bench_goals('refresh', 'cpu') g))
) AS l(ord, line)
ORDER BY l.ord
$$;
