-- bench/generate_webinar.sql: synthetic viewer events of live sessions
-- (webinars), in the shape create_live_session_report() reads by default.
--
--   psql -v sessions=1 -v viewers=300 -v seed=0.42 -f bench/generate_webinar.sql
--
-- Variables (all optional):
--   sessions  live sessions, default 1; each lasts 60 minutes, one a day
--             from 2026-03-02 14:00 UTC
--   viewers   live viewers per session, default 300 (about 300 heartbeats
--             each); another 10 % watch only the recording
--   seed      setseed() argument in [-1, 1], default 0.42
--
-- It (re)creates the table "webinar_events" in the first schema of
-- search_path.  The shape, per live viewer of a session:
--   * joins in the first 30 minutes (most early), stays 5 to 60 minutes,
--     and 30 % of them leave and come back once (a gap of 1 to 10 minutes);
--   * a heartbeat every 10 seconds while watching, jittered by up to
--     +-0.5 s, 3 % of them sent twice; playback 'live';
--   * engagement signals on each heartbeat: tab_in_focus with a per-viewer
--     probability (30 to 100 %), full_screen 5 %, sound_on 20 %;
--   * reactions (0-7, few senders), group chat messages (0-3), Q&A threads
--     (10 % of viewers), attachment downloads (15 %), raised hands (5 %),
--     all while watching;
--   * three polls at minutes 15, 30 and 45 (single choice A-D, skewed),
--     answered by 70 % of the viewers present then;
--   * one viewer in four (and the recording-only viewers) loads the
--     recording the next day: a player_impression, then 80 % play it, watch
--     a random share of its 60 minutes (recording heartbeats) and send a
--     percentile event for each percentile reached;
--   * a country (10, skewed) and a device (desktop 60 %, mobile 30 %,
--     tablet 10 %) per viewer.

\if :{?sessions}
\else
\set sessions 1
\endif
\if :{?viewers}
\else
\set viewers 300
\endif
\if :{?seed}
\else
\set seed 0.42
\endif

SET max_parallel_workers_per_gather = 0;	-- random() in a fixed order
SELECT setseed(:seed);

DROP TABLE IF EXISTS webinar_events;
CREATE TABLE webinar_events (
    session_id    text NOT NULL,
    viewer_id     text,
    viewer_name   text,
    event_time    timestamptz,
    event_type    text NOT NULL,
    playback      text,
    tab_in_focus  boolean,
    full_screen   boolean,
    sound_on      boolean,
    poll_id       text,
    poll_question text,
    poll_type     text,
    poll_answer   text,
    recording_id  text,
    play_id       text,
    percentile    integer,
    country       text,
    device        text
);

CREATE TEMP TABLE webinar_viewers AS
SELECT s AS session_no,
       'webinar-' || s AS session_id,
       timestamptz '2026-03-02 14:00:00+00' + (s - 1) * interval '1 day' AS starts,
       v AS viewer_no,
       'viewer-' || s || '-' || v AS viewer_id,
       (ARRAY['Ada', 'Ben', 'Chen', 'Dana', 'Eli', 'Fatima', 'Goran', 'Hana', 'Ines', 'Jon'])[1 + (v % 10)]
           || ' ' || chr(65 + (v / 10) % 26) || '.' AS viewer_name,
       v > :viewers AS recording_only,
       floor(random() ^ 2 * 30)::int AS join_min,
       5 + floor(random() * 55)::int AS stay_min,
       random() < 0.3 AS has_gap,
       random() AS gap_at,
       1 + floor(random() * 10)::int AS gap_min,
       0.3 + random() * 0.7 AS focus_p,
       (ARRAY['US', 'US', 'US', 'DE', 'DE', 'IN', 'IN', 'GB', 'FR', 'BR', 'JP', 'CA', 'ES', 'IL'])[1 + floor(random() * 14)::int] AS country,
       CASE WHEN random() < 0.6 THEN 'desktop' WHEN random() < 0.75 THEN 'mobile' ELSE 'tablet' END AS device,
       random() < 0.25 AS watches_recording,
       random() < 0.8 AS plays_recording,
       random() AS recording_share,
       floor(random() ^ 3 * 8)::int AS reactions,
       floor(random() ^ 2 * 4)::int AS chats,
       random() < 0.1 AS asks,
       random() < 0.15 AS downloads,
       random() < 0.05 AS raises_hand
FROM generate_series(1, :sessions) s,
     generate_series(1, :viewers + :viewers / 10) v;

