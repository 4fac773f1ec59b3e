-- refresh_session_table() at the cost of the new events (issue 14): one
-- mergeable state per session; a refresh reads only the stored sessions
-- within the timeout of its new events, not the partition's history, and
-- not the source unless updates or deletes were captured; every kind of
-- late event, bridge and edge ends exactly as the full recomputation.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\pset null '(null)'

CREATE TABLE sr_events (
    event_id text NOT NULL, event_name text, event_timestamp timestamptz,
    platform text, user_pseudo_id text, page_view_page_title text,
    screen_view_screen_name text, user_engagement_time_msec bigint);
-- "long": 1,000 sessions of two events (10 minutes apart), one an hour;
-- "short": three sessions; NULL and empty platforms
INSERT INTO sr_events
SELECT 'h' || i || '-' || k, '_page_view',
       timestamptz '2026-01-01' + i * interval '1 hour' + k * interval '10 minutes',
       'Web', 'long', 'P' || (i % 7), NULL, NULL
FROM generate_series(1, 1000) i, generate_series(0, 1) k;
INSERT INTO sr_events VALUES
 ('s1', '_page_view', '2026-01-02 08:00', 'iOS', 'short', NULL, 'S1', NULL),
 ('s2', '_page_view', '2026-01-02 12:00', 'iOS', 'short', NULL, 'S2', NULL),
 ('s3', '_page_view', '2026-01-02 16:00', 'iOS', 'short', NULL, 'S3', NULL),
 ('p1', '_page_view', '2026-01-02 08:00', NULL, 'short', 'N1', NULL, NULL),
 ('p2', '_page_view', '2026-01-02 08:00', '', 'short', 'E1', NULL, NULL);
SELECT create_session_table('sr_events', 'sr', dashboards => false) IS NOT NULL AS made;
SELECT create_session_view('sr_events', 'sr_ref', dashboards => false) IS NOT NULL AS made;

-- sr_check(): rows of the view missing from the table and rows in excess
-- (both 0 when it is exact); states holding other than one session, or a
-- session other than their row's; states and rows without each other.
CREATE FUNCTION sr_check(OUT sessions bigint, OUT missing bigint, OUT extra bigint,
                         OUT bad_states bigint, OUT unpaired bigint)
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM sr),
           (SELECT count(*) FROM (SELECT * FROM sr_ref EXCEPT ALL SELECT * FROM sr) x),
           (SELECT count(*) FROM (SELECT * FROM sr EXCEPT ALL SELECT * FROM sr_ref) y),
           (SELECT count(*) FROM sr_state s
            WHERE session_count(s.state) <> 1
               OR (SELECT (x.session_start, x.session_end) FROM sessions(s.state) x)
                  IS DISTINCT FROM (s.session_start, s.session_end)),
           (SELECT count(*) FROM sr_state s FULL JOIN sr t
              ON t.user_pseudo_id = s.user_pseudo_id AND t.platform IS NOT DISTINCT FROM s.platform
             AND t.session_start_timestamp = floor(extract(epoch FROM s.session_start) * 1000)
            WHERE s.state IS NULL OR t.session_id IS NULL)
$$;
-- sr_mark() then sr_reads(): what a refresh read and wrote in between, per
-- table (pg_stat_xact_user_tables, in one transaction)
CREATE FUNCTION sr_counts(OUT relname name, OUT seq_scan bigint, OUT idx_tup_fetch bigint,
                          OUT ins bigint, OUT upd bigint, OUT del bigint)
RETURNS SETOF record LANGUAGE sql AS $$
    SELECT relname, seq_scan, coalesce(idx_tup_fetch, 0), n_tup_ins, n_tup_upd, n_tup_del
    FROM pg_stat_xact_user_tables
    WHERE relname IN ('sr_events', 'sr_state', 'sr')
$$;
CREATE FUNCTION sr_mark() RETURNS void LANGUAGE sql AS $$
    CREATE TEMP TABLE sr_before ON COMMIT DROP AS SELECT * FROM sr_counts();
$$;
CREATE FUNCTION sr_reads(OUT relname name, OUT seq_scan bigint, OUT idx_tup_fetch bigint,
                         OUT ins bigint, OUT upd bigint, OUT del bigint)
