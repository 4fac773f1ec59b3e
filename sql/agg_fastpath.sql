-- The inline fast path of session_agg's transition (sess_state_add_fast in
-- src/session_state.h) does for the usual event what the general path
-- (sess_state_add in src/session_state.c) does, and hands every other event
-- over to it.  One case per condition under which it hands over, each a few
-- events whose arrival order (n) meets that condition, next to events the
-- fast path takes.  The state built in arrival order must be byte for byte
-- the one merged from one-event states (which never take the fast path), in
-- order and in reverse, and the ones built in reverse and in four shuffled
-- orders (where other events hand over); and sessions() must read the same
-- sessions out of each.  Only mismatches are printed, then a count per case.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET max_parallel_workers_per_gather = 0;

-- The events: case, arrival order, time after 10:00 UTC, timeout, view,
-- event id, engagement, split key, start flag.
CREATE TEMP TABLE fp AS
SELECT c, n, timestamptz '2026-05-01 10:00+00' + t AS ts, tmo, view, id, eng, key, st
FROM (VALUES
    -- 01: the first event of a state
    ('01 first event', 1, interval '0', interval '30 min', '/home', 'e1', 5::bigint, NULL, false),
    -- 02: control, every event after the first stays inline: later views
    -- replace the exit in place, an event exactly at the expiry joins,
    -- NULL views and NULL ids
    ('02 in order', 1, '0', '30 min', '/home', 'e1', 100, NULL, false),
    ('02 in order', 2, '5 min', '30 min', NULL, 'e2', 0, NULL, false),
    ('02 in order', 3, '10 min', '30 min', '/p1', 'e3', 50, NULL, false),
    ('02 in order', 4, '10 min', '30 min', NULL, 'e4', 0, NULL, false),
    ('02 in order', 5, '40 min', '30 min', '/p2', 'e5', 0, NULL, false),
    ('02 in order', 6, '41 min', '30 min', NULL, NULL, 7, NULL, false),
    ('02 in order', 7, '41 min', '30 min', '/p3', NULL, 0, NULL, false),
    -- 03: past the latest session's expiry (by 1 microsecond in n = 3):
    -- the event starts a new session
    ('03 past the expiry', 1, '0', '30 min', '/a', 'e1', 0, NULL, false),
    ('03 past the expiry', 2, '30 min', '30 min', '/b', 'e2', 0, NULL, false),
    ('03 past the expiry', 3, '01:00:00.000001', '30 min', '/c', 'e3', 0, NULL, false),
    ('03 past the expiry', 4, '61 min', '30 min', '/d', 'e4', 0, NULL, false),
    ('03 past the expiry', 5, '3 hours', '30 min', NULL, 'e5', 0, NULL, false),
    -- 04: before the latest session's start but within its reach: the
    -- session grows backwards (n = 4, 5), apart from the one before it
    ('04 before the latest session, joining it', 1, '0', '30 min', '/a', 'e1', 0, NULL, false),
    ('04 before the latest session, joining it', 2, '60 min', '30 min', '/b', 'e2', 0, NULL, false),
    ('04 before the latest session, joining it', 3, '70 min', '30 min', '/c', 'e3', 0, NULL, false),
    ('04 before the latest session, joining it', 4, '50 min', '30 min', '/x', 'e4', 0, NULL, false),
    ('04 before the latest session, joining it', 5, '45 min', '30 min', NULL, 'e5', 0, NULL, false),
    ('04 before the latest session, joining it', 6, '80 min', '30 min', '/d', 'e6', 0, NULL, false),
    -- 05: before the latest session and apart from it: a new run of the
    -- state (n = 3, 5, 6); past four runs (n = 7) the state moves its
    -- sessions to an array and late events wait in a pending list; n = 10
    -- joins the sessions of n = 5 and n = 9 into one
    ('05 before the latest session, apart from it', 1, '300 min', '30 min', '/a', 'e1', 0, NULL, false),
    ('05 before the latest session, apart from it', 2, '310 min', '30 min', '/b', 'e2', 0, NULL, false),
    ('05 before the latest session, apart from it', 3, '200 min', '30 min', '/c', 'e3', 0, NULL, false),
    ('05 before the latest session, apart from it', 4, '210 min', '30 min', '/d', 'e4', 0, NULL, false),
    ('05 before the latest session, apart from it', 5, '100 min', '30 min', '/e', 'e5', 0, NULL, false),
    ('05 before the latest session, apart from it', 6, '0', '30 min', '/f', 'e6', 0, NULL, false),
    ('05 before the latest session, apart from it', 7, '-100 min', '30 min', '/g', 'e7', 0, NULL, false),
    ('05 before the latest session, apart from it', 8, '320 min', '30 min', '/h', 'e8', 0, NULL, false),
    ('05 before the latest session, apart from it', 9, '150 min', '30 min', NULL, 'e9', 0, NULL, false),
    ('05 before the latest session, apart from it', 10, '130 min', '30 min', '/i', 'e10', 0, NULL, false),
    ('05 before the latest session, apart from it', 11, '400 min', '30 min', '/j', 'e11', 0, NULL, false),
    -- 06: after the latest session's start but before its end: inline
    -- without a view (n = 3); a view not later than the exit (n = 4) goes
    -- the general way, and so does one that becomes the entry (n = 5)
    ('06 within the latest session, out of order', 1, '10 min', '30 min', '/b', 'e1', 0, NULL, false),
    ('06 within the latest session, out of order', 2, '30 min', '30 min', '/d', 'e2', 0, NULL, false),
    ('06 within the latest session, out of order', 3, '20 min', '30 min', NULL, 'e3', 0, NULL, false),
    ('06 within the latest session, out of order', 4, '25 min', '30 min', '/c', 'e4', 0, NULL, false),
    ('06 within the latest session, out of order', 5, '10 min', '30 min', '/a', 'e0', 0, NULL, false),
    ('06 within the latest session, out of order', 6, '31 min', '30 min', '/e', 'e5', 0, NULL, false),
    -- 07: a view at the exit's time: the event id decides (NULL after
    -- every id), then the name
    ('07 a view at the exit''s time', 1, '0', '30 min', '/a', 'm', 0, NULL, false),
    ('07 a view at the exit''s time', 2, '1 min', '30 min', '/b', 'm', 0, NULL, false),
    ('07 a view at the exit''s time', 3, '1 min', '30 min', '/c', 'z', 0, NULL, false),
    ('07 a view at the exit''s time', 4, '1 min', '30 min', '/d', 'a', 0, NULL, false),
    ('07 a view at the exit''s time', 5, '1 min', '30 min', '/e', NULL, 0, NULL, false),
    ('07 a view at the exit''s time', 6, '1 min', '30 min', '/f', NULL, 0, NULL, false),
    ('07 a view at the exit''s time', 7, '1 min', '30 min', '/0', NULL, 0, NULL, false),
    ('07 a view at the exit''s time', 8, '2 min', '30 min', '/g', 'b', 0, NULL, false),
    -- 08: the first view of a session (n = 3, 6): the exit means nothing
    -- before it
    ('08 the first view of a session', 1, '0', '30 min', NULL, 'e1', 0, NULL, false),
    ('08 the first view of a session', 2, '1 min', '30 min', NULL, 'e2', 0, NULL, false),
    ('08 the first view of a session', 3, '2 min', '30 min', '/a', 'e3', 0, NULL, false),
    ('08 the first view of a session', 4, '3 min', '30 min', '/b', 'e4', 0, NULL, false),
    ('08 the first view of a session', 5, '60 min', '30 min', NULL, 'e5', 0, NULL, false),
    ('08 the first view of a session', 6, '61 min', '30 min', '/c', 'e6', 0, NULL, false),
    ('08 the first view of a session', 7, '62 min', '30 min', NULL, 'e7', 0, NULL, false),
    -- 09: event id and view name of 40 bytes fit inline, of 41 do not: 41
    -- bytes after an inline exit (n = 3), 39 after a long one (n = 4), 100
    -- (n = 6) go the general way
    ('09 a view that does not fit where the exit is', 1, '0', '30 min', repeat('a', 20), repeat('1', 20), 0, NULL, false),
    ('09 a view that does not fit where the exit is', 2, '1 min', '30 min', repeat('b', 20), repeat('2', 20), 0, NULL, false),
    ('09 a view that does not fit where the exit is', 3, '2 min', '30 min', repeat('c', 21), repeat('3', 20), 0, NULL, false),
    ('09 a view that does not fit where the exit is', 4, '3 min', '30 min', repeat('d', 19), repeat('4', 20), 0, NULL, false),
    ('09 a view that does not fit where the exit is', 5, '4 min', '30 min', '', repeat('5', 20), 0, NULL, false),
    ('09 a view that does not fit where the exit is', 6, '5 min', '30 min', repeat('f', 100), NULL, 0, NULL, false),
    -- 10: both longer than 40 bytes: inline into the exit's own allocation
    -- (n = 2: 45 bytes into 50; n = 4, 5: 55 and 60 into 60), not beyond it
    -- (n = 3: 60 into 50; n = 6: 61 into 60)
    ('10 a view longer than the exit''s allocation', 1, '0', '30 min', repeat('a', 30), repeat('1', 20), 0, NULL, false),
    ('10 a view longer than the exit''s allocation', 2, '1 min', '30 min', repeat('b', 25), repeat('2', 20), 0, NULL, false),
    ('10 a view longer than the exit''s allocation', 3, '2 min', '30 min', repeat('c', 40), repeat('3', 20), 0, NULL, false),
    ('10 a view longer than the exit''s allocation', 4, '3 min', '30 min', repeat('d', 35), repeat('4', 20), 0, NULL, false),
    ('10 a view longer than the exit''s allocation', 5, '4 min', '30 min', repeat('e', 40), repeat('5', 20), 0, NULL, false),
    ('10 a view longer than the exit''s allocation', 6, '5 min', '30 min', repeat('f', 41), repeat('6', 20), 0, NULL, false),
    -- 11: a NULL event id takes no bytes, nor does an empty one, which
    -- comes before it in a tie; a long id makes a short view long
    ('11 NULL, empty and long event ids', 1, '0', '30 min', repeat('a', 40), NULL, 0, NULL, false),
    ('11 NULL, empty and long event ids', 2, '1 min', '30 min', repeat('b', 40), NULL, 0, NULL, false),
    ('11 NULL, empty and long event ids', 3, '2 min', '30 min', 'x', repeat('c', 41), 0, NULL, false),
    ('11 NULL, empty and long event ids', 4, '3 min', '30 min', repeat('d', 41), NULL, 0, NULL, false),
    ('11 NULL, empty and long event ids', 5, '4 min', '30 min', repeat('e', 40), '', 0, NULL, false),
    ('11 NULL, empty and long event ids', 6, '4 min', '30 min', repeat('f', 40), NULL, 0, NULL, false),
    ('11 NULL, empty and long event ids', 7, '4 min', '30 min', 'g', '', 0, NULL, false),
    ('11 NULL, empty and long event ids', 8, '5 min', '30 min', 'h', NULL, 0, NULL, false),
    -- 12: a timeout per row that is not the state's (the smallest so far):
    -- n = 3, 5, 6, and n = 8, the state's smallest timeout
    ('12 a timeout per row', 1, '0', '30 min', '/a', 'e1', 0, NULL, false),
    ('12 a timeout per row', 2, '10 min', '30 min', '/b', 'e2', 0, NULL, false),
    ('12 a timeout per row', 3, '20 min', '10 min', '/c', 'e3', 0, NULL, false),
    ('12 a timeout per row', 4, '25 min', '10 min', '/d', 'e4', 0, NULL, false),
    ('12 a timeout per row', 5, '30 min', '30 min', '/e', 'e5', 0, NULL, false),
    ('12 a timeout per row', 6, '59 min', '30 min', '/f', 'e6', 0, NULL, false),
    ('12 a timeout per row', 7, '100 min', '30 min', '/g', 'e7', 0, NULL, false),
    ('12 a timeout per row', 8, '105 min', '5 min', '/h', 'e8', 0, NULL, false),
    -- 13: a day boundary (local midnight in Paris is 22:00 UTC): every
    -- event goes the general way
    ('13 day_boundary', 1, '11:40', '30 min', '/a', 'e1', 0, NULL, false),
    ('13 day_boundary', 2, '11:50', '30 min', '/b', 'e2', 0, NULL, false),
    ('13 day_boundary', 3, '12:05', '30 min', '/c', 'e3', 0, NULL, false),
    ('13 day_boundary', 4, '12:10', '30 min', '/d', 'e4', 0, NULL, false),
    -- 14, 15: rules that keep the events (max_duration, split_key and
    -- start_event): every event goes the general way
    ('14 max_duration', 1, '0', '30 min', '/a', 'e1', 0, NULL, false),
    ('14 max_duration', 2, '20 min', '30 min', '/b', 'e2', 0, NULL, false),
    ('14 max_duration', 3, '40 min', '30 min', '/c', 'e3', 0, NULL, false),
    ('14 max_duration', 4, '60 min', '30 min', '/d', 'e4', 0, NULL, false),
    ('14 max_duration', 5, '80 min', '30 min', '/e', 'e5', 0, NULL, false),
    ('14 max_duration', 6, '100 min', '30 min', '/f', 'e6', 0, NULL, false),
    ('14 max_duration', 7, '120 min', '30 min', '/g', 'e7', 0, NULL, false),
    ('15 split_key and start_event', 1, '0', '30 min', '/a', 'e1', 0, 'k1', false),
    ('15 split_key and start_event', 2, '5 min', '30 min', '/b', 'e2', 0, 'k1', false),
    ('15 split_key and start_event', 3, '10 min', '30 min', '/c', 'e3', 0, 'k2', false),
    ('15 split_key and start_event', 4, '15 min', '30 min', '/d', 'e4', 0, 'k2', true),
    ('15 split_key and start_event', 5, '20 min', '30 min', '/e', 'e5', 0, NULL, false),
    ('15 split_key and start_event', 6, '25 min', '30 min', NULL, 'e6', 0, NULL, false),
    -- 16: engagement that overflows a bigint: the general path raises the
    -- error, the same whatever the order
    ('16 engagement that overflows', 1, '0', '30 min', 'v', 'e1', 9223372036854775000, NULL, false),
    ('16 engagement that overflows', 2, '1 min', '30 min', 'v', 'e2', 1000, NULL, false))
  AS x (c, n, t, tmo, view, id, eng, key, st);

