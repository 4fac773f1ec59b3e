-- session_agg + sessions() give the sessions of the window functions, on
-- generated data (several seeds, many users, thousands of events, equal
-- timestamps, gaps exactly equal to the timeout, excluded events, NULL
-- timestamps, NULL event ids), for each rule set: the timeout alone, with
-- day_boundary, with max_duration, with split_key + start_event, per-row
-- timeouts, and everything at once.  Only disagreements are printed, plus
-- counts showing that the data exercise the rules.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- Events of 3 seeds x 30 users x ~133 events, on 5-minute slots over two days
-- around the 2026-03-29 daylight saving change of Europe/Paris (30% of the
-- events get extra seconds), so that equal timestamps and gaps of exactly
-- 30 minutes are common.
CREATE TEMP TABLE ev (
  seed int, u text, id text, ts timestamptz, timeout interval, view text,
  eng bigint, key text, flag boolean, counted boolean);
CREATE FUNCTION pg_temp.gen(seed int, nusers int, nevents int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM setseed(seed / 10.0);
  INSERT INTO ev
  SELECT seed,
         'u' || lpad(floor(r[1] * nusers)::text, 3, '0'),
         CASE WHEN r[2] < 0.05 THEN NULL ELSE lpad(g::text, 6, '0') END,
         CASE WHEN r[3] < 0.02 THEN NULL
              ELSE timestamptz '2026-03-28 12:00' + floor(r[4] * 576) * interval '5 min'
                   + CASE WHEN r[5] < 0.3 THEN floor(r[6] * 300) * interval '1 second'
                          ELSE interval '0' END
         END,
         (ARRAY[interval '10 min', '30 min', '1 hour'])[1 + floor(r[7] * 3)::int],
         CASE WHEN r[8] < 0.6 THEN '/p' || floor(r[9] * 20) END,
         CASE WHEN r[10] < 0.5 THEN floor(r[11] * 5000)::bigint END,
         CASE WHEN r[12] < 0.05 THEN NULL
              ELSE 'tab' || ((floor(r[4] * 576)::int / 40 + floor(r[13] * 1.2)::int) % 3) END,
         CASE WHEN r[14] < 0.03 THEN true WHEN r[14] < 0.06 THEN NULL ELSE false END,
         r[15] >= 0.1
  FROM (SELECT g, ARRAY(SELECT random() FROM generate_series(1, 15) WHERE g > 0) AS r
        FROM generate_series(1, nevents) g) x;
END
$$;
SELECT count(*) AS seeds FROM generate_series(1, 3) s, pg_temp.gen(s, 30, 4000);
SELECT count(*) AS events, count(DISTINCT (seed, u)) AS partitions,
       count(*) FILTER (WHERE ts IS NULL) AS null_ts,
       count(*) FILTER (WHERE NOT counted) AS excluded,
       count(*) FILTER (WHERE id IS NULL) AS null_ids
FROM ev;

-- The window path: one label per event, grouped into sessions.  The window
-- is ordered like the aggregate's tie-break: (ts, event id bytewise NULL
-- last, view bytewise NULL last, key, flag).  The overloads without an
-- event id break ties by the view name alone: eid is then NULL on both sides.
CREATE TEMP TABLE win_s (rules text, seed int, u text, session_number bigint,
  session_start timestamptz, session_end timestamptz, duration_ms bigint, events bigint,
  views bigint, engagement_ms bigint, entry_view text, exit_view text, split_reason text);
