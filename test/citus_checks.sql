-- test/citus_checks.sql: sessionize on a Citus cluster (run by test/t_citus.sh
-- on the coordinator's database, psql -At, with the sessionize extension
-- created there and propagated to the workers; \i paths relative to the
-- directory holding bench/).
--
-- The same events go into a table distributed by user_pseudo_id (varchar, as
-- in AWS's event_v2) and into a plain table on the coordinator; every
-- function, view, dashboard and report is computed over both and compared
-- exactly (EXCEPT ALL both ways), one line "ok: ..." or "FAIL: ..." each.
-- Lines "note: ..." record what happens where no single answer is expected,
-- and "known: ..." a failure of sessionize on Citus that docs/citus.md
-- describes (it does not fail the test; when it stops failing, a note says
-- so).
--
-- Variables: users (default 3000), seed (default 0.42).

\if :{?users}
\else
\set users 3000
\endif
\if :{?seed}
\else
\set seed 0.42
\endif
-- (errors only: Citus warns of every object it creates only on the
-- coordinator, which the single-node ones are meant to be)
SET client_min_messages = error;
SET timezone = 'UTC';

-- sz_compare(what, template): runs template with {x} replaced by _dist (the
-- distributed objects) and by _local (the single-node ones), each into a
-- temporary table on the coordinator, and compares them both ways.
CREATE FUNCTION pg_temp.sz_compare(what text, template text,
    dist text DEFAULT '_dist', single text DEFAULT '_local', known text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    n_d bigint;
    n_l bigint;
    only_d bigint;
    only_l bigint;
BEGIN
    DROP TABLE IF EXISTS pg_temp.sz_d, pg_temp.sz_l;
    EXECUTE 'CREATE TEMP TABLE sz_d AS ' || replace(template, '{x}', dist);
    GET DIAGNOSTICS n_d = ROW_COUNT;
    EXECUTE 'CREATE TEMP TABLE sz_l AS ' || replace(template, '{x}', single);
    GET DIAGNOSTICS n_l = ROW_COUNT;
    SELECT count(*) INTO only_d FROM (TABLE sz_d EXCEPT ALL TABLE sz_l) x;
    SELECT count(*) INTO only_l FROM (TABLE sz_l EXCEPT ALL TABLE sz_d) x;
    IF only_d = 0 AND only_l = 0 AND n_l > 0 THEN
        RETURN format('ok:   %s (%s rows)', what, n_l)
            || CASE WHEN known IS NOT NULL THEN E'\nnote: the known issue of this check no longer occurs: remove its mark in test/citus_checks.sql' ELSE '' END;
    END IF;
    RETURN format('%s: %s: %s rows on Citus, %s on one node; %s only on Citus, %s only on one node',
                  CASE WHEN known IS NULL THEN 'FAIL' ELSE 'known' END, what, n_d, n_l, only_d, only_l)
        || coalesce(format(' (%s)', known), '');
EXCEPTION WHEN OTHERS THEN
    RETURN format('%s: %s: %s', CASE WHEN known IS NULL THEN 'FAIL' ELSE 'known' END, what, SQLERRM)
        || coalesce(format(' (%s)', known), '');
END $$;

-- sz_plan(query): its EXPLAIN (VERBOSE, COSTS OFF) as one text.
CREATE FUNCTION pg_temp.sz_plan(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || query LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END $$;

-- sz_pushdown(what, query): ok when the whole query runs on the workers: the
-- plan is one Citus Adaptive scan, with nothing above it on the coordinator
-- (no aggregate, no join), no Distributed Subplan (no intermediate result
-- pulled to the coordinator), and each task's query holds the GROUP BY (or
-- the window) of the query.  On failure the plan follows, prefixed "  | ".
CREATE FUNCTION pg_temp.sz_pushdown(what text, query text, must_hold text DEFAULT 'GROUP BY') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    plan text;
    above text;
    task_query text;
    why text := NULL;
BEGIN
    plan := pg_temp.sz_plan(query);
    above := split_part(plan, 'Custom Scan (Citus Adaptive)', 1);
    task_query := substring(plan FROM '\n\s*Query: ([^\n]*)');
    IF position('Custom Scan (Citus Adaptive)' IN plan) = 0 THEN
        why := 'no Citus Adaptive scan';
    ELSIF position('INSERT/SELECT method' IN plan) > 0 THEN
        why := 'an INSERT ... SELECT through the coordinator: ' || substring(plan FROM 'INSERT/SELECT method: [^\n]*');
    ELSIF position('Distributed Subplan' IN plan) > 0 THEN
        why := 'a Distributed Subplan (an intermediate result on the coordinator)';
    ELSIF above ~ '(Aggregate|Join|Nested Loop|Sort|WindowAgg|Function Scan)' THEN
        why := 'work above the Citus scan on the coordinator: ' || substring(above FROM '(Aggregate|Join|Nested Loop|Sort|WindowAgg|Function Scan)');
    ELSIF task_query IS NULL OR position(must_hold IN task_query) = 0 THEN
        why := format('the task query has no %s', must_hold);
    END IF;
    IF why IS NULL THEN
        RETURN format('ok:   pushdown: %s (%s)', what,
                      coalesce(substring(plan FROM 'Task Count: \d+'), '?'));
    END IF;
    RETURN format(E'FAIL: pushdown: %s: %s\n%s', what, why,
                  regexp_replace(rtrim(plan, E'\n'), '^', '  | ', 'gn'));
EXCEPTION WHEN OTHERS THEN
    RETURN format('FAIL: pushdown: %s: %s', what, SQLERRM);
END $$;

-- sz_where(what, query): a note of where the query runs: pushed down whole,
-- partly on the coordinator (an aggregate or join above the Citus scan), or
-- with distributed subplans (intermediate results gathered on the
-- coordinator and sent back to the workers).
CREATE FUNCTION pg_temp.sz_where(what text, query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    plan text;
    above text;
BEGIN
    plan := pg_temp.sz_plan(query);
    above := split_part(plan, 'Custom Scan (Citus Adaptive)', 1);
    RETURN format('note: %s: %s', what,
        CASE WHEN plan LIKE '%Distributed Subplan%'
             THEN format('%s distributed subplan(s) (intermediate results on the coordinator)',
                         (SELECT count(*) FROM regexp_matches(plan, 'Distributed Subplan', 'g')))
             WHEN above ~ '(Aggregate|Join|Nested Loop|WindowAgg|Function Scan)'
             THEN format('partly on the coordinator (%s above the Citus scan)',
                         substring(above FROM '(Aggregate|Join|Nested Loop|WindowAgg|Function Scan)'))
             ELSE 'pushed down whole' END);
EXCEPTION WHEN OTHERS THEN
    RETURN format('note: %s: ERROR: %s', what, SQLERRM);
END $$;

------------------------------------------------------------------------------
-- The events: bench/generate.sql, with some users on several platforms
------------------------------------------------------------------------------
\set QUIET on
\o /dev/null
\i bench/generate.sql
\o
-- one user in ten also uses a second platform: some of their SDK sessions
-- move to it
UPDATE events SET platform = CASE platform WHEN 'Web' THEN 'iOS' ELSE 'Web' END
WHERE abs(hashtext(user_pseudo_id)) % 10 = 0 AND abs(hashtext(session_id)) % 3 = 0;

-- AWS's event_v2 types: user_pseudo_id varchar
CREATE TABLE ev_local (LIKE events);
ALTER TABLE ev_local ALTER COLUMN user_pseudo_id TYPE varchar;
CREATE TABLE ev_dist (LIKE ev_local);
SELECT create_distributed_table('ev_dist', 'user_pseudo_id', shard_count => 8) \g /dev/null

-- one event in ten arrives late: loaded after the first checks
CREATE TEMP TABLE late AS SELECT event_id FROM events WHERE abs(hashtext(event_id)) % 10 = 0;
INSERT INTO ev_local SELECT * FROM events WHERE event_id NOT IN (SELECT event_id FROM late);
INSERT INTO ev_dist SELECT * FROM ev_local;
ANALYZE ev_local;
ANALYZE ev_dist;
SELECT format('note: %s events of %s users (%s platforms per user at most) on %s shards; %s late events held back',
              (SELECT count(*) FROM events), (SELECT count(DISTINCT user_pseudo_id) FROM events),
              (SELECT max(n) FROM (SELECT count(DISTINCT platform) n FROM events GROUP BY user_pseudo_id) x),
              (SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'ev_dist'::regclass),
              (SELECT count(*) FROM late));

------------------------------------------------------------------------------
-- The session view and its dashboards; where the work runs
------------------------------------------------------------------------------
SELECT create_session_view('ev_local', 'sv_local') \g /dev/null
SELECT create_session_view('ev_dist', 'sv_dist') \g /dev/null
SELECT create_session_view('ev_local', 'svsdk_local', mode => 'sdk', dashboards => false) \g /dev/null
SELECT create_session_view('ev_dist', 'svsdk_dist', mode => 'sdk', dashboards => false) \g /dev/null

SELECT pg_temp.sz_compare('session view, before the late events', 'SELECT * FROM sv{x}');

SELECT pg_temp.sz_pushdown('the session view (computed mode)', 'SELECT * FROM sv_dist');
SELECT pg_temp.sz_pushdown('the session view (SDK mode)', 'SELECT * FROM svsdk_dist');
SELECT pg_temp.sz_pushdown('session_agg GROUP BY user_pseudo_id + sessions()', $q$
    SELECT a.user_pseudo_id, s.*
    FROM (SELECT user_pseudo_id, session_agg(event_timestamp, '30 minutes') AS state
          FROM ev_dist GROUP BY user_pseudo_id) a, sessions(a.state) s$q$);
SELECT pg_temp.sz_pushdown('window functions PARTITION BY user_pseudo_id', $q$
    SELECT event_id, session_id(user_pseudo_id, event_timestamp, '30 minutes')
               OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp, event_id)
    FROM ev_dist$q$, 'PARTITION BY');

-- the late events
INSERT INTO ev_local SELECT * FROM events WHERE event_id IN (SELECT event_id FROM late);
INSERT INTO ev_dist SELECT * FROM events WHERE event_id IN (SELECT event_id FROM late);

SELECT pg_temp.sz_compare('session view (computed mode)', 'SELECT * FROM sv{x}');
SELECT pg_temp.sz_compare('session view (SDK mode)', 'SELECT * FROM svsdk{x}');
SELECT pg_temp.sz_compare('session view, 1-hour timeout, Paris days (no dashboards)',
    'SELECT * FROM sv1h{x}')
FROM (SELECT create_session_view('ev_local', 'sv1h_local', timeout => '1 hour', time_zone => 'Europe/Paris', dashboards => false),
             create_session_view('ev_dist', 'sv1h_dist', timeout => '1 hour', time_zone => 'Europe/Paris', dashboards => false)) x;
SELECT pg_temp.sz_compare('dashboard ' || d, format('SELECT * FROM sv{x}_%s', d))
FROM unnest(ARRAY['daily', 'length_distribution', 'users', 'engagement', 'entry_exit', 'pages', 'concluded']) d;
SELECT pg_temp.sz_where('dashboard ' || d, format('SELECT * FROM sv_dist_%s', d))
FROM unnest(ARRAY['daily', 'length_distribution', 'users', 'engagement', 'entry_exit', 'pages', 'concluded']) d;
SELECT pg_temp.sz_compare('session_kpis(), whole period', $q$SELECT * FROM session_kpis('sv{x}', '2025-06-01', '2025-07-01')$q$);
SELECT pg_temp.sz_compare('session_kpis(), one week, Web', $q$SELECT * FROM session_kpis('sv{x}', '2025-06-08', '2025-06-14', 'Web')$q$);
SELECT pg_temp.sz_compare('session_kpis() per day (lateral)',
    $q$SELECT d::date, k.* FROM generate_series(timestamp '2025-06-01', '2025-06-30', '1 day') d,
              session_kpis('sv{x}', d::date, d::date) k$q$);

------------------------------------------------------------------------------
-- Window functions, PARTITION BY the user
------------------------------------------------------------------------------
SELECT pg_temp.sz_compare('window functions PARTITION BY user_pseudo_id', $q$
    SELECT event_id,
           session_number(event_timestamp, '30 minutes') OVER w,
           session_start(event_timestamp, '30 minutes') OVER w,
           session_id(user_pseudo_id, event_timestamp, '30 minutes') OVER w,
           session_split_reason(event_timestamp, '30 minutes') OVER w
    FROM ev{x} WINDOW w AS (PARTITION BY user_pseudo_id ORDER BY event_timestamp, event_id)$q$);
SELECT pg_temp.sz_compare('window functions with rules (max_duration, day_boundary, counted, split_key, start_event)', $q$
    SELECT event_id,
           session_number(event_timestamp, '30 minutes', max_duration => '2 hours',
                          day_boundary => 'Europe/Paris',
                          counted => event_name <> 'Notification Sent') OVER w,
           session_split_reason(event_timestamp, '30 minutes', max_duration => '2 hours',
                                day_boundary => 'Europe/Paris',
                                counted => event_name <> 'Notification Sent') OVER w,
           session_id(user_pseudo_id, event_timestamp, '30 minutes', split_key => session_id,
                      start_event => event_name = '_session_start') OVER w
    FROM ev{x} WINDOW w AS (PARTITION BY user_pseudo_id ORDER BY event_timestamp, event_id)$q$);
SELECT pg_temp.sz_compare('window functions PARTITION BY user_pseudo_id, platform (bigint times)', $q$
    SELECT event_id,
           session_number(event_time_msec, '30 minutes') OVER w,
           session_id(user_pseudo_id || '/' || platform, event_time_msec, '30 minutes') OVER w
    FROM ev{x} WINDOW w AS (PARTITION BY user_pseudo_id, platform ORDER BY event_time_msec, event_id)$q$);

------------------------------------------------------------------------------
-- session_agg + sessions(), and stored states with late events merged
------------------------------------------------------------------------------
SELECT pg_temp.sz_compare('session_agg GROUP BY user_pseudo_id + sessions()', $q$
    SELECT a.user_pseudo_id, s.*
    FROM (SELECT user_pseudo_id,
                 session_agg(event_timestamp, '30 minutes',
                             coalesce(page_view_page_title, screen_view_screen_name),
                             user_engagement_time_msec)
                   FILTER (WHERE event_name <> 'Notification Sent') AS state
          FROM ev{x} GROUP BY user_pseudo_id) a, sessions(a.state) s$q$);
SELECT pg_temp.sz_compare('session_agg with rules and event ids GROUP BY user_pseudo_id, platform + sessions()', $q$
    SELECT a.user_pseudo_id, a.platform, s.*
    FROM (SELECT user_pseudo_id, platform,
                 session_agg(event_timestamp, '30 minutes',
                             coalesce(page_view_page_title, screen_view_screen_name),
                             user_engagement_time_msec, event_id,
                             session_rules(max_duration => '2 hours', day_boundary => 'Europe/Paris')) AS state
          FROM ev{x} GROUP BY user_pseudo_id, platform) a, sessions(a.state) s$q$);
SELECT pg_temp.sz_compare('session_agg with split key and start events + sessions()', $q$
    SELECT a.user_pseudo_id, s.*
    FROM (SELECT user_pseudo_id,
                 session_agg(event_timestamp, '30 minutes', page_view_page_title, NULL::bigint,
                             event_id, NULL, session_id, event_name = '_session_start') AS state
          FROM ev{x} GROUP BY user_pseudo_id) a, sessions(a.state) s$q$);
SELECT pg_temp.sz_compare('session_agg states (text form) GROUP BY user_pseudo_id', $q$
    SELECT user_pseudo_id, session_agg(event_timestamp, '30 minutes', page_view_page_title,
                                       user_engagement_time_msec, event_id, NULL)::text
    FROM ev{x} GROUP BY user_pseudo_id$q$);
-- not grouped by the distribution column: Citus needs the events of a
-- group from every worker (see docs/citus.md)
SELECT pg_temp.sz_compare('session_agg GROUP BY platform (not the distribution column)', $q$
    SELECT platform, session_count(session_agg(event_timestamp, '30 minutes')),
           session_event_count(session_agg(event_timestamp, '30 minutes'))
    FROM ev{x} GROUP BY platform$q$);
SELECT CASE WHEN plan ~ 'Distributed Subplan|HashAggregate|GroupAggregate|Aggregate'
            THEN 'note: session_agg GROUP BY platform is finished on the coordinator: '
                 || CASE WHEN plan LIKE '%Query: SELECT%GROUP BY%' THEN 'partial states from the workers'
                         ELSE 'the events are pulled to it' END
            ELSE 'note: session_agg GROUP BY platform runs on the workers' END
FROM pg_temp.sz_plan($q$SELECT platform, session_count(session_agg(event_timestamp, '30 minutes'))
                        FROM ev_dist GROUP BY platform$q$) plan;

-- states stored per user in a table co-located with the events; the late
-- events merged in with INSERT ... ON CONFLICT (runs on the workers)
CREATE TABLE states_dist (user_pseudo_id varchar NOT NULL, platform text NOT NULL,
                          state sessionstate, PRIMARY KEY (user_pseudo_id, platform));
SELECT create_distributed_table('states_dist', 'user_pseudo_id', colocate_with => 'ev_dist') \g /dev/null
INSERT INTO states_dist
SELECT user_pseudo_id, platform, session_agg(event_timestamp, '30 minutes', page_view_page_title,
                                             user_engagement_time_msec, event_id, NULL)
FROM ev_dist WHERE event_id NOT IN (SELECT event_id FROM late)
GROUP BY user_pseudo_id, platform;
-- (the late events, in a co-located staging table)
CREATE TABLE late_dist (LIKE ev_local);
SELECT create_distributed_table('late_dist', 'user_pseudo_id', colocate_with => 'ev_dist') \g /dev/null
INSERT INTO late_dist SELECT * FROM events WHERE event_id IN (SELECT event_id FROM late);
SELECT pg_temp.sz_pushdown('INSERT ... SELECT session_agg ... ON CONFLICT DO UPDATE SET state = session_merge(...)', $q$
    INSERT INTO states_dist AS t
    SELECT user_pseudo_id, platform, session_agg(event_timestamp, '30 minutes', page_view_page_title,
                                                 user_engagement_time_msec, event_id, NULL)
    FROM late_dist GROUP BY user_pseudo_id, platform
    ON CONFLICT (user_pseudo_id, platform) DO UPDATE SET state = session_merge(t.state, excluded.state)$q$);
INSERT INTO states_dist AS t
SELECT user_pseudo_id, platform, session_agg(event_timestamp, '30 minutes', page_view_page_title,
                                             user_engagement_time_msec, event_id, NULL)
FROM late_dist GROUP BY user_pseudo_id, platform
ON CONFLICT (user_pseudo_id, platform) DO UPDATE SET state = session_merge(t.state, excluded.state);
SELECT pg_temp.sz_compare('stored states + late events merged (session_merge) = full recompute',
    'SELECT t.user_pseudo_id, t.platform, s.* FROM {x} t, sessions(t.state) s',
    'states_dist',
    $q$(SELECT user_pseudo_id, platform,
               session_agg(event_timestamp, '30 minutes', page_view_page_title,
                           user_engagement_time_msec, event_id, NULL) AS state
        FROM ev_local GROUP BY user_pseudo_id, platform)$q$);

------------------------------------------------------------------------------
-- A session table over the distributed table, captured by an ingest column
-- (no triggers): distributed and co-located with the events, every
-- statement of its build and refresh run on the workers; built, refreshed
-- after events that arrived (late ones included), after deletes and an
-- update of users marked by rebuild_session_users(), and after a rebuild,
-- it equals the single-node view each time
------------------------------------------------------------------------------
ALTER TABLE ev_dist ADD COLUMN ingest_ms bigint;
UPDATE ev_dist SET ingest_ms = floor(extract(epoch FROM now() - interval '1 hour') * 1000);
CREATE FUNCTION pg_temp.sz_try(what text, statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN format('note: %s: done', what);
EXCEPTION WHEN OTHERS THEN
    RETURN format('note: %s: ERROR: %s', what, SQLERRM);
END $$;
SELECT CASE WHEN r LIKE '%needs an ingest column%' THEN 'ok:   create_session_table without an ingest column is refused with a hint'
            ELSE 'FAIL: create_session_table without an ingest column: ' || r END
FROM pg_temp.sz_try('create_session_table on the distributed table, without an ingest column',
                    $q$SELECT create_session_table('ev_dist', 'st_dist')$q$) r;
CREATE TABLE ev_ref (LIKE ev_dist);
SELECT create_reference_table('ev_ref') \g /dev/null
SELECT CASE WHEN r LIKE '%reference or local table%' THEN 'ok:   create_session_table over a reference table is refused with a hint'
            ELSE 'FAIL: create_session_table over a reference table: ' || r END
FROM pg_temp.sz_try('create_session_table on a reference table',
                    $q$SELECT create_session_table('ev_ref', 'st_ref', ingest_column => 'ingest_ms')$q$) r;
DROP TABLE ev_ref;
SELECT create_session_table('ev_dist', 'sti_dist', ingest_column => 'ingest_ms', ingest_settle => '1 second') \g /dev/null
SELECT CASE WHEN count(*) = 4 AND count(DISTINCT p.colocationid) = 1 AND bool_and(p.partmethod = 'h')
            THEN 'ok:   ingest session table: the session table, its states and its stage are distributed, co-located with the events'
            ELSE 'FAIL: ingest session table: not distributed and co-located: ' || string_agg(p.logicalrelid::text || ' ' || p.colocationid, ', ') END
FROM pg_dist_partition p WHERE p.logicalrelid IN ('ev_dist'::regclass, 'sti_dist'::regclass, 'sti_dist_state'::regclass, 'sti_dist_delta'::regclass);
SELECT pg_temp.sz_compare('ingest session table: build', 'SELECT * FROM {x}', 'sti_dist', 'sv_local');
SELECT pg_temp.sz_compare('ingest session table: its daily dashboard', 'SELECT * FROM {x}', 'sti_dist_daily', 'sv_local_daily');
-- every statement of a refresh, with users marked and without, of a small
-- refresh naming its users (only their shards), and of a rebuild, runs on
-- the workers
SELECT pg_temp.sz_pushdown(format('session table refresh, %s statement %s', q.step, q.ord), q.statement,
                           CASE WHEN q.statement ~ 'session_agg' THEN 'session_agg'
                                WHEN q.statement ~ 'session_merge' THEN 'session_merge'
                                WHEN q.statement ~ 'sessions\(' THEN 'sessions('
                                WHEN q.statement ~ '^\s*UPDATE' THEN 'UPDATE'
                                WHEN q.statement ~ '^\s*INSERT' THEN 'INSERT INTO'
                                ELSE 'DELETE FROM' END)
FROM (VALUES ('1 hour'::interval, '{u1,u2}'::text[], NULL::text[]), ('1 hour', '{}', NULL), (NULL, '{}', NULL),
             ('1 hour', '{u1}', '{u1,u2,u3}')) v(back, users, touched),
     LATERAL sessionize_distributed_sql('sti_dist', 'sti_dist_state', 'sti_dist_delta', 'ev_dist',
                                        (SELECT config FROM sti_dist_config), 99, now() - v.back, now(), v.users,
                                        '1 hour', v.touched) WITH ORDINALITY q(step, statement, ord);
-- more events of the users, within and between their sessions, arrive now
CREATE TEMP TABLE more AS
SELECT * FROM ev_local WHERE abs(hashtext(event_id)) % 20 = 0;
UPDATE more SET event_id = 'more-' || event_id, event_timestamp = event_timestamp + interval '7 minutes';
INSERT INTO ev_dist SELECT *, floor(extract(epoch FROM clock_timestamp()) * 1000) FROM more;
INSERT INTO ev_local SELECT * FROM more;
SELECT pg_sleep(1.2) \g /dev/null
SELECT CASE WHEN refresh_session_table('sti_dist') = (SELECT count(*) FROM more)
            THEN 'ok:   ingest session table: a refresh processed the events that arrived'
            ELSE 'FAIL: ingest session table: a refresh did not process the events that arrived' END;
SELECT pg_temp.sz_compare('ingest session table: after late events', 'SELECT * FROM {x}', 'sti_dist', 'sv_local');
-- late events that each bridge two stored sessions of a user (an event
-- within the timeout of both): every pair merges into one session
CREATE TEMP TABLE bridge AS
SELECT DISTINCT ON (e.user_pseudo_id) e.*, (g.en + g.next_st) / 2 AS mid
FROM (SELECT user_pseudo_id, platform, session_start_timestamp + session_duration AS en,
             lead(session_start_timestamp) OVER (PARTITION BY user_pseudo_id, platform ORDER BY session_start_timestamp) AS next_st
      FROM sv_local) g
JOIN ev_local e ON e.user_pseudo_id = g.user_pseudo_id AND e.platform IS NOT DISTINCT FROM g.platform
WHERE g.next_st - g.en BETWEEN 1900000 AND 3500000 AND e.event_name = '_page_view'
ORDER BY e.user_pseudo_id, e.event_id
LIMIT 5;
UPDATE bridge SET event_id = 'bridge-' || event_id, event_timestamp = timestamp 'epoch' + mid * interval '1 millisecond';
ALTER TABLE bridge DROP COLUMN mid;
SELECT count(*) AS sessions_before FROM sti_dist \gset
INSERT INTO ev_dist SELECT *, floor(extract(epoch FROM clock_timestamp()) * 1000) FROM bridge;
INSERT INTO ev_local SELECT * FROM bridge;
SELECT pg_sleep(1.2) \g /dev/null
SELECT refresh_session_table('sti_dist') \g /dev/null
SELECT count(*) AS sessions_after FROM sti_dist \gset
SELECT CASE WHEN count(*) = 5 AND :sessions_before - :sessions_after = 5
            THEN 'ok:   ingest session table: 5 late events each joined two stored sessions into one'
            ELSE format('FAIL: ingest session table: %s bridging events, sessions %s then %s',
                        count(*), :sessions_before, :sessions_after) END
FROM bridge;
SELECT pg_temp.sz_compare('ingest session table: after bridging late events', 'SELECT * FROM {x}', 'sti_dist', 'sv_local');
-- deletes and an update, which it does not see until the users are marked
CREATE TEMP TABLE changed AS SELECT DISTINCT user_pseudo_id FROM ev_local ORDER BY 1 LIMIT 4;
DELETE FROM ev_dist WHERE user_pseudo_id IN (SELECT user_pseudo_id FROM changed ORDER BY 1 LIMIT 3);
DELETE FROM ev_local WHERE user_pseudo_id IN (SELECT user_pseudo_id FROM changed ORDER BY 1 LIMIT 3);
UPDATE ev_dist SET platform = 'Android' WHERE user_pseudo_id = (SELECT max(user_pseudo_id) FROM changed);
UPDATE ev_local SET platform = 'Android' WHERE user_pseudo_id = (SELECT max(user_pseudo_id) FROM changed);
SELECT rebuild_session_users('sti_dist', ARRAY(SELECT user_pseudo_id::text FROM changed)) \g /dev/null
SELECT refresh_session_table('sti_dist') \g /dev/null
SELECT pg_temp.sz_compare('ingest session table: after deletes, an update and rebuild_session_users', 'SELECT * FROM {x}', 'sti_dist', 'sv_local');
SELECT rebuild_session_users('sti_dist') \g /dev/null
SELECT refresh_session_table('sti_dist') \g /dev/null
SELECT pg_temp.sz_compare('ingest session table: after a rebuild', 'SELECT * FROM {x}', 'sti_dist', 'sv_local');
-- upgrade_session_table() leaves it as it is; drop_session_table() drops it
-- and its shards
SELECT upgrade_session_table('sti_dist') \g /dev/null
SELECT refresh_session_table('sti_dist') \g /dev/null
SELECT pg_temp.sz_compare('ingest session table: after upgrade_session_table', 'SELECT * FROM {x}', 'sti_dist', 'sv_local');
SELECT drop_session_table('sti_dist') \g /dev/null
SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid::text LIKE 'sti\_dist%')
             AND NOT EXISTS (SELECT 1 FROM pg_class WHERE relname LIKE 'sti\_dist%')
            THEN 'ok:   drop_session_table drops a distributed session table with its states'
            ELSE 'FAIL: drop_session_table left parts of a distributed session table' END;

------------------------------------------------------------------------------
-- Session tables whatever the settings: a refresh called with another
-- DateStyle and time zone, and workers in a zone with daylight saving time
-- (test/t_citus.sh starts the nodes with timezone = 'Europe/Berlin'): a
-- 1-day timeout across the change of 2024-03-31, and a 25-hour session that
-- makes the longest stored session a day and an hour
------------------------------------------------------------------------------
CREATE TABLE tz_dist (user_pseudo_id text, platform text, event_timestamp timestamptz, event_id text,
    event_name text, page_view_page_title text, screen_view_screen_name text,
    user_engagement_time_msec bigint, ingest timestamptz DEFAULT now());
SELECT create_distributed_table('tz_dist', 'user_pseudo_id') \g /dev/null
CREATE TABLE tz_local (LIKE tz_dist INCLUDING DEFAULTS);
CREATE FUNCTION pg_temp.tz_add(u text, ts timestamptz) RETURNS void LANGUAGE sql AS $$
    INSERT INTO tz_dist (user_pseudo_id, platform, event_timestamp, event_id, event_name, page_view_page_title)
    VALUES (u, 'Web', ts, u || ts, '_page_view', 'P');
    INSERT INTO tz_local (user_pseudo_id, platform, event_timestamp, event_id, event_name, page_view_page_title)
    VALUES (u, 'Web', ts, u || ts, '_page_view', 'P');
$$;
SELECT pg_temp.tz_add('d1', '2024-03-30 12:00+00') \g /dev/null
SELECT pg_temp.tz_add('d2', '2024-03-30 00:00+00'::timestamptz + i * interval '20 minutes') FROM generate_series(0, 75) i \g /dev/null
SELECT create_session_table('tz_dist', 'tz1_dist', timeout => '1 day', ingest_column => 'ingest',
                            ingest_settle => '0 seconds', dashboards => false) \g /dev/null
SELECT create_session_table('tz_dist', 'tz2_dist', ingest_column => 'ingest', ingest_settle => '0 seconds', dashboards => false) \g /dev/null
SELECT create_session_view('tz_local', 'tz1_local', timeout => '1 day', dashboards => false) \g /dev/null
SELECT create_session_view('tz_local', 'tz2_local', dashboards => false) \g /dev/null
SELECT format('note: the workers'' time zone: %s', result) FROM run_command_on_workers('SHOW timezone') LIMIT 1;
-- 23.5 hours after d1's session (one session at a 1-day timeout), and 10
-- minutes after d2's 25-hour one; refreshed with dates written day first,
-- in a zone whose abbreviation (IST) means another zone by default
SELECT pg_temp.tz_add('d1', '2024-03-31 11:30+00'), pg_temp.tz_add('d2', '2024-03-31 01:10+00') \g /dev/null
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Asia/Kolkata';
SELECT refresh_session_table('tz1_dist'), refresh_session_table('tz2_dist') \g /dev/null
RESET DateStyle;
SET TimeZone = 'UTC';
SELECT pg_temp.sz_compare('session table, 1-day timeout across daylight saving time on the workers, refreshed in another DateStyle',
    'SELECT session_id, user_pseudo_id::text, platform, session_duration, session_views, session_start_timestamp FROM {x}',
    'tz1_dist', 'tz1_local');
SELECT pg_temp.sz_compare('session table, a session longer than a day across daylight saving time on the workers',
    'SELECT session_id, user_pseudo_id::text, platform, session_duration, session_views, session_start_timestamp FROM {x}',
    'tz2_dist', 'tz2_local');

------------------------------------------------------------------------------
-- The live report over viewer events distributed by live session, and by
-- viewer
------------------------------------------------------------------------------
\set sessions 3
\set viewers 100
\o /dev/null
\i bench/generate_webinar.sql
\o
CREATE TABLE wb_local (LIKE webinar_events);
INSERT INTO wb_local SELECT * FROM webinar_events;
CREATE TABLE wb_bysession (LIKE webinar_events);
SELECT create_distributed_table('wb_bysession', 'session_id', shard_count => 8) \g /dev/null
INSERT INTO wb_bysession SELECT * FROM webinar_events;
CREATE TABLE wb_byviewer (LIKE webinar_events);
SELECT create_distributed_table('wb_byviewer', 'viewer_id', shard_count => 8) \g /dev/null
INSERT INTO wb_byviewer SELECT * FROM webinar_events;
SELECT format('note: %s viewer events of %s live sessions, %s viewers',
              count(*), count(DISTINCT session_id), count(DISTINCT viewer_id)) FROM webinar_events;
SELECT count(*) FROM create_live_session_report('wb_local', 'lr_local') \g /dev/null
SELECT count(*) FROM create_live_session_report('wb_bysession', 'lr_bysession') \g /dev/null
SELECT count(*) FROM create_live_session_report('wb_byviewer', 'lr_byviewer') \g /dev/null

-- the parts of the report, floats rounded to 9 digits: Citus adds partial
-- sums of float8 in another order when the groups span workers
CREATE TEMP TABLE live_parts (part text, q text);
INSERT INTO live_parts VALUES
 ('events', 'SELECT * FROM lr{x}_events'),
 ('viewer_states', $q$SELECT live_session_id, viewer_id, viewer_name, country, device, live_state::text,
                             recording_state::text, reactions, chat_messages, poll_answers, polls_answered,
                             qna_threads, downloads, raised_hands, plays FROM lr{x}_viewer_states$q$),
 ('summary', $q$SELECT live_session_id, live_start, live_end, unique_viewers, live_viewers, recording_viewers,
                       round(avg_minutes_viewed::numeric, 9) AS avg_minutes_viewed, round(avg_live_minutes_viewed::numeric, 9) AS avg_live_minutes_viewed,
                       round(live_engagement_rate::numeric, 9) AS live_engagement_rate, round(reacting_viewers_rate::numeric, 9) AS reacting_viewers_rate, reactions,
                       round(chatting_viewers_rate::numeric, 9) AS chatting_viewers_rate, chat_messages, round(polling_viewers_rate::numeric, 9) AS polling_viewers_rate,
                       poll_answers, round(qna_viewers_rate::numeric, 9) AS qna_viewers_rate, qna_threads,
                       round(downloading_viewers_rate::numeric, 9) AS downloading_viewers_rate, downloads, raised_hands, recording_plays
                FROM lr{x}_summary$q$),
 ('timeline', $q$SELECT live_session_id, bucket_start, live_viewers, round(live_engagement_rate::numeric, 9) AS live_engagement_rate
                 FROM lr{x}_timeline$q$),
 ('viewers', 'SELECT * FROM lr{x}_viewers'),
 ('polls', 'SELECT * FROM lr{x}_polls'),
 ('recordings', $q$SELECT live_session_id, recording_id, impressions, plays, unique_viewers,
                          round(minutes_viewed::numeric, 9) AS minutes_viewed, round(avg_completion_rate::numeric, 9) AS avg_completion_rate
                   FROM lr{x}_recordings$q$),
 ('countries', 'SELECT * FROM lr{x}_countries'),
 ('devices', 'SELECT * FROM lr{x}_devices');
SELECT pg_temp.sz_compare(format('live report by %s: %s', d, part), q, '_by' || d, '_local')
FROM live_parts, unnest(ARRAY['session', 'viewer']) d
ORDER BY d, part;
-- where each part runs (sz_where: see the top)
SELECT pg_temp.sz_where(format('live report by %s: %s', d, part), replace(q, '{x}', '_by' || d))
FROM live_parts, unnest(ARRAY['session', 'viewer']) d
WHERE part NOT IN ('events')
ORDER BY d, part;
