-- bench/viewing.sql: the "viewing" suite of bench/run.sh.
--
-- Viewing and engaged time per viewer of each live session, over the live
-- heartbeats of bench/generate_webinar.sql (10-second heartbeats, jittered,
-- some sent twice), every query wrapped so that no row goes to the client:
--
--   floor       the cheapest GROUP BY over the same groups:
--               SELECT session, viewer, count(*) ... GROUP BY session, viewer
--   row_number  row_number() OVER (PARTITION BY session, viewer ORDER BY
--               time): the sort every window-function solution pays
--   ours        viewing_agg(time, '10 s', engaged) per viewer, then
--               viewing_seconds() and engaged_seconds()
--   plain       what people write today, gaps and islands: max(end) over the
--               earlier heartbeats flags the start of an island, a running
--               sum() numbers the islands, GROUP BY island gives its extent;
--               once over all heartbeats (viewing time) and once over the
--               engaged ones (engaged time)
--
-- ours and plain must give the same checksum (viewers, and the sums of
-- viewing and engaged seconds to the millisecond).

INSERT INTO bench_query (suite, ord, name, label, ref, check_group, expect, sql) VALUES
('viewing', 1, 'floor', 'floor: `SELECT session, viewer, count(*) ... GROUP BY session, viewer`', true, NULL,
 '{HashAggregate,"Batches: 1"}',
 $q$SELECT sum(n) FROM (SELECT session_id, viewer_id, count(*) AS n
    FROM webinar_events WHERE event_type = 'heartbeat' AND playback = 'live'
    GROUP BY session_id, viewer_id) s$q$),
('viewing', 2, 'row_number', '`row_number() OVER (PARTITION BY session, viewer ORDER BY time)`', false, NULL,
 '{WindowAgg,"row_number() OVER"}',
 $q$SELECT max(rn) FROM (SELECT row_number() OVER (PARTITION BY session_id, viewer_id ORDER BY event_time) AS rn
    FROM webinar_events WHERE event_type = 'heartbeat' AND playback = 'live') s$q$),
('viewing', 3, 'ours', '`viewing_agg(time, ''10 s'', engaged)` + `viewing_seconds`, `engaged_seconds`', false, 'viewing',
 '{HashAggregate,"Batches: 1",viewing_agg}',
 $q$SELECT concat_ws(' ', 'viewers=' || count(*),
    'viewed=' || round(sum(viewing_seconds(s))::numeric, 3),
    'engaged=' || round(sum(engaged_seconds(s))::numeric, 3))
    FROM (SELECT session_id, viewer_id,
                 viewing_agg(event_time, '10 s', tab_in_focus OR full_screen OR sound_on) AS s
          FROM webinar_events WHERE event_type = 'heartbeat' AND playback = 'live'
          GROUP BY session_id, viewer_id) x$q$),
('viewing', 4, 'plain', 'plain SQL: gaps and islands (`max() OVER`, `sum() OVER`, `GROUP BY` island)', false, 'viewing',
 '{WindowAgg}',
 $q$WITH hb AS (
        SELECT session_id, viewer_id, event_time AS lo, event_time + interval '10 s' AS hi,
               coalesce(tab_in_focus, false) OR coalesce(full_screen, false)
                 OR coalesce(sound_on, false) AS engaged
        FROM webinar_events WHERE event_type = 'heartbeat' AND playback = 'live'),
    v AS (
        SELECT session_id, viewer_id, lo, hi,
               CASE WHEN lo <= max(hi) OVER (PARTITION BY session_id, viewer_id ORDER BY lo, hi
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                    THEN 0 ELSE 1 END AS starts
        FROM hb),
    vi AS (
        SELECT session_id, viewer_id, lo, hi,
               sum(starts) OVER (PARTITION BY session_id, viewer_id ORDER BY lo, hi, starts DESC) AS island
        FROM v),
    viewed AS (
        SELECT session_id, viewer_id, sum(extract(epoch FROM i_hi - i_lo)) AS s
        FROM (SELECT session_id, viewer_id, min(lo) AS i_lo, max(hi) AS i_hi
              FROM vi GROUP BY session_id, viewer_id, island) x
        GROUP BY session_id, viewer_id),
    e AS (
        SELECT session_id, viewer_id, lo, hi,
               CASE WHEN lo <= max(hi) OVER (PARTITION BY session_id, viewer_id ORDER BY lo, hi
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                    THEN 0 ELSE 1 END AS starts
        FROM hb WHERE engaged),
    ei AS (
        SELECT session_id, viewer_id, lo, hi,
               sum(starts) OVER (PARTITION BY session_id, viewer_id ORDER BY lo, hi, starts DESC) AS island
        FROM e),
    engaged AS (
        SELECT session_id, viewer_id, sum(extract(epoch FROM i_hi - i_lo)) AS s
        FROM (SELECT session_id, viewer_id, min(lo) AS i_lo, max(hi) AS i_hi
              FROM ei GROUP BY session_id, viewer_id, island) x
        GROUP BY session_id, viewer_id)
    SELECT concat_ws(' ', 'viewers=' || count(*),
           'viewed=' || round(sum(viewed.s), 3),
           'engaged=' || round(sum(coalesce(engaged.s, 0)), 3))
    FROM viewed LEFT JOIN engaged USING (session_id, viewer_id)$q$);

INSERT INTO bench_goal (suite, ord, label, num, den, base, op, bound) VALUES
('viewing', 1, 'plain SQL / ours (speedup)', 'plain', 'ours', NULL, NULL, NULL),
('viewing', 2, 'ours / floor', 'ours', 'floor', NULL, NULL, NULL),
('viewing', 3, 'ours / row_number()', 'ours', 'row_number', NULL, NULL, NULL),
('viewing', 4, 'plain SQL / row_number()', 'plain', 'row_number', NULL, NULL, NULL);