CREATE TEMP TABLE agg_s (LIKE win_s);
CREATE FUNCTION pg_temp.run(rules text, with_id boolean, win_args text, agg_call text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($q$
    INSERT INTO win_s
    SELECT %L, seed, u, n, min(ts), max(ts),
           floor(extract(epoch FROM max(ts) - min(ts)) * 1000)::bigint,
           count(*), count(view), coalesce(sum(eng), 0)::bigint,
           (array_agg(view ORDER BY ts, eid COLLATE "C", view COLLATE "C")
              FILTER (WHERE view IS NOT NULL))[1],
           (array_agg(view ORDER BY ts DESC, eid COLLATE "C" DESC, view COLLATE "C" DESC)
              FILTER (WHERE view IS NOT NULL))[1],
           max(r)
    FROM (SELECT e.*, session_number(%s) OVER w AS n, session_split_reason(%s) OVER w AS r
          FROM (SELECT ev.*, CASE WHEN %L THEN id END AS eid FROM ev) e
          WINDOW w AS (PARTITION BY seed, u
                       ORDER BY ts, eid COLLATE "C", view COLLATE "C", key COLLATE "C",
                                coalesce(flag, false))) l
    WHERE n IS NOT NULL
    GROUP BY seed, u, n$q$, rules, win_args, win_args, with_id);
  EXECUTE format($q$
    INSERT INTO agg_s
    SELECT %L, a.seed, a.u, s.session_number, s.session_start, s.session_end, s.duration_ms,
           s.events, s.views, s.engagement_ms, s.entry_view, s.exit_view, s.split_reason
    FROM (SELECT seed, u, %s FILTER (WHERE counted) AS st FROM ev GROUP BY seed, u) a,
         sessions(a.st) s$q$, rules, agg_call);
END
$$;
SELECT count(*) AS rule_sets
FROM (VALUES
 ('1 timeout', false,
  $$ts, '30 min', counted => counted$$,
  $$session_agg(ts, '30 min', view, eng)$$),
 ('2 timeout+day', true,
  $$ts, '30 min', day_boundary => 'Europe/Paris', counted => counted$$,
  $$session_agg(ts, '30 min', view, eng, id, session_rules(day_boundary => 'Europe/Paris'))$$),
 ('3 timeout+max_duration', true,
  $$ts, '30 min', max_duration => '1 hour', counted => counted$$,
  $$session_agg(ts, '30 min', view, eng, id, session_rules(max_duration => '1 hour'))$$),
 ('4 timeout+key+start_event', true,
  $$ts, '30 min', split_key => key, start_event => coalesce(flag, false), counted => counted$$,
  $$session_agg(ts, '30 min', view, eng, id, NULL, key, flag)$$),
 ('5 per-row timeout', false,
  $$ts, timeout, counted => counted$$,
  $$session_agg(ts, timeout, view, eng)$$),
 ('6 per-row timeout+day', true,
  $$ts, timeout, day_boundary => 'America/New_York', counted => counted$$,
  $$session_agg(ts, timeout, view, eng, id, session_rules(day_boundary => 'America/New_York'))$$),
 ('7 everything', true,
  $$ts, timeout, '1 hour', 'Europe/Paris', key, coalesce(flag, false), counted$$,
  $$session_agg(ts, timeout, view, eng, id,
                session_rules(max_duration => '1 hour', day_boundary => 'Europe/Paris'),
                key, flag)$$)
) v(rules, with_id, win_args, agg_call),
     pg_temp.run(v.rules, v.with_id, v.win_args, v.agg_call);

-- Disagreements (none expected): sessions of one path missing from the other.
(SELECT 'agg only' AS side, * FROM agg_s EXCEPT ALL SELECT 'agg only', * FROM win_s)
UNION ALL
(SELECT 'window only', * FROM win_s EXCEPT ALL SELECT 'window only', * FROM agg_s)
ORDER BY rules, seed, u, session_start, side
LIMIT 20;

-- What the data exercise, per rule set: sessions and events of both paths
-- (equal when they agree), and sessions by split reason.
SELECT r.rules,
       (SELECT count(*) FROM win_s w WHERE w.rules = r.rules) AS sessions,
       (SELECT count(*) FROM agg_s a WHERE a.rules = r.rules) AS agg_sessions,
       (SELECT sum(events) FROM win_s w WHERE w.rules = r.rules) AS events,
       (SELECT sum(events) FROM agg_s a WHERE a.rules = r.rules) AS agg_events,
       (SELECT string_agg(split_reason || '=' || n, ' ' ORDER BY split_reason)
        FROM (SELECT split_reason, count(*) AS n FROM win_s w
              WHERE w.rules = r.rules GROUP BY split_reason) x) AS reasons
FROM (SELECT DISTINCT rules FROM win_s) r
ORDER BY r.rules;
-- Counted events: gaps of exactly 30 minutes to the previous one, and events
-- sharing their timestamp with another one of the partition.
SELECT count(*) FILTER (WHERE ts - prev = interval '30 min') AS gaps_exactly_30_min,
       count(*) FILTER (WHERE ts = prev OR ts = next) AS events_in_ties
FROM (SELECT ts, lag(ts) OVER w AS prev, lead(ts) OVER w AS next
      FROM ev WHERE counted AND ts IS NOT NULL
      WINDOW w AS (PARTITION BY seed, u ORDER BY ts, id COLLATE "C")) x;
