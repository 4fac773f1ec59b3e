-- bench/window.sql: the "window" suite of bench/run.sh.
--
-- Labelling every event with its session number (30-minute timeout, one
-- partition per user), three ways, each wrapped the same way so that no row
-- goes to the client: SELECT sum(n) FROM (SELECT <label> AS n FROM events) s.
--
--   row_number      the floor: the cheapest window function over the same
--                   sort and partitions
--   session_number  sessionize
--   plain_sql       what people write today: lag() flags the gaps, a running
--                   sum() numbers the sessions (two window passes), with the
--                   default frame (RANGE UNBOUNDED PRECEDING) ...
--   plain_sql_rows  ... and with the cheaper ROWS frame (same result here:
--                   rows of equal timestamp all carry flag 0 but the first)
--   input_only      for reference: the ordered input (scan and sort) every
--                   query above pays
--
-- session_number and both plain SQL queries must give the same checksum, and
-- a row-by-row comparison runs first.
--
-- psql variables: suite (default window) names the suite; input (default
-- 'Sort Key: events.user_pseudo_id, events.event_timestamp') is a string
-- every plan must show, which says how the rows reach the window in order
-- (run.sh's window_indexed suite passes the index-only scan of an index on
-- (user_pseudo_id, event_timestamp)).

\if :{?suite}
\else
\set suite window
\endif
\if :{?input}
\else
\set input 'Sort Key: events.user_pseudo_id, events.event_timestamp'
\endif

INSERT INTO bench_query (suite, ord, name, label, ref, check_group, expect, sql) VALUES
(:'suite', 1, 'input_only', 'ordered input only (no window function)', false, NULL,
 ARRAY[:'input'],
 $q$SELECT count(*) FROM (SELECT user_pseudo_id, event_timestamp FROM events
    ORDER BY user_pseudo_id, event_timestamp OFFSET 0) s$q$),
(:'suite', 2, 'row_number', 'row_number()', true, NULL,
 ARRAY[:'input', 'WindowAgg', 'row_number() OVER'],
 $q$SELECT sum(n) FROM (SELECT row_number() OVER (PARTITION BY user_pseudo_id
    ORDER BY event_timestamp) AS n FROM events) s$q$),
(:'suite', 3, 'session_number', 'session_number(ts, ''30 min'')', false, 'sessions',
 ARRAY[:'input', 'WindowAgg', 'session_number(events.event_timestamp'],
 $q$SELECT sum(n) FROM (SELECT session_number(event_timestamp, '30 min')
    OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp) AS n FROM events) s$q$),
(:'suite', 4, 'plain_sql', 'plain SQL: lag() + sum() OVER', false, 'sessions',
 ARRAY[:'input', 'lag(events.event_timestamp) OVER', 'sum(e.new_session) OVER'],
 $q$SELECT sum(n) FROM (
    SELECT sum(new_session) OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp) AS n
    FROM (SELECT user_pseudo_id, event_timestamp,
                 CASE WHEN event_timestamp - lag(event_timestamp)
                           OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp)
                           <= interval '30 minutes'
                      THEN 0 ELSE 1 END AS new_session
          FROM events) e) s$q$),
(:'suite', 5, 'plain_sql_rows', 'plain SQL, ROWS frame', false, 'sessions',
 ARRAY[:'input', 'lag(events.event_timestamp) OVER', 'sum(e.new_session) OVER'],
 $q$SELECT sum(n) FROM (
    SELECT sum(new_session) OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp
                                  ROWS UNBOUNDED PRECEDING) AS n
    FROM (SELECT user_pseudo_id, event_timestamp,
                 CASE WHEN event_timestamp - lag(event_timestamp)
                           OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp)
                           <= interval '30 minutes'
                      THEN 0 ELSE 1 END AS new_session
          FROM events) e) s$q$);

-- Goals of the issue, judged on whole queries; then the same ratios on the
-- window stage alone (each query minus the ordered input they all share).
INSERT INTO bench_goal (suite, ord, label, num, den, base, op, bound) VALUES
(:'suite', 1, 'session_number / row_number', 'session_number', 'row_number', NULL, '<=', 1.15),
(:'suite', 2, 'plain SQL / session_number (speedup)', 'plain_sql', 'session_number', NULL, '>=', 1.5),
(:'suite', 3, 'plain SQL, ROWS frame / session_number', 'plain_sql_rows', 'session_number', NULL, NULL, NULL),
(:'suite', 4, 'window stage: session_number / row_number', 'session_number', 'row_number', 'input_only', NULL, NULL),
(:'suite', 5, 'window stage: plain SQL / session_number', 'plain_sql', 'session_number', 'input_only', NULL, NULL),
(:'suite', 6, 'window stage: plain SQL, ROWS frame / session_number', 'plain_sql_rows', 'session_number', 'input_only', NULL, NULL),
(:'suite', 7, 'ceiling of the speedup: plain SQL / row_number', 'plain_sql', 'row_number', NULL, NULL, NULL);

-- Row by row: session_number against the plain SQL labels, with a total
-- order (event_id breaks ties) so that both see the same sequence.
DO $$
DECLARE
    bad bigint;
    total bigint;
BEGIN
    SELECT count(*) FILTER (WHERE sn IS DISTINCT FROM plain), count(*)
    INTO bad, total
    FROM (
        SELECT sn, sum(new_session) OVER (PARTITION BY user_pseudo_id
                                          ORDER BY event_timestamp, event_id) AS plain
        FROM (SELECT user_pseudo_id, event_timestamp, event_id,
                     session_number(event_timestamp, '30 min') OVER w AS sn,
                     CASE WHEN event_timestamp - lag(event_timestamp) OVER w
                               <= interval '30 minutes'
                          THEN 0 ELSE 1 END AS new_session
              FROM events
              WINDOW w AS (PARTITION BY user_pseudo_id ORDER BY event_timestamp, event_id)) e
    ) AS x;
    IF bad > 0 THEN
        RAISE EXCEPTION 'session_number disagrees with the plain SQL labels on % of % events', bad, total
            USING HINT = 'Compare session_number(event_timestamp, ''30 min'') with lag() + sum() OVER on the events table.';
    END IF;
    RAISE NOTICE 'session_number agrees with the plain SQL labels on all % events', total;
END
$$;