-- The session_agg call of each case: a constant timeout except in case 12.
CREATE TEMP TABLE fp_case AS
SELECT c, CASE
        WHEN c LIKE '12 %' THEN 'ts, tmo, view, eng, id, NULL'
        WHEN c LIKE '13 %' THEN $$ts, '30 min', view, eng, id, session_rules(day_boundary => 'Europe/Paris')$$
        WHEN c LIKE '14 %' THEN $$ts, '30 min', view, eng, id, session_rules(max_duration => '1 hour')$$
        WHEN c LIKE '15 %' THEN $$ts, '30 min', view, eng, id, NULL, key, st$$
        ELSE $$ts, '30 min', view, eng, id, NULL$$ END AS args
FROM fp GROUP BY c;

-- A state as text, or the error building it raised.  how: 'agg' builds it
-- from the events in the given order, 'merge' merges one-event states.
CREATE FUNCTION pg_temp.build(c text, args text, how text, ord text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    IF how = 'agg' THEN
        EXECUTE format('SELECT session_agg(%s ORDER BY %s)::text FROM fp WHERE c = $1',
                       args, ord) USING c INTO r;
    ELSE
        EXECUTE format('SELECT session_merge(s ORDER BY %s)::text
                        FROM (SELECT n, session_agg(%s) AS s FROM fp WHERE c = $1 GROUP BY n) e',
                       ord, args) USING c INTO r;
    END IF;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- What a state holds: its sessions in one line (what = 'sessions'), or
-- their count and the events' (what = 'counts'); NULL for a build that
-- failed, and the error reading it raised, if any.
CREATE FUNCTION pg_temp.readout(st text, what text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    IF st LIKE 'ERROR%' THEN
        RETURN NULL;
    ELSIF what = 'sessions' THEN
        SELECT string_agg(s::text, '; ' ORDER BY s.session_number) INTO r
        FROM sessions(st::sessionstate) s;
    ELSE
        r := format('sessions: %s, events: %s', session_count(st::sessionstate),
                    session_event_count(st::sessionstate));
    END IF;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TEMP TABLE fp_build AS
SELECT c, build, state, pg_temp.readout(state, 'sessions') AS sessions
FROM (SELECT k.c, b.build, pg_temp.build(k.c, k.args, b.how, b.ord) AS state
      FROM fp_case k,
           (VALUES ('arrival', 'agg', 'n'), ('reverse', 'agg', 'n DESC'),
                   ('shuffle 1', 'agg', $$md5('1' || n)$$), ('shuffle 2', 'agg', $$md5('2' || n)$$),
                   ('shuffle 3', 'agg', $$md5('3' || n)$$), ('shuffle 4', 'agg', $$md5('4' || n)$$),
                   ('merged', 'merge', 'n'), ('merged in reverse', 'merge', 'n DESC'))
             AS b (build, how, ord)) x;

-- Mismatches with the state built in arrival order (none expected).
SELECT b.c, b.build,
       b.state IS DISTINCT FROM a.state AS state_differs,
       b.sessions IS DISTINCT FROM a.sessions AS sessions_differ
FROM fp_build b JOIN fp_build a ON a.c = b.c AND a.build = 'arrival'
WHERE b.build <> 'arrival'
  AND (b.state IS DISTINCT FROM a.state OR b.sessions IS DISTINCT FROM a.sessions)
ORDER BY b.c, b.build;

-- Per case: what the state built in arrival order holds, and how many of
-- the other builds differ from it.
SELECT a.c, coalesce(pg_temp.readout(a.state, 'counts'), a.state) AS arrival,
       count(b.*) AS compared,
       count(b.*) FILTER (WHERE b.state IS DISTINCT FROM a.state
                             OR b.sessions IS DISTINCT FROM a.sessions) AS mismatches
FROM fp_build a JOIN fp_build b ON b.c = a.c AND b.build <> 'arrival'
WHERE a.build = 'arrival'
GROUP BY a.c, a.state
ORDER BY a.c;
