-- Security and robustness of session tables and generated objects: each
-- attack is tried as an unprivileged role and must fail, and the data must
-- stay right.  (docs/security.md describes the model.)
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET client_min_messages = warning;
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE ROLE regress_sz_eve;			-- no grants at all
CREATE ROLE regress_sz_owner;		-- owns a source table, not the session table
CREATE ROLE regress_sz_loader;		-- may only INSERT into the source
CREATE ROLE regress_sz_bi;			-- a BI tool's reader
CREATE SCHEMA sec AUTHORIZATION regress_sz_owner;
GRANT USAGE ON SCHEMA sec TO PUBLIC;

-- The source (AWS event_v2 shape), owned by regress_sz_owner; the session
-- table and a session view over it, made by the superuser.
SET ROLE regress_sz_owner;
CREATE TABLE sec.events (
    event_id text, event_name text, event_timestamp timestamp, platform text,
    user_pseudo_id text, page_view_page_title text, screen_view_screen_name text,
    user_engagement_time_msec bigint);
INSERT INTO sec.events
SELECT 'e' || i, CASE WHEN i % 3 = 0 THEN '_user_engagement' ELSE '_page_view' END,
       timestamp '2026-05-01' + i * interval '7 minutes', (ARRAY['Web', 'iOS'])[1 + i % 2],
       'u' || (i % 9), 'P' || (i % 4), NULL, CASE WHEN i % 3 = 0 THEN 4000 END
FROM generate_series(1, 400) i;
GRANT INSERT ON sec.events TO regress_sz_loader;
RESET ROLE;
SELECT create_session_table('sec.events', 'sec_sessions');
SELECT create_session_view('sec.events', 'sec_ref', dashboards => false);
CREATE FUNCTION sec_check(OUT sessions bigint, OUT missing bigint, OUT extra bigint) LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM sec_sessions),
           (SELECT count(*) FROM (SELECT * FROM sec_ref EXCEPT ALL SELECT * FROM sec_sessions) x),
           (SELECT count(*) FROM (SELECT * FROM sec_sessions EXCEPT ALL SELECT * FROM sec_ref) y)
$$;
SELECT * FROM sec_check();

-- 1. Privileges of what was generated: the capture functions are the only
-- SECURITY DEFINER functions, and PUBLIC cannot execute them; nothing of
-- the session table is readable or writable by PUBLIC.
SELECT p.oid::regprocedure AS function, p.prosecdef AS security_definer,
       has_function_privilege('regress_sz_eve', p.oid, 'EXECUTE') AS eve_executes,
       p.proconfig AS settings
FROM pg_proc p
WHERE p.prosecdef OR p.proname LIKE 'sec_sessions%'
ORDER BY p.oid::regprocedure::text;
SELECT c.relname, has_table_privilege('regress_sz_eve', c.oid, 'SELECT') AS eve_reads,
       has_table_privilege('regress_sz_eve', c.oid, 'INSERT') AS eve_writes
FROM pg_class c WHERE c.relname LIKE 'sec_sessions%' AND c.relkind IN ('r', 'v')
ORDER BY 1;
-- every function of the extension pins search_path, but the thin public
-- SQL entry points, which only call pinned ones, fully qualified
SELECT p.oid::regprocedure AS unpinned
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'sessionize'
WHERE p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
  AND p.prokind <> 'a'
  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
ORDER BY p.oid::regprocedure::text;

-- 2. The escalation of issue 11, as eve: a trigger on her own temporary
-- table running the capture function, with a cast of her own that would
-- make her superuser.  Refused: she cannot execute the function.
SET ROLE regress_sz_eve;
CREATE TYPE pg_temp.evil AS (a text);
CREATE FUNCTION pg_temp.evil_to_text(pg_temp.evil) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN EXECUTE 'ALTER ROLE regress_sz_eve SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
    RETURN $1.a;
END $$;
CREATE CAST (pg_temp.evil AS text) WITH FUNCTION pg_temp.evil_to_text(pg_temp.evil);
CREATE TEMP TABLE fake (event_id text, event_name text, event_timestamp timestamp, platform text,
  user_pseudo_id pg_temp.evil, page_view_page_title text, screen_view_screen_name text, user_engagement_time_msec bigint);