-- the minutes each live viewer watches, [from_min, to_min)
CREATE TEMP TABLE webinar_watch AS
SELECT w.*, p.from_min, p.to_min
FROM webinar_viewers w
CROSS JOIN LATERAL (
    SELECT join_min AS from_min, LEAST(60, join_min + stay_min) AS to_min
    WHERE NOT has_gap
    UNION ALL
    SELECT join_min, join_min + floor(gap_at * LEAST(60 - join_min, stay_min))::int
    WHERE has_gap
    UNION ALL
    SELECT LEAST(60, join_min + floor(gap_at * LEAST(60 - join_min, stay_min))::int + gap_min),
           LEAST(60, join_min + stay_min + gap_min)
    WHERE has_gap) p
WHERE NOT w.recording_only AND p.to_min > p.from_min;

-- live heartbeats
INSERT INTO webinar_events (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                            tab_in_focus, full_screen, sound_on, country, device)
SELECT session_id, viewer_id, viewer_name,
       starts + from_min * interval '1 minute' + k * interval '10 seconds'
           + (random() - 0.5) * interval '1 second',
       'heartbeat', 'live', random() < focus_p, random() < 0.05, random() < 0.2, country, device
FROM webinar_watch
CROSS JOIN LATERAL generate_series(0, (to_min - from_min) * 6 - 1) k
CROSS JOIN LATERAL generate_series(1, CASE WHEN random() < 0.03 THEN 2 ELSE 1 END) dup;

-- interactions while watching
INSERT INTO webinar_events (session_id, viewer_id, viewer_name, event_time, event_type, playback, country, device)
SELECT session_id, viewer_id, viewer_name,
       starts + (from_min + random() * (to_min - from_min)) * interval '1 minute',
       kind, 'live', country, device
FROM webinar_watch w
CROSS JOIN LATERAL (
    SELECT 'reaction' AS kind FROM generate_series(1, w.reactions)
    UNION ALL SELECT 'chat_message' FROM generate_series(1, w.chats)
    UNION ALL SELECT 'qna_thread' WHERE w.asks
    UNION ALL SELECT 'download' WHERE w.downloads
    UNION ALL SELECT 'raise_hand' WHERE w.raises_hand) k
WHERE from_min = join_min;

-- polls at minutes 15, 30, 45, answered by 70 % of the viewers present
INSERT INTO webinar_events (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                            poll_id, poll_question, poll_type, poll_answer, country, device)
SELECT w.session_id, w.viewer_id, w.viewer_name,
       w.starts + (p.at_min + random()) * interval '1 minute',
       'poll_answer', 'live', 'poll-' || p.n, p.question, 'single choice',
       (ARRAY['A', 'A', 'A', 'B', 'B', 'C', 'D'])[1 + floor(random() * 7)::int],
       w.country, w.device
FROM webinar_watch w
JOIN (VALUES (1, 15, 'How did you hear about us?'),
             (2, 30, 'Which feature matters most?'),
             (3, 45, 'Would you recommend this webinar?')) p(n, at_min, question)
  ON p.at_min >= w.from_min AND p.at_min < w.to_min
WHERE random() < 0.7;

-- the recording, the next day
CREATE TEMP TABLE webinar_recording AS
SELECT session_id, viewer_id, viewer_name, country, device,
       starts + interval '1 day' + random() * interval '8 hours' AS loads,
       plays_recording, GREATEST(0.01, recording_share) AS share
FROM webinar_viewers
WHERE watches_recording OR recording_only;

INSERT INTO webinar_events (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                            recording_id, play_id, country, device)
SELECT session_id, viewer_id, viewer_name, loads + x.after, x.kind, 'recording',
       session_id || '-recording', CASE WHEN x.kind = 'play' THEN viewer_id || '-play-1' END,
       country, device
FROM webinar_recording r
CROSS JOIN LATERAL (
    SELECT 'player_impression' AS kind, interval '0' AS after
    UNION ALL SELECT 'play', interval '3 seconds' WHERE r.plays_recording) x;

INSERT INTO webinar_events (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                            tab_in_focus, full_screen, sound_on, recording_id, play_id, country, device)
SELECT session_id, viewer_id, viewer_name,
       loads + interval '3 seconds' + k * interval '10 seconds',
       'heartbeat', 'recording', true, random() < 0.3, true,
       session_id || '-recording', viewer_id || '-play-1', country, device
FROM webinar_recording
CROSS JOIN LATERAL generate_series(0, floor(share * 360)::int - 1) k
WHERE plays_recording;

INSERT INTO webinar_events (session_id, viewer_id, viewer_name, event_time, event_type, playback,
                            recording_id, play_id, percentile, country, device)
SELECT session_id, viewer_id, viewer_name,
       loads + interval '3 seconds' + pc * interval '36 seconds',
       'percentile', 'recording', session_id || '-recording', viewer_id || '-play-1', pc,
       country, device
FROM webinar_recording
CROSS JOIN LATERAL generate_series(1, ceil(share * 100)::int) pc
WHERE plays_recording;

DROP TABLE webinar_watch, webinar_recording, webinar_viewers;
RESET max_parallel_workers_per_gather;
ANALYZE webinar_events;