RETURNS SETOF record LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY
    SELECT a.relname, a.seq_scan - b.seq_scan, a.idx_tup_fetch - b.idx_tup_fetch,
           a.ins - b.ins, a.upd - b.upd, a.del - b.del
    FROM sr_counts() a JOIN pg_temp.sr_before b USING (relname)
    ORDER BY a.relname;
END $$;

-- 1. A session per state, and statistics right after the build.
SELECT * FROM sr_check();
SELECT count(*) AS states, count(DISTINCT partition_key) AS partitions FROM sr_state;
SELECT c.relname, c.reltuples > 0 AS analyzed FROM pg_class c
WHERE c.relname IN ('sr', 'sr_state') ORDER BY 1;

-- 2. An event that extends the last session of "long" (1,000 sessions of
-- history): the refresh fetches two stored states (the two latest before
-- the event's window ends) and one session row, updates one state and one
-- row, and never reads the source.
BEGIN;
INSERT INTO sr_events VALUES ('n1', '_page_view', timestamptz '2026-01-01' + 1000 * interval '1 hour' + interval '25 minutes', 'Web', 'long', 'X', NULL, NULL);
SELECT sr_mark();
SELECT refresh_session_table('sr') AS processed;
SELECT * FROM sr_reads();
COMMIT;
SELECT * FROM sr_check();
-- A late event in the middle of its history: the same.
BEGIN;
INSERT INTO sr_events VALUES ('n2', '_page_view', timestamptz '2026-01-01' + 500 * interval '1 hour' + interval '15 minutes', 'Web', 'long', 'Y', NULL, NULL);
SELECT sr_mark();
SELECT refresh_session_table('sr') AS processed;
SELECT * FROM sr_reads();
COMMIT;
SELECT * FROM sr_check();
-- A late event that moves the start of a session, 15 minutes before it and
-- 35 after the one before (its session_id changes): the old state and row
-- are deleted, new ones inserted.
BEGIN;
INSERT INTO sr_events VALUES ('n3', '_page_view', timestamptz '2026-01-01' + 400 * interval '1 hour' - interval '15 minutes', 'Web', 'long', 'Z', NULL, NULL);
SELECT sr_mark();
SELECT refresh_session_table('sr') AS processed;
SELECT * FROM sr_reads();
COMMIT;
SELECT * FROM sr_check();
-- A delete is recomputed from the source: the refresh reads it.
BEGIN;
DELETE FROM sr_events WHERE event_id = 's2';
SELECT sr_mark();
SELECT refresh_session_table('sr') AS processed;
SELECT relname, seq_scan > 0 AS source_read FROM sr_reads() WHERE relname = 'sr_events';
COMMIT;
SELECT * FROM sr_check();

-- An event more than the timeout after every stored session ended (the
-- latest end, which the configuration records as stored_end): no stored
-- session can join it, and the refresh reads no state.  One 10 minutes
-- after it then joins the session that refresh stored (stored_end moved).
BEGIN;
INSERT INTO sr_events VALUES ('a1', '_page_view', timestamptz '2026-01-01' + 1002 * interval '1 hour', 'Web', 'long', 'A1', NULL, NULL);
SELECT config->>'stored_end' AS stored_end FROM sr_config;
SELECT sr_mark();
SELECT refresh_session_table('sr') AS processed;
SELECT * FROM sr_reads();
COMMIT;
SELECT config->>'stored_end' AS stored_end FROM sr_config;
BEGIN;
INSERT INTO sr_events VALUES ('a2', '_page_view', timestamptz '2026-01-01' + 1002 * interval '1 hour' + interval '10 minutes', 'Web', 'long', 'A2', NULL, NULL);
SELECT sr_mark();
SELECT refresh_session_table('sr') AS processed;
SELECT * FROM sr_reads();
COMMIT;
SELECT session_views, entry_view, exit_view FROM sr
WHERE user_pseudo_id = 'long' ORDER BY session_start_timestamp DESC LIMIT 1;
SELECT * FROM sr_check();

-- 3. Bridges.  One event between two sessions of "long" 30 minutes from
-- each (gaps of exactly the timeout join): the two become one.
INSERT INTO sr_events VALUES ('b1', '_page_view', timestamptz '2026-01-01' + 600 * interval '1 hour' + interval '40 minutes', 'Web', 'long', 'B', NULL, NULL);
SELECT refresh_session_table('sr') AS processed;
SELECT count(*) AS sessions_in_that_hour FROM sr
WHERE user_pseudo_id = 'long' AND session_start_timestamp
      BETWEEN floor(extract(epoch FROM timestamptz '2026-01-01' + 600 * interval '1 hour') * 1000)
          AND floor(extract(epoch FROM timestamptz '2026-01-01' + 601 * interval '1 hour') * 1000);
SELECT * FROM sr_check();
-- Two new chains apart by more than the timeout, each joining the same
-- stored session (08:00) from one side, and a third one 31 minutes after.
INSERT INTO sr_events VALUES
 ('b2', '_page_view', '2026-01-02 07:35', 'iOS', 'short', NULL, 'B2', NULL),
 ('b3', '_page_view', '2026-01-02 08:25', 'iOS', 'short', NULL, 'B3', NULL),
 ('b4', '_page_view', '2026-01-02 08:56', 'iOS', 'short', NULL, 'B4', NULL);
SELECT refresh_session_table('sr') AS processed;
SELECT session_id, session_duration, session_views, entry_view, exit_view FROM sr
WHERE user_pseudo_id = 'short' AND platform = 'iOS' ORDER BY session_id;
SELECT * FROM sr_check();
-- One chain of new events over several stored sessions (the two latest
-- before its window ends both start inside it): all merge into one.
INSERT INTO sr_events
SELECT 'c' || i, '_page_view', timestamptz '2026-01-01' + 700 * interval '1 hour' + i * interval '20 minutes', 'Web', 'long', 'C', NULL, NULL
FROM generate_series(0, 12) i;
SELECT refresh_session_table('sr') AS processed;
SELECT count(*) AS sessions_in_those_hours FROM sr
WHERE user_pseudo_id = 'long' AND session_start_timestamp
      BETWEEN floor(extract(epoch FROM timestamptz '2026-01-01' + 699 * interval '1 hour') * 1000)
          AND floor(extract(epoch FROM timestamptz '2026-01-01' + 705 * interval '1 hour') * 1000);
SELECT * FROM sr_check();
-- Before and after all history, at the same instant as stored events, and
-- in partitions with a NULL and an empty platform.
INSERT INTO sr_events VALUES
 ('e1', '_page_view', '2025-12-01 00:00', 'Web', 'long', 'E', NULL, NULL),
 ('e2', '_page_view', '2026-03-01 00:00', 'Web', 'long', 'E', NULL, NULL),
 ('e3', '_page_view', '2026-01-02 08:00', 'iOS', 'short', NULL, 'T', NULL),
 ('e4', '_page_view', '2026-01-02 08:20', NULL, 'short', 'N2', NULL, NULL),
 ('e5', '_page_view', '2026-01-02 08:40', '', 'short', 'E2', NULL, NULL);
SELECT refresh_session_table('sr') AS processed;
SELECT * FROM sr_check();

-- 4. Times near the ends of the timestamp range, in one partition: the
-- window of the new events has no bound there, and the difference between
-- its two ends would overflow.
INSERT INTO sr_events VALUES
 ('x1', '_page_view', '4713-01-01 00:10 BC', 'Web', 'edge', 'A', NULL, NULL),
 ('x2', '_page_view', '294276-12-31 23:00', 'Web', 'edge', 'B', NULL, NULL);
SELECT refresh_session_table('sr') AS processed;
INSERT INTO sr_events VALUES
 ('x3', '_page_view', '4713-01-01 00:30 BC', 'Web', 'edge', 'C', NULL, NULL),
 ('x4', '_page_view', '294276-12-31 23:20', 'Web', 'edge', 'D', NULL, NULL);
SELECT refresh_session_table('sr') AS processed;
SELECT * FROM sr_check();

-- 5. Keys computed by a server that hashes differently (a restore on
-- another platform): the refresh rebuilds, and records this server's.
UPDATE sr_state SET partition_key = partition_key + 1;
UPDATE sr_config SET config = jsonb_set(config, '{key_check}', '"0"');
INSERT INTO sr_events VALUES ('k1', '_page_view', '2026-01-02 16:10', 'iOS', 'short', NULL, 'K', NULL);
SELECT refresh_session_table('sr') = (SELECT count(*) FROM sr_events WHERE event_timestamp IS NOT NULL) AS rebuilt;
SELECT config->>'key_check' = sessionize_key_check() AS key_recorded FROM sr_config;
SELECT * FROM sr_check();

-- 6. A state table in the layout of 0.1.0 (one state per user): the next
-- refresh moves it to one state per session and rebuilds.
TRUNCATE sr_state;
ALTER TABLE sr_state DROP COLUMN partition_key, DROP COLUMN session_start, DROP COLUMN session_end,
    ADD COLUMN pkey text PRIMARY KEY, ADD COLUMN last_event timestamptz;
SELECT refresh_session_table('sr') > 0 AS rebuilt;
SELECT attname FROM pg_attribute WHERE attrelid = 'sr_state'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT * FROM sr_check();

-- 7. Refreshes run without JIT, with their search_path and with ISO dates
-- (watermarks written into statements), whatever the session's settings.
SELECT proconfig FROM pg_proc WHERE proname = 'refresh_session_table';
SET jit = on;
SET jit_above_cost = 0;
INSERT INTO sr_events VALUES ('j1', '_page_view', '2026-01-02 16:30', 'iOS', 'short', NULL, 'J', NULL);
SELECT refresh_session_table('sr') AS processed;
RESET jit;
RESET jit_above_cost;
SELECT * FROM sr_check();

-- 8. Recomputed partitions move stored_end too.  An update moves an event
-- hours after every stored session (its partition is recomputed from the
-- source), and a rebuild_session_users() recomputes one whose source rows
-- moved unseen: each time, an event 20 minutes later must still be probed
-- and join the session that refresh stored.
CREATE TABLE sr2_events (LIKE sr_events);
INSERT INTO sr2_events VALUES
 ('q1', '_page_view', '2026-03-01 08:00', 'Web', 'q', 'Q1', NULL, NULL),
 ('q2', '_page_view', '2026-03-01 08:10', 'Web', 'q', 'Q2', NULL, NULL),
 ('r1', '_page_view', '2026-03-01 09:00', 'Web', 'r', 'R1', NULL, NULL);
SELECT create_session_table('sr2_events', 'sr2', dashboards => false) IS NOT NULL AS made;
SELECT create_session_view('sr2_events', 'sr2_ref', dashboards => false) IS NOT NULL AS made;
SELECT config->>'stored_end' AS stored_end FROM sr2_config;
UPDATE sr2_events SET event_timestamp = '2026-03-01 12:00' WHERE event_id = 'q2';
SELECT refresh_session_table('sr2') AS processed;
SELECT config->>'stored_end' AS stored_end FROM sr2_config;
INSERT INTO sr2_events VALUES ('q3', '_page_view', '2026-03-01 12:20', 'Web', 'q', 'Q3', NULL, NULL);
SELECT refresh_session_table('sr2') AS processed;
ALTER TABLE sr2_events DISABLE TRIGGER USER;
UPDATE sr2_events SET event_timestamp = '2026-03-01 15:00' WHERE event_id = 'r1';
ALTER TABLE sr2_events ENABLE TRIGGER USER;
SELECT rebuild_session_users('sr2', ARRAY['r']) AS marked;
SELECT refresh_session_table('sr2') AS processed;
SELECT config->>'stored_end' AS stored_end FROM sr2_config;
INSERT INTO sr2_events VALUES ('r2', '_page_view', '2026-03-01 15:20', 'Web', 'r', 'R2', NULL, NULL);
SELECT refresh_session_table('sr2') AS processed;
SELECT user_pseudo_id, session_views, entry_view, exit_view FROM sr2 ORDER BY session_id;
SELECT (SELECT count(*) FROM (SELECT * FROM sr2_ref EXCEPT ALL SELECT * FROM sr2) x) AS missing,
       (SELECT count(*) FROM (SELECT * FROM sr2 EXCEPT ALL SELECT * FROM sr2_ref) y) AS extra;
SELECT drop_session_table('sr2');
DROP VIEW sr2_ref;
DROP TABLE sr2_events;

-- Cleanup
SELECT drop_session_table('sr');
DROP VIEW sr_ref;
DROP TABLE sr_events;
DROP FUNCTION sr_check();
DROP FUNCTION sr_reads();
DROP FUNCTION sr_mark();
DROP FUNCTION sr_counts();