CREATE TRIGGER t AFTER INSERT ON fake REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.sec_sessions_capture_insert();
-- nor write the bookkeeping, nor refresh, nor read the sessions
INSERT INTO sec_sessions_delta VALUES ('victim', 'Web', now(), 'x', 'forged', 1);
INSERT INTO sec_sessions_dirty VALUES (NULL, NULL, true);
SELECT refresh_session_table('sec_sessions');
SELECT count(*) FROM sec_sessions;
RESET ROLE;
DROP TABLE pg_temp.fake;
DROP TYPE pg_temp.evil CASCADE;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress_sz_%' ORDER BY 1;

-- 3. Even a role that may execute it (here the superuser) cannot run the
-- capture function from another trigger: on another table, or under
-- another name on the source.
CREATE TABLE sec_fake (LIKE sec.events);
CREATE TRIGGER t AFTER INSERT ON sec_fake REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sec_sessions_capture_insert();
INSERT INTO sec_fake VALUES ('x', '_page_view', '2026-06-10 12:00', 'Web', 'victim', 'p', NULL, NULL);
CREATE TRIGGER extra AFTER INSERT ON sec.events REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sec_sessions_capture_insert();
INSERT INTO sec.events VALUES ('x', '_page_view', '2026-06-10 12:00', 'Web', 'victim', 'p', NULL, NULL);
DROP TRIGGER extra ON sec.events;
DROP TABLE sec_fake;
SELECT count(*) AS forged FROM sec_sessions_delta WHERE user_pseudo_id = 'victim';

