-- A refresh scheduled with pg_cron: the session table follows its source
-- without anyone calling refresh_session_table() by hand.  pg_cron 1.4 (the
-- Debian package for PostgreSQL 15) schedules by the minute, so this test
-- waits for the next minute boundary (up to about 70 seconds).
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION pg_cron;
CREATE TABLE cron_events (event_id text, event_name text, event_timestamp timestamp,
                          platform text, user_pseudo_id text, page_view_page_title text,
                          screen_view_screen_name text, user_engagement_time_msec bigint);
INSERT INTO cron_events VALUES
 ('1', '_page_view', '2026-09-01 10:00:00', 'Web', 'u1', '/home', NULL, NULL),
 ('2', '_page_view', '2026-09-01 10:05:00', 'Web', 'u1', '/cart', NULL, NULL);
SELECT create_session_table('cron_events', 'cron_sessions', dashboards => false);
SELECT session_id, session_views, entry_view, exit_view FROM cron_sessions ORDER BY session_id;
SELECT cron.schedule('refresh cron_sessions', '* * * * *',
                     $$SELECT refresh_session_table('cron_sessions')$$) > 0 AS scheduled;
-- new events: a late one that extends the session, and a new session
INSERT INTO cron_events VALUES
 ('3', '_page_view', '2026-09-01 10:20:00', 'Web', 'u1', '/pay', NULL, NULL),
 ('4', '_page_view', '2026-09-01 12:00:00', 'Web', 'u1', '/home', NULL, NULL);
-- wait until the scheduled job has refreshed the table (at most 90 s)
DO $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '90 seconds';
BEGIN
    WHILE clock_timestamp() < deadline LOOP
        EXIT WHEN (SELECT refreshes FROM cron_sessions_config) >= 2;
        PERFORM pg_sleep(1);
    END LOOP;
END $$;
SELECT refreshes >= 2 AS refreshed_by_cron, events_processed FROM cron_sessions_config;
SELECT session_id, session_duration, session_views, entry_view, exit_view
FROM cron_sessions ORDER BY session_id;
SELECT status, return_message FROM cron.job_run_details ORDER BY start_time LIMIT 1;
SELECT cron.unschedule('refresh cron_sessions');
SELECT drop_session_table('cron_sessions');
DROP TABLE cron_events;
DROP EXTENSION pg_cron;
