-- Order independence and merging (docs/semantics.md, Ties, and Merging and
-- late events): the same
-- events give byte-identical states whatever their input order, however they
-- are split into parts and merged back (session_merge aggregate and the
-- two-argument function, in any order and tree shape); late events extend or
-- bridge sessions; states built under different rules do not merge.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\pset null '(null)'

-- Errors as one row: SQLSTATE, message, detail, hint.
CREATE FUNCTION pg_temp.err(q text)
RETURNS TABLE (code text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN QUERY SELECT 'OK'::text, NULL::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RETURN NEXT;
END
$$;

-- 1. Generated events: 20 users x ~100 events on 5-minute slots (equal
-- timestamps and exact 30-minute gaps are common), views, engagement, split
-- keys, start flags, per-row timeouts, excluded events, NULL timestamps and
-- NULL event ids; each event is also given a random part out of 3 and out of 5.
SELECT setseed(0.7);
CREATE TEMP TABLE ev AS
SELECT g AS n,
       'u' || lpad(floor(r[1] * 20)::text, 2, '0') AS u,
       CASE WHEN r[2] < 0.05 THEN NULL ELSE lpad(g::text, 5, '0') END AS id,
       CASE WHEN r[3] < 0.02 THEN NULL
            ELSE timestamptz '2026-03-28 20:00' + floor(r[4] * 400) * interval '5 min'
                 + CASE WHEN r[5] < 0.3 THEN floor(r[6] * 300) * interval '1 second'
                        ELSE interval '0' END
       END AS ts,
       (ARRAY[interval '10 min', '30 min', '1 hour'])[1 + floor(r[7] * 3)::int] AS timeout,
       CASE WHEN r[8] < 0.6 THEN '/p' || floor(r[9] * 20) END AS view,
       CASE WHEN r[10] < 0.5 THEN floor(r[11] * 5000)::bigint END AS eng,
       CASE WHEN r[12] < 0.05 THEN NULL ELSE 'tab' || floor(r[13] * 1.15)::int END AS key,
       CASE WHEN r[14] < 0.03 THEN true WHEN r[14] < 0.06 THEN NULL ELSE false END AS flag,
       r[15] >= 0.1 AS counted,
       floor(r[16] * 3)::int AS part3,
       floor(r[17] * 5)::int AS part5
FROM (SELECT g, ARRAY(SELECT random() FROM generate_series(1, 17) WHERE g > 0) AS r
      FROM generate_series(1, 2000) g) x;
SELECT count(*) AS events, count(DISTINCT u) AS users, count(*) FILTER (WHERE counted) AS counted
FROM ev;

-- 2. For each rule set, the state of each user built in many ways.  The
-- reference is the aggregate over the events in (ts, id) order.
CREATE TEMP TABLE st (rules text, variant text, u text, st sessionstate);
CREATE FUNCTION pg_temp.build(rules text, agg text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  -- the aggregate call with an ORDER BY clause spliced in before its last ')'
  agg_ordered text := regexp_replace(agg, '\)$', ' ORDER BY %s)');
BEGIN
  PERFORM setseed(0.3);
  -- input orders, with the ordering inside the aggregate
  EXECUTE format($q$INSERT INTO st SELECT %L, v, u, s FROM (
      SELECT u, %s AS a, %s AS b, %s AS c, %s AS d, %s AS e FROM ev WHERE counted GROUP BY u) x,
      LATERAL (VALUES ('ts asc', a), ('ts desc', b), ('random', c), ('random again', d),
                      ('interleaved', e)) v(v, s)$q$,
    rules,
    format(agg_ordered, 'ts, id'),
    format(agg_ordered, 'ts DESC, id DESC'),
    format(agg_ordered, 'random()'),
    format(agg_ordered, 'random()'),
    format(agg_ordered, 'n % 7, n'));
  -- input order of a shuffled subquery (FILTER instead of WHERE)
  EXECUTE format($q$INSERT INTO st
      SELECT %L, 'subquery random', u, %s FILTER (WHERE counted)
      FROM (SELECT * FROM ev ORDER BY random()) x GROUP BY u$q$, rules, agg);
  -- random parts, each aggregated, then merged back
  EXECUTE format($q$CREATE TEMP TABLE p3 AS
      SELECT u, part3 AS part, %s FILTER (WHERE counted) AS st FROM ev GROUP BY u, part3$q$, agg);
  EXECUTE format($q$CREATE TEMP TABLE p5 AS
      SELECT u, part5 AS part, %s FILTER (WHERE counted) AS st FROM ev GROUP BY u, part5$q$, agg);
  INSERT INTO st
  SELECT rules, 'merge agg 3 parts', u, session_merge(p3.st ORDER BY part) FROM p3 GROUP BY u
  UNION ALL
  SELECT rules, 'merge agg 3 parts desc', u, session_merge(p3.st ORDER BY part DESC) FROM p3 GROUP BY u
  UNION ALL
  SELECT rules, 'merge agg 5 parts random', u, session_merge(p5.st ORDER BY random()) FROM p5 GROUP BY u
  UNION ALL
  SELECT rules, 'merge pairs 5 parts left', u,
         session_merge(session_merge(session_merge(session_merge(a[1], a[2]), a[3]), a[4]), a[5])
  FROM (SELECT u, array_agg(p5.st ORDER BY part) AS a FROM p5 GROUP BY u) x
  UNION ALL
  SELECT rules, 'merge pairs 5 parts tree', u,
         session_merge(session_merge(a[5], a[3]), session_merge(a[1], session_merge(a[4], a[2])))
  FROM (SELECT u, array_agg(p5.st ORDER BY part) AS a FROM p5 GROUP BY u) x
  UNION ALL
  SELECT rules, 'merge of merges', u, session_merge(m ORDER BY grp DESC)
  FROM (SELECT u, part < 2 AS grp, session_merge(p5.st ORDER BY random()) AS m
        FROM p5 GROUP BY u, part < 2) x
  GROUP BY u;
  DROP TABLE p3, p5;
END
$$;
SELECT count(*) AS rule_sets
FROM (VALUES
  ('1 timeout', $$session_agg(ts, '30 min', view, eng, id, NULL)$$),
  ('2 timeout, no event id', $$session_agg(ts, '30 min', view, eng)$$),
  ('3 day', $$session_agg(ts, '30 min', view, eng, id, session_rules(day_boundary => 'Europe/Paris'))$$),
  ('4 max_duration', $$session_agg(ts, '30 min', view, eng, id, session_rules(max_duration => '1 hour'))$$),
  ('5 key+start_event', $$session_agg(ts, '30 min', view, eng, id, NULL, key, flag)$$),
  ('6 everything', $$session_agg(ts, '30 min', view, eng, id,
        session_rules(max_duration => '1 hour', day_boundary => 'Europe/Paris'), key, flag)$$)
) v(rules, agg), pg_temp.build(v.rules, v.agg);
-- Every state equals the reference byte for byte (only differences listed).
SELECT s.rules, s.variant, count(*) AS differing_users
FROM st s JOIN st r ON r.rules = s.rules AND r.u = s.u AND r.variant = 'ts asc'
WHERE s.st::text IS DISTINCT FROM r.st::text
GROUP BY s.rules, s.variant
ORDER BY 1, 2;
-- What was compared: users and variants per rule set, sessions per user.
SELECT rules, count(DISTINCT u) AS users, count(DISTINCT variant) AS variants,
       sum(session_count(st)) FILTER (WHERE variant = 'ts asc') AS sessions,
       sum(session_event_count(st)) FILTER (WHERE variant = 'ts asc') AS events
FROM st GROUP BY rules ORDER BY rules;

-- 3. Per-row timeouts are a rule like the others: the same bytes in any
-- order, and parts merge back whatever timeouts each part happened to see.
SELECT count(*) AS rule_sets
FROM (VALUES ('7 per-row timeout', $$session_agg(ts, timeout, view, eng, id, NULL)$$),
             ('8 per-row timeout, max_duration',
              $$session_agg(ts, timeout, view, eng, id, session_rules(max_duration => '1 hour'))$$)
) v(rules, agg), pg_temp.build(v.rules, v.agg);
SELECT s.rules, s.variant, count(*) AS differing_users
FROM st s JOIN st r ON r.rules = s.rules AND r.u = s.u AND r.variant = 'ts asc'
WHERE s.rules IN ('7 per-row timeout', '8 per-row timeout, max_duration')
  AND s.st::text IS DISTINCT FROM r.st::text
GROUP BY s.rules, s.variant
ORDER BY 1, 2;
-- The sessions are the same too.
SELECT s.rules, s.variant, count(*) AS differing_users
FROM st s JOIN st r ON r.rules = s.rules AND r.u = s.u AND r.variant = 'ts asc'
WHERE s.rules IN ('7 per-row timeout', '8 per-row timeout, max_duration')
  AND ARRAY(SELECT x FROM sessions(s.st) x) IS DISTINCT FROM ARRAY(SELECT x FROM sessions(r.st) x)
GROUP BY s.rules, s.variant
ORDER BY 1, 2;
SELECT rules, count(DISTINCT u) AS users, count(DISTINCT variant) AS variants,
       sum(session_count(st)) FILTER (WHERE variant = 'ts asc') AS sessions
FROM st WHERE rules IN ('7 per-row timeout', '8 per-row timeout, max_duration')
GROUP BY rules ORDER BY rules;
-- Two parts of a per-row-timeout data set, one holding only 10-minute
-- timeouts and the other only 30-minute ones: they merge into the state of
-- the whole.
CREATE TEMP TABLE prt (ts timestamptz, timeout interval);
INSERT INTO prt VALUES
 ('2026-09-01 10:00', '10 min'), ('2026-09-01 10:25', '30 min'),
 ('2026-09-01 10:40', '10 min'), ('2026-09-01 11:20', '30 min');
SELECT session_merge(a, b)::text = w::text AS merged_is_whole,
       session_merge(b, a)::text = w::text AS reversed_is_whole
FROM (SELECT session_agg(ts, timeout) FILTER (WHERE timeout = '10 min') AS a,
             session_agg(ts, timeout) FILTER (WHERE timeout = '30 min') AS b,
             session_agg(ts, timeout) AS w FROM prt) x;
-- Sessions of the whole: 10:00 (expiry 10:10), 10:25 > 10:10: timeout;
-- 10:40 <= 10:55 stays; 11:20 > max(10:55, 10:50): timeout.
SELECT s.session_number, s.session_start, s.session_end, s.events, s.split_reason
FROM (SELECT session_agg(ts, timeout) AS st FROM prt) a, sessions(a.st) s
ORDER BY 1;

-- 4. Late events (timeout 30 min).  Base: 10:00 /a, 10:20, 11:00 /b, 11:10:
-- two sessions (gap 10:20 -> 11:00 is 40 min).
CREATE TEMP TABLE late (id text, ts timestamptz, view text, batch int);
INSERT INTO late VALUES
 ('e1', '2026-09-01 10:00', '/a', 0),
 ('e2', '2026-09-01 10:20', NULL, 0),
 ('e3', '2026-09-01 11:00', '/b', 0),
 ('e4', '2026-09-01 11:10', NULL, 0),
 ('e5', '2026-09-01 09:40', '/z', 1),   -- extends session 1 backwards: new entry
 ('e6', '2026-09-01 11:35', NULL, 1),   -- extends session 2 (25 min after 11:10)
 ('e7', '2026-09-01 10:45', '/m', 2),   -- 25 min after 10:20, 15 before 11:00: bridges
 ('e8', '2026-09-01 15:00', '/q', 3);   -- far later: a new session, nothing else changes
CREATE TEMP TABLE late_st AS
SELECT batch, session_agg(ts, '30 min', view, NULL, id, NULL) AS st FROM late GROUP BY batch;
-- before
SELECT s.* FROM late_st, sessions(late_st.st) s WHERE batch = 0 ORDER BY 1;
-- after batch 1: both sessions extended, still two
SELECT s.*
FROM (SELECT session_merge(st ORDER BY batch) AS st FROM late_st WHERE batch <= 1) a,
     sessions(a.st) s ORDER BY 1;
-- after batch 2: bridged into one session 09:40 .. 11:35, entry /z, exit /b
SELECT s.*
FROM (SELECT session_merge(st ORDER BY batch DESC) AS st FROM late_st WHERE batch <= 2) a,
     sessions(a.st) s ORDER BY 1;
-- after batch 3: the earlier session is unchanged, one new session
SELECT s.*
FROM (SELECT session_merge(st) AS st FROM late_st) a, sessions(a.st) s ORDER BY 1;
-- the bridge event merged alone into the base state also bridges; any way of
-- merging gives the state of one aggregate over all events
SELECT session_count(session_merge(b0.st, b2.st)) AS base_plus_bridge_sessions
FROM late_st b0, late_st b2 WHERE b0.batch = 0 AND b2.batch = 2;
SELECT (SELECT session_merge(st ORDER BY batch) FROM late_st)::text
         = (SELECT session_agg(ts, '30 min', view, NULL, id, NULL) FROM late)::text AS merged_is_whole,
       (SELECT session_merge(st ORDER BY batch DESC) FROM late_st)::text
         = (SELECT session_agg(ts, '30 min', view, NULL, id, NULL) FROM late)::text AS reversed_is_whole;
-- Late events under max_duration (timeout 1 hour, max 1 hour): 10:00,
-- 10:40, 11:10 are sessions {10:00, 10:40} and {11:10} (max_duration); a late
-- 09:30 moves the start, so 10:40 (70 min after it) now starts the second
-- session {10:40, 11:10}.  Same as the window path over all events.
SELECT s.session_number, s.session_start, s.session_end, s.events, s.split_reason
FROM (SELECT session_agg(ts, '1 hour', NULL, NULL, NULL, session_rules(max_duration => '1 hour')) AS st
      FROM (VALUES (timestamptz '2026-09-01 10:00'), ('2026-09-01 10:40'),
                   ('2026-09-01 11:10')) v(ts)) a,
     sessions(a.st) s ORDER BY 1;
SELECT s.session_number, s.session_start, s.session_end, s.events, s.split_reason
FROM (SELECT session_merge(
        (SELECT session_agg(ts, '1 hour', NULL, NULL, NULL, session_rules(max_duration => '1 hour'))
         FROM (VALUES (timestamptz '2026-09-01 10:00'), ('2026-09-01 10:40'),
                      ('2026-09-01 11:10')) v(ts)),
        (SELECT session_agg(ts, '1 hour', NULL, NULL, NULL, session_rules(max_duration => '1 hour'))
         FROM (VALUES (timestamptz '2026-09-01 09:30')) v(ts))) AS st) a,
     sessions(a.st) s ORDER BY 1;
-- Late events never bridge local midnight (day rule, Paris, timeout 30 min):
-- 23:50 and 00:20 (gap 30 min exactly) are split by the day rule; a late
-- 00:05 joins the 00:20 session only.
SELECT s.session_number, s.session_start AT TIME ZONE 'Europe/Paris' AS local_start,
       s.session_end AT TIME ZONE 'Europe/Paris' AS local_end, s.events, s.split_reason
FROM (SELECT session_merge(
        (SELECT session_agg(ts, '30 min', NULL, NULL, NULL, session_rules(day_boundary => 'Europe/Paris'))
         FROM (VALUES (timestamptz '2026-06-10 21:50'), ('2026-06-10 22:20')) v(ts)),
        (SELECT session_agg(ts, '30 min', NULL, NULL, NULL, session_rules(day_boundary => 'Europe/Paris'))
         FROM (VALUES (timestamptz '2026-06-10 22:05')) v(ts))) AS st) a,
     sessions(a.st) s ORDER BY 1;

-- 5. Merging and the rules.  States of the base events under various rules.
CREATE TEMP TABLE r AS
SELECT session_agg(ts, '30 min', view, NULL, id, NULL) FILTER (WHERE batch = 0) AS t30,
       session_agg(ts, '30 min', view, NULL, id, NULL) FILTER (WHERE batch = 1) AS t30_late,
       session_agg(ts, '1 hour', view, NULL, id, NULL) AS t60,
       session_agg(ts, '30 min', view, NULL, id, session_rules(max_duration => '1 hour')) AS md60,
       session_agg(ts, '30 min', view, NULL, id, session_rules(max_duration => '2 hours')) AS md120,
       session_agg(ts, '30 min', view, NULL, id, session_rules(day_boundary => 'UTC')) AS day_utc,
       session_agg(ts, '30 min', view, NULL, id, session_rules(day_boundary => 'Europe/Paris')) AS day_paris,
       session_agg(ts, '30 min', view, NULL, id, session_rules(engaged_views => 3)) AS views3,
       session_agg(ts, '30 min', view, NULL, id, session_rules(engaged_duration => '1 min')) AS dur1min,
       session_agg(ts, '30 min', view, NULL, id, NULL, NULL, false) AS split,
       session_agg(NULL::timestamptz, '30 min', view, NULL, id, NULL) AS none,
       session_agg(NULL::timestamptz, '1 hour', view, NULL, id, NULL) AS empty60
FROM late WHERE batch <= 1;
-- Different rules: error 22023, whichever rule differs.
SELECT v.pair, e.*
FROM (VALUES
  ('timeout 30 min + 1 hour',  'session_merge(t30, t60)'),
  ('max_duration 1 h + 2 h',   'session_merge(md60, md120)'),
  ('no max_duration + 1 h',    'session_merge(t30, md60)'),
  ('day UTC + Paris',          'session_merge(day_utc, day_paris)'),
  ('no day + UTC',             'session_merge(t30, day_utc)'),
  ('engaged_views 2 + 3',      'session_merge(t30, views3)'),
  ('engaged_duration 10 s + 1 min', 'session_merge(t30, dur1min)'),
  ('split overload + not',     'session_merge(split, t30)'),
  ('aggregate over mixed',     'session_merge(x) FROM (SELECT t30 FROM r UNION ALL SELECT t60 FROM r) y(x)')
) v(pair, expr),
LATERAL pg_temp.err('SELECT ' || expr || CASE WHEN expr LIKE '%FROM%' THEN '' ELSE ' FROM r' END) e
ORDER BY v.pair;
-- Same rules merge; a NULL side gives the other state; nothing gives NULL
-- (the aggregate over NULL states only: at the end of this file).
SELECT session_merge(t30, t30_late)::text = (SELECT session_merge(st) FROM late_st WHERE batch <= 1)::text
         AS same_rules_merge,
       session_merge(t30, NULL)::text = t30::text AS null_right,
       session_merge(NULL, t30)::text = t30::text AS null_left,
       session_merge(NULL::sessionstate, NULL) IS NULL AS both_null,
       (SELECT session_merge(x) FROM (SELECT t30 WHERE false) y(x)) IS NULL AS agg_of_no_rows
FROM r;
-- A state without events (only NULL timestamps) merges with any state of
-- the same other rules, whatever its timeout, and adds nothing.
SELECT session_merge(t30, none)::text = t30::text AS with_empty,
       session_merge(empty60, t30)::text = t30::text AS with_empty_other_timeout,
       session_count(session_merge(empty60, none)) AS empty_with_empty
FROM r;
-- Merging a state with itself counts its events twice (merge is the union of
-- two event multisets; merge disjoint parts).
SELECT s.session_number, s.session_start, s.session_end, s.events, s.views
FROM r, sessions(session_merge(t30, t30)) s ORDER BY 1;

-- 6. The rules of session_agg come from its rules argument; rules that change
-- from row to row would make the result depend on the input order, so they
-- are an error (22023), whatever the order.
CREATE TEMP TABLE vr AS
SELECT timestamptz '2026-09-01 10:00' + g * interval '20 min' AS ts FROM generate_series(0, 9) g;
SELECT a::text = b::text AS same_state_both_orders
FROM (SELECT session_agg(ts, '1 day', NULL, NULL, NULL,
               CASE WHEN ts < '2026-09-01 11:00' THEN session_rules(max_duration => '1 hour') END
               ORDER BY ts) AS a,
             session_agg(ts, '1 day', NULL, NULL, NULL,
               CASE WHEN ts < '2026-09-01 11:00' THEN session_rules(max_duration => '1 hour') END
               ORDER BY ts DESC) AS b
      FROM vr) x;

-- 7. session_agg as a running window aggregate: the final function runs on
-- the state after every row, without changing it; each row's state is the
-- state of the events so far (input in id order, timestamps shuffled).
SELECT setseed(0.1);
CREATE TEMP TABLE run AS
SELECT g AS id, timestamptz '2026-01-01' + floor(random() * 600) * interval '5 min' AS ts,
       CASE WHEN random() < 0.5 THEN '/p' || g % 7 END AS view
FROM generate_series(1, 600) g;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE x.st::text IS DISTINCT FROM
         (SELECT session_agg(r.ts, '30 min', r.view, NULL) FROM run r WHERE r.id <= x.id)::text)
         AS differing_sessions_mode,
       count(*) FILTER (WHERE x.ste::text IS DISTINCT FROM
         (SELECT session_agg(r.ts, '30 min', r.view, NULL, r.id::text,
                             session_rules(max_duration => '1 hour'))
          FROM run r WHERE r.id <= x.id)::text)
         AS differing_events_mode
FROM (SELECT id, session_agg(ts, '30 min', view, NULL) OVER w AS st,
             session_agg(ts, '30 min', view, NULL, id::text,
                         session_rules(max_duration => '1 hour')) OVER w AS ste
      FROM run WINDOW w AS (ORDER BY id)) x;

-- 8. The session_merge aggregate over NULL states only gives NULL; NULL
-- states among others are skipped.
SELECT session_merge(x) IS NULL AS agg_of_nulls
FROM (VALUES (NULL::sessionstate), (NULL)) y(x);
SELECT (SELECT session_merge(x ORDER BY k) FROM (VALUES (1, NULL), (2, NULL), (3, r.t30)) y(k, x))::text
         = t30::text AS nulls_first,
       (SELECT session_merge(x ORDER BY k DESC) FROM (VALUES (1, NULL), (2, NULL), (3, r.t30)) y(k, x))::text
         = t30::text AS nulls_last
FROM r;