-- 4. A role allowed only to INSERT into the source has its events captured
-- (the capture functions run with their maker's rights for that), and the
-- next refresh is exact.
SET ROLE regress_sz_loader;
INSERT INTO sec.events VALUES ('l1', '_page_view', '2026-05-01 03:00', 'Web', 'u1', 'P9', NULL, NULL),
                              ('l2', '_page_view', '2026-06-01 00:00', 'Web', 'new', 'P9', NULL, NULL);
RESET ROLE;
SELECT count(*) AS captured FROM sec_sessions_delta;
SELECT refresh_session_table('sec_sessions');
SELECT * FROM sec_check();

-- 5. The source's owner changes a mapped column to a type with a cast of
-- her own.  Capture no longer casts it (it only marks the table for a
-- rebuild), so the cast never runs as the session table's maker; the next
-- refresh says what changed.  (A view over the column would forbid the
-- change: the reference view goes for the while.)
DROP VIEW sec_ref;
SET ROLE regress_sz_owner;
CREATE TABLE sec.cast_log (who name, at text);
GRANT INSERT ON sec.cast_log TO PUBLIC;
CREATE TYPE sec.evil AS (a text);
CREATE FUNCTION sec.evil_to_text(sec.evil) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sec.cast_log VALUES (current_user, 'cast');
    BEGIN EXECUTE 'ALTER ROLE regress_sz_owner SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
    RETURN $1.a;
END $$;
CREATE CAST (sec.evil AS text) WITH FUNCTION sec.evil_to_text(sec.evil);
ALTER TABLE sec.events ALTER COLUMN platform TYPE sec.evil USING ROW(platform)::sec.evil;
INSERT INTO sec.events VALUES ('o1', '_page_view', '2026-05-02 00:00', ROW('Web'), 'u2', 'P1', NULL, NULL);
RESET ROLE;
SELECT who, count(*) FROM sec.cast_log GROUP BY who ORDER BY 1;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'regress_sz_owner';
SELECT count(*) AS rebuild_marks FROM sec_sessions_dirty WHERE everything;
SELECT refresh_session_table('sec_sessions');
SELECT who, count(*) FROM sec.cast_log GROUP BY who ORDER BY 1;
-- back to text: the rebuild the capture asked for makes the table exact
ALTER TABLE sec.events ALTER COLUMN platform TYPE text USING (platform).a;
SELECT refresh_session_table('sec_sessions') > 0 AS rebuilt;
SELECT create_session_view('sec.events', 'sec_ref', dashboards => false);
SELECT * FROM sec_check();
DROP VIEW sec_ref;
-- a timestamp column migrated to timestamptz is detected the same way
ALTER TABLE sec.events ALTER COLUMN event_timestamp TYPE timestamptz USING event_timestamp AT TIME ZONE 'UTC';
INSERT INTO sec.events VALUES ('m1', '_page_view', '2026-05-03 00:00+00', 'Web', 'u3', 'P1', NULL, NULL);
SELECT refresh_session_table('sec_sessions');
ALTER TABLE sec.events ALTER COLUMN event_timestamp TYPE timestamp USING event_timestamp AT TIME ZONE 'UTC';
SELECT refresh_session_table('sec_sessions') > 0 AS rebuilt;
SELECT create_session_view('sec.events', 'sec_ref', dashboards => false);
SELECT * FROM sec_check();

-- A session table is refused over mapped columns whose type belongs to
-- another role (its casts would run in capture with the maker's rights).
SET ROLE regress_sz_owner;
CREATE TYPE sec.platform_kind AS ENUM ('Web', 'iOS');
CREATE TABLE sec.typed_events (LIKE sec.events);
ALTER TABLE sec.typed_events ALTER COLUMN platform TYPE sec.platform_kind USING platform::sec.platform_kind;
RESET ROLE;
SELECT create_session_table('sec.typed_events', 'sec_typed');
-- (the same columns are fine in a view, which runs as whoever reads it)
SELECT create_session_view('sec.typed_events', 'sec_typed_view', dashboards => false);

-- 6. search_path hijack: eve may create objects in a schema on the
-- superuser's search_path, and defines an operator that generated SQL
-- would pick over the built-in one (numeric * integer has no exact
-- built-in match).  Generators and refreshes never call it.
CREATE SCHEMA sec_open;
GRANT USAGE, CREATE ON SCHEMA sec_open TO regress_sz_eve;
SET ROLE regress_sz_eve;
CREATE TABLE sec_open.hijack_log (who name);
GRANT INSERT ON sec_open.hijack_log TO PUBLIC;
CREATE FUNCTION sec_open.times(numeric, integer) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sec_open.hijack_log VALUES (current_user);
    BEGIN EXECUTE 'ALTER ROLE regress_sz_eve SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
    RETURN $1 * $2::numeric;
END $$;
CREATE OPERATOR sec_open.* (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = sec_open.times);
CREATE FUNCTION sec_open.floor(numeric) RETURNS numeric LANGUAGE sql AS 'SELECT 0::numeric';
RESET ROLE;
SET search_path = sec_open, public;
SELECT create_session_view('sec.events', 'public.sec_hijack_view');
SELECT create_session_table('sec.events', 'public.sec_hijack_table');
INSERT INTO sec.events VALUES ('h1', '_page_view', '2026-05-04 00:00', 'Web', 'u4', 'P1', NULL, NULL);
SELECT refresh_session_table('sec_hijack_table');
SELECT count(*) > 0 AS has_rows FROM sec_hijack_view;
SELECT (SELECT count(*) FROM sec_hijack_table) = (SELECT count(*) FROM sec_hijack_view) AS same_count;
RESET search_path;
SELECT count(*) AS hijacked_calls FROM sec_open.hijack_log;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'regress_sz_eve';
-- nothing generated depends on eve's operator or function (but her
-- operator on her function)
SELECT pg_describe_object(classid, objid, objsubid) AS dependent FROM pg_depend
WHERE refobjid IN ('sec_open.*(numeric, integer)'::regoperator, 'sec_open.times(numeric, integer)'::regprocedure,
                   'sec_open.floor(numeric)'::regprocedure)
ORDER BY 1;
SELECT drop_session_table('sec_hijack_table');
DROP VIEW sec_hijack_view CASCADE;

-- 7. Row-level security.  A refresh must read the whole source: it refuses
-- to run when policies hide rows from its caller.  Policies belong on the
-- session table, and reach a BI role through the security_invoker dashboards.
CREATE SCHEMA sec_own AUTHORIZATION regress_sz_owner;
SET ROLE regress_sz_owner;
CREATE TABLE sec_own.events AS SELECT * FROM sec.events;
ALTER TABLE sec_own.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE sec_own.events FORCE ROW LEVEL SECURITY;
CREATE POLICY web_only ON sec_own.events USING (platform = 'Web');
SELECT create_session_table('sec_own.events', 'sec_own.sessions');
RESET ROLE;
GRANT SELECT ON sec_sessions, sec_sessions_daily TO regress_sz_bi;
ALTER TABLE sec_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY bi_web ON sec_sessions FOR SELECT TO regress_sz_bi USING (platform = 'Web');
SET ROLE regress_sz_bi;
SELECT platform, count(*) > 0 AS visible FROM sec_sessions GROUP BY platform ORDER BY 1;
SELECT sum(sessions) = (SELECT count(*) FROM sec_sessions) AS dashboard_filtered FROM sec_sessions_daily;
RESET ROLE;
SELECT (SELECT count(*) FROM sec_sessions WHERE platform = 'Web') < (SELECT count(*) FROM sec_sessions) AS bi_saw_less;
ALTER TABLE sec_sessions DISABLE ROW LEVEL SECURITY;

-- 8. Temporary objects: a session table's triggers outlive a session.
CREATE TEMP TABLE temp_events (LIKE sec.events);
SELECT create_session_table('temp_events', 'sec_temp_sessions');
SELECT create_session_table('sec.events', 'pg_temp.sec_temp_sessions');

-- 9. Names: every name made from a session table's must fit 63 bytes.
SELECT create_session_table('sec.events', repeat('n', 44));
SELECT create_session_table('sec.events', repeat('n', 43), dashboards => false) IS NOT NULL AS made;
SELECT drop_session_table(repeat('n', 43));

-- 10. Cleanup always works: after DROP TABLE of the session table (by its
-- name), after its source was dropped, and a refresh says plainly why it
-- cannot run.
CREATE TABLE sec_src2 AS SELECT * FROM sec.events;
SELECT create_session_table('sec_src2', 'sec_s2', dashboards => false) IS NOT NULL AS made;
DROP TABLE sec_s2 CASCADE;
SELECT drop_session_table('sec_s2');
SELECT count(*) AS left_over FROM pg_class WHERE relname LIKE 'sec\_s2%';
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'sec_src2'::regclass;
SELECT create_session_table('sec_src2', 'sec_s3', dashboards => false) IS NOT NULL AS made;
DROP TABLE sec_src2;
SELECT refresh_session_table('sec_s3');
SELECT drop_session_table('sec_s3');
SELECT count(*) AS left_over FROM pg_class WHERE relname LIKE 'sec\_s3%';
SELECT count(*) AS functions_left FROM pg_proc WHERE proname LIKE 'sec\_s%capture%';
SELECT drop_session_table('sec_nothing');

-- 11. A unique key on (session_id, platform), which the session table has:
-- a late event that merges two sessions, and one that moves a session's
-- start, are refreshed without a duplicate key.
SELECT indexdef FROM pg_indexes WHERE tablename = 'sec_sessions' AND indexdef LIKE '%UNIQUE%';
INSERT INTO sec.events VALUES ('k1', '_page_view', '2026-05-01 00:01', 'Web', 'u1', 'P1', NULL, NULL),
                              ('k2', '_page_view', '2026-05-01 05:20', 'iOS', 'u0', 'P1', NULL, NULL);
SELECT refresh_session_table('sec_sessions');
SELECT * FROM sec_check();

-- 12. Session ids of dates BC are those of the window function (to_char
-- would give 1 BC and AD 1 the same text).
CREATE TABLE sec_bc (event_id text, event_timestamp timestamptz, user_pseudo_id text);
INSERT INTO sec_bc VALUES ('a', '0001-06-01 00:00:00+00 BC', 'u'), ('b', '0001-06-01 00:00:00+00', 'u'),
                          ('c', '0002-06-01 00:00:00+00 BC', 'u');
SELECT create_session_view('sec_bc', 'sec_bc_view', platform_column => NULL, event_name_column => NULL,
                           page_title_column => NULL, screen_name_column => NULL,
                           engagement_column => NULL, dashboards => false);
SELECT v.session_id, w.session_id AS window_session_id, v.session_id = w.session_id AS same
FROM sec_bc_view v
JOIN (SELECT event_timestamp, session_id(user_pseudo_id, event_timestamp, '30 minutes') OVER (ORDER BY event_timestamp)
      FROM sec_bc) w ON floor(EXTRACT(epoch FROM w.event_timestamp) * 1000)::bigint = v.session_start_timestamp
ORDER BY v.session_start_timestamp;

-- 13. Error messages echo at most 64 bytes of a value.
SELECT session_number(now(), '30 minutes', day_boundary => repeat('x', 1000000)) OVER ();

-- 14. Bounded work: viewing_buckets() stops at a LIMIT (10 seconds of
-- viewing in microsecond buckets is ten million rows), and an events-mode
-- state refuses more events than it can hold within its memory bound.
SELECT count(*) FROM (
    SELECT b.* FROM (SELECT viewing_agg(timestamptz '2026-01-01', '10 seconds', true) AS st) v,
                    LATERAL viewing_buckets(v.st, timestamptz '2026-01-01', interval '1 microsecond') b
    LIMIT 3) x;
SELECT session_count(session_agg(timestamptz '2026-01-01' + i * interval '1 second', '30 minutes', NULL, NULL, NULL,
                                 session_rules(max_duration => '1 day')))
FROM generate_series(1, 2000001) i;

-- The live report leaves out impossible times (before 2000, or more than a
-- day ahead of now(): a client with a wrong clock), and a live session
-- stretched over more than 100000 buckets is named in an error instead of
-- filling millions of empty buckets.
CREATE TABLE sec_live (session_id text, viewer_id text, event_time timestamptz, event_type text);
INSERT INTO sec_live
SELECT 's1', 'v1', timestamptz '2026-03-02 14:00:00+00' + k * interval '10 seconds', 'heartbeat'
FROM generate_series(0, 59) k;
INSERT INTO sec_live VALUES ('s1', 'v2', '1970-01-01 00:00:00+00', 'heartbeat'),
                            ('s1', 'v3', now() + interval '10 years', 'heartbeat');
SELECT count(*) AS views FROM create_live_session_report('sec_live', 'sec_lr',
    viewer_name_column => NULL, playback_column => NULL, engaged_columns => '{}',
    poll_id_column => NULL, poll_question_column => NULL, poll_type_column => NULL,
    poll_answer_column => NULL, recording_column => NULL, play_column => NULL,
    percentile_column => NULL, country_column => NULL, device_column => NULL);
SELECT count(*) AS buckets, min(bucket_start), max(bucket_start), max(live_viewers) FROM sec_lr_timeline;
SELECT unique_viewers, live_viewers FROM sec_lr_summary;
INSERT INTO sec_live VALUES ('s1', 'v4', '2026-09-18 14:00:00+00', 'heartbeat');
SELECT count(*) FROM sec_lr_timeline;
SELECT max(cardinality(engagement_heatmap)) FROM sec_lr_viewers;
DROP TABLE sec_live CASCADE;

-- 15. Attacks of the review of the first fix.
-- a. The source's owner empties her table, drops the capture triggers and
-- turns it into a view whose rule would run her code as whoever refreshes:
-- a refresh checks that the source is still a table with its triggers.
SET ROLE regress_sz_owner;
CREATE TABLE sec.conv (LIKE sec.events);
INSERT INTO sec.conv SELECT * FROM sec.events LIMIT 10;
RESET ROLE;
SELECT create_session_table('sec.conv', 'sec_conv', dashboards => false) IS NOT NULL AS made;
SET ROLE regress_sz_owner;
DROP TRIGGER sec_conv_sessionize_insert ON sec.conv;
INSERT INTO sec.conv SELECT * FROM sec.events LIMIT 1;
RESET ROLE;
SELECT refresh_session_table('sec_conv');
SET ROLE regress_sz_owner;
CREATE FUNCTION sec.conv_rows() RETURNS SETOF sec.conv LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sec.cast_log VALUES (current_user, 'rule');
    BEGIN EXECUTE 'ALTER ROLE regress_sz_owner SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
    RETURN;
END $$;
TRUNCATE sec.conv;
DROP TRIGGER sec_conv_sessionize_update ON sec.conv;
DROP TRIGGER sec_conv_sessionize_delete ON sec.conv;
DROP TRIGGER sec_conv_sessionize_truncate ON sec.conv;
VACUUM sec.conv;	-- clears the table's "has triggers" flag
CREATE RULE "_RETURN" AS ON SELECT TO sec.conv DO INSTEAD SELECT * FROM sec.conv_rows();
RESET ROLE;
SELECT relkind FROM pg_class WHERE oid = 'sec.conv'::regclass;
SELECT refresh_session_table('sec_conv');
SELECT count(*) AS rule_calls FROM sec.cast_log WHERE at = 'rule';
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_sz_owner';
SELECT drop_session_table('sec_conv');

-- b. The owner of a session table puts a trigger on its bookkeeping that
-- would make her superuser when a superuser refreshes it (a pg_cron job):
-- only the owner may refresh.
CREATE SCHEMA sec_eve AUTHORIZATION regress_sz_eve;
CREATE TABLE sec_eve.events AS SELECT * FROM sec.events LIMIT 20;
ALTER TABLE sec_eve.events OWNER TO regress_sz_eve;
SET ROLE regress_sz_eve;
SELECT create_session_table('sec_eve.events', 'sec_eve.s', dashboards => false) IS NOT NULL AS made;
CREATE FUNCTION sec_eve.trap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN EXECUTE 'ALTER ROLE regress_sz_eve SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
    RETURN NULL;
END $$;
CREATE TRIGGER trap AFTER UPDATE ON sec_eve.s_config FOR EACH STATEMENT EXECUTE FUNCTION sec_eve.trap();
RESET ROLE;
SELECT refresh_session_table('sec_eve.s');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_sz_eve';
-- her own refresh runs her trigger with her own rights only
SET ROLE regress_sz_eve;
SELECT refresh_session_table('sec_eve.s');
RESET ROLE;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_sz_eve';

-- c. A function made beforehand under the name of a capture function, in a
-- schema where eve may create: creating the session table fails, and her
-- function stays hers, not made a SECURITY DEFINER of the superuser.
CREATE SCHEMA sec_shared;
GRANT USAGE, CREATE ON SCHEMA sec_shared TO regress_sz_eve;
SET ROLE regress_sz_eve;
CREATE FUNCTION sec_shared.s4_capture_insert() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
RESET ROLE;
SELECT create_session_table('sec.events', 'sec_shared.s4', dashboards => false);
SELECT p.proowner::regrole AS owner, p.prosecdef FROM pg_proc p WHERE p.oid = 'sec_shared.s4_capture_insert()'::regprocedure;
SELECT count(*) AS left_over FROM pg_class WHERE relnamespace = 'sec_shared'::regnamespace;

-- d. Events without a user: two sessions of no user on one platform, and
-- the unique key (their session_id is NULL) holds.
INSERT INTO sec.events VALUES ('n1', '_page_view', '2026-05-01 01:00', 'Web', NULL, 'P', NULL, NULL),
                              ('n2', '_page_view', '2026-05-01 03:00', 'Web', NULL, 'P', NULL, NULL);
SELECT refresh_session_table('sec_sessions') > 0 AS rebuilt;
SELECT * FROM sec_check();
SELECT count(*) AS sessions_without_user FROM sec_sessions WHERE user_pseudo_id IS NULL;

-- e. A temporary table made beforehand under the name a refresh used
-- before 0.2.0 (it uses none now), with a trigger of eve's: the refresh
-- never runs it.
SET ROLE regress_sz_eve;
CREATE TEMP TABLE sessionize_refresh_windows (user_pseudo_id text, platform text, del boolean,
    lo bigint, hi bigint, lo_ts timestamptz, hi_ts timestamptz, state bytea);
CREATE FUNCTION pg_temp.trap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN EXECUTE 'ALTER ROLE regress_sz_eve SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
    RETURN NULL;
END $$;
CREATE TRIGGER trap AFTER INSERT ON pg_temp.sessionize_refresh_windows
    FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.trap();
RESET ROLE;
INSERT INTO sec.events VALUES ('t1', '_page_view', '2026-05-01 05:00', 'Web', 'u5', 'P', NULL, NULL);
SELECT refresh_session_table('sec_sessions');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_sz_eve';
SELECT * FROM sec_check();
DROP TABLE pg_temp.sessionize_refresh_windows;
DROP FUNCTION pg_temp.trap();

-- f. Default privileges reach the session table, as an administrator who
-- set them expects, but never its bookkeeping (raw captured events) nor
-- its capture functions.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO regress_sz_bi;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO regress_sz_bi;
SELECT create_session_table('sec.events', 'sec_dp', dashboards => false) IS NOT NULL AS made;
SELECT c.relname, has_table_privilege('regress_sz_bi', c.oid, 'SELECT') AS bi_reads
FROM pg_class c WHERE c.relname LIKE 'sec\_dp%' AND c.relkind = 'r' ORDER BY 1;
SELECT p.proname, has_function_privilege('regress_sz_bi', p.oid, 'EXECUTE') AS bi_executes
FROM pg_proc p WHERE p.proname LIKE 'sec\_dp\_capture%' ORDER BY 1;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM regress_sz_bi;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM regress_sz_bi;
SELECT drop_session_table('sec_dp');

-- g. Inheritance children: rows inserted into a child fire no trigger of
-- the parent, so such sources are refused, when made and when a child
-- comes later.
CREATE TABLE sec_parent (LIKE sec.events);
CREATE TABLE sec_child () INHERITS (sec_parent);
SELECT create_session_table('sec_parent', 'sec_inh', dashboards => false);
DROP TABLE sec_child;
SELECT create_session_table('sec_parent', 'sec_inh', dashboards => false) IS NOT NULL AS made;
CREATE TABLE sec_child () INHERITS (sec_parent);
SELECT refresh_session_table('sec_inh');
DROP TABLE sec_child;
SELECT drop_session_table('sec_inh');
DROP TABLE sec_parent;

-- h. A nondeterministic collation on a mapped column ('u1' and 'U1' one
-- user in a rebuild, two in the incremental path) is refused.
CREATE COLLATION sec_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE sec_ci_events (LIKE sec.events);
ALTER TABLE sec_ci_events ALTER COLUMN user_pseudo_id TYPE text COLLATE sec_ci;
SELECT create_session_table('sec_ci_events', 'sec_ci_s', dashboards => false);
DROP TABLE sec_ci_events;
DROP COLLATION sec_ci;

-- i. A domain over a built-in type, owned by eve, on a mapped column: casts
-- to it run its constraints, her code, as whoever creates or refreshes.
-- Refused when made; and when the domain passes to her later, the next
-- refresh refuses.
SET ROLE regress_sz_eve;
CREATE FUNCTION sec_shared.eve_check(text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    BEGIN EXECUTE 'ALTER ROLE regress_sz_eve SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
    RETURN true;
END $$;
CREATE DOMAIN sec_shared.eve_uid AS text;
RESET ROLE;
CREATE TABLE sec_dom_events (LIKE sec.events);
ALTER TABLE sec_dom_events ALTER COLUMN user_pseudo_id TYPE sec_shared.eve_uid;
INSERT INTO sec_dom_events SELECT * FROM sec.events LIMIT 10;
SELECT create_session_table('sec_dom_events', 'sec_dom', dashboards => false);
CREATE DOMAIN sec_shared.uid AS text;
ALTER TABLE sec_dom_events ALTER COLUMN user_pseudo_id TYPE sec_shared.uid;
SELECT create_session_table('sec_dom_events', 'sec_dom', dashboards => false) IS NOT NULL AS made;
ALTER DOMAIN sec_shared.uid OWNER TO regress_sz_eve;
SET ROLE regress_sz_eve;
ALTER DOMAIN sec_shared.uid ADD CONSTRAINT c CHECK (sec_shared.eve_check(VALUE));
RESET ROLE;
SELECT refresh_session_table('sec_dom');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_sz_eve';
SELECT drop_session_table('sec_dom');
DROP TABLE sec_dom_events;

-- cleanup
SELECT drop_session_table('sec_sessions');
DROP VIEW sec_ref, sec_typed_view, sec_bc_view;
DROP TABLE sec_bc;
DROP FUNCTION sec_check();
DROP SCHEMA sec, sec_own, sec_open, sec_eve, sec_shared CASCADE;
DROP ROLE regress_sz_eve, regress_sz_owner, regress_sz_loader, regress_sz_bi;
