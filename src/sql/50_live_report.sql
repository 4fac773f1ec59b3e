
------------------------------------------------------------------------------
-- The live-session (webinar) report: Kaltura's session analytics as views
-- over a table of viewer events (heartbeats and interactions).
------------------------------------------------------------------------------

-- Descriptive headers and comments of the live report's columns.
CREATE FUNCTION @extschema@.sessionize_live_columns(OUT col text, OUT header text, OUT description text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    VALUES
    ('live_session_id', 'Session ID', 'The live session (webinar) the events belong to.'),
    ('live_start', 'Live start', 'First instant of live viewing (the earliest live heartbeat).'),
    ('live_end', 'Live end', 'End of live viewing (the latest live heartbeat plus the heartbeat period).'),
    ('unique_viewers', 'Unique viewers', 'Viewers with any event in the session, live or recording.'),
    ('live_viewers', 'Live viewers', 'Viewers with at least one live heartbeat.'),
    ('recording_viewers', 'Recording viewers', 'Viewers who played a recording (a play event or a recording heartbeat).'),
    ('avg_minutes_viewed', 'Average minutes viewed', 'Minutes viewed live plus minutes of recordings viewed, averaged over unique viewers.'),
    ('avg_live_minutes_viewed', 'Average live minutes viewed', 'Minutes viewed live, averaged over live viewers.'),
    ('live_engagement_rate', 'Live engagement rate', 'Share of watched live time in which the viewer was engaged (tab in focus, full screen or sound on); per viewer, averaged over viewers.'),
    ('reacting_viewers_rate', 'Viewers who reacted', 'Share of unique viewers who sent at least one reaction.'),
    ('reactions', 'Reactions', 'Number of reactions.'),
    ('chatting_viewers_rate', 'Viewers who chatted', 'Share of unique viewers who sent at least one group chat message.'),
    ('chat_messages', 'Group chat messages', 'Number of group chat messages.'),
    ('polling_viewers_rate', 'Viewers who answered polls', 'Share of unique viewers who answered at least one poll.'),
    ('poll_answers', 'Poll answers', 'Number of poll answer events.'),
    ('qna_viewers_rate', 'Viewers who asked questions', 'Share of unique viewers who created at least one Q&A thread.'),
    ('qna_threads', 'Q&A threads', 'Number of Q&A threads created.'),
    ('downloading_viewers_rate', 'Viewers who downloaded', 'Share of unique viewers who downloaded at least one attachment.'),
    ('downloads', 'Downloads', 'Number of attachment downloads.'),
    ('raised_hands', 'Raised hands', 'Number of raised hands.'),
    ('recording_plays', 'Recording plays', 'Number of plays of recordings.'),
    ('bucket_start', 'Time', 'Start of the time bucket (a minute unless the report was created with another bucket).'),
    ('viewer_id', 'Viewer ID', 'The viewer.'),
    ('viewer_name', 'Name', 'The viewer''s name (the latest one given).'),
    ('country', 'Country', 'The viewer''s country (the latest one given), or the country of the events.'),
    ('device', 'Device', 'The viewer''s device (the latest one given), or the device of the events.'),
    ('minutes_viewed', 'Minutes viewed', 'Minutes viewed live: the union of the time covered by live heartbeats.'),
    ('recording_minutes_viewed', 'Recording minutes viewed', 'Minutes of recordings viewed: the union of the time covered by recording heartbeats.'),
    ('polls_answered', 'Polls answered', 'Number of distinct polls answered.'),
    ('engagement_heatmap', 'Engagement heatmap', 'Per time bucket of the live session, from its first to its last: the share of the viewer''s watched time in the bucket that was engaged; NULL where the viewer did not watch.'),
    ('poll_id', 'Poll ID', 'The poll (its question when the source has no poll id).'),
    ('poll_question', 'Question', 'The poll''s question.'),
    ('poll_type', 'Poll type', 'The poll''s type.'),
    ('poll_participants', 'Poll participants', 'Unique viewers who answered the poll.'),
    ('answer', 'Answer', 'One answer of the poll.'),
    ('answer_participants', 'Answer participants', 'Unique viewers who gave this answer.'),
    ('answer_rate', 'Answer rate', 'Viewers who gave this answer / viewers who answered the poll.'),
    ('recording_id', 'Recording ID', 'The recording (entry) played.'),
    ('impressions', 'Impressions', 'Player loads of the recording.'),
    ('plays', 'Plays', 'Plays of the recording.'),
    ('avg_completion_rate', 'Average completion rate', 'Per play, the share of the recording''s percentiles (1 to 100) viewed; summed over plays and divided by the plays.'),
    ('event_time', 'Event time', 'Time of the event.'),
    ('event_type', 'Event type', 'Type of the event, as in the source.'),
    ('kind', 'Kind', 'What the report counts the event as: heartbeat, reaction, chat, poll, qna, download, raised_hand, impression, play, percentile or other.'),
    ('live', 'Live', 'Live playback; false for a recording.'),
    ('engaged', 'Engaged', 'A heartbeat with an engagement signal (tab in focus, full screen or sound on).'),
    ('poll_answer', 'Poll answer', 'The answer given to the poll.'),
    ('play_id', 'Play ID', 'The play of a recording the event belongs to.'),
    ('percentile', 'Percentile', 'The percentile of the recording reached (1 to 100).'),
    ('live_state', 'Live viewing', 'Viewing state of the live heartbeats (viewingstate).'),
    ('recording_state', 'Recording viewing', 'Viewing state of the recording heartbeats (viewingstate).')
$$;
COMMENT ON FUNCTION @extschema@.sessionize_live_columns() IS
    'Internal: descriptive headers (for CSV export) and comments of the live report''s columns.';

-- A mapped column of the source (alias e) cast to typ, or a NULL of typ
-- when the column is not mapped.
CREATE FUNCTION @extschema@.sessionize_column_sql(col text, typ text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN col IS NULL THEN pg_catalog.format('NULL::%s', typ)
                ELSE pg_catalog.format('e.%I::%s', col, typ) END
$$;
COMMENT ON FUNCTION @extschema@.sessionize_column_sql(text, text) IS
    'Internal: a mapped column of a source cast to a type, or NULL of that type.';

-- The report's rule for impossible times: events before valid_from, or more
-- than future_slack after the time of the query, come from clients with a
-- wrong clock and are left out (docs/live-report.md).
CREATE FUNCTION @extschema@.sessionize_live_valid_from() RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT timestamptz '2000-01-01 00:00:00+00'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_live_valid_from() IS
    'Internal: the live report leaves out events before this time.';
CREATE FUNCTION @extschema@.sessionize_live_future_slack() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT interval '1 day'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_live_future_slack() IS
    'Internal: the live report leaves out events more than this after now().';

-- The last bucket number of a live session's timeline from lo to hi, at
-- most sessionize_live_max_buckets(): a session spanning more (a stray
-- heartbeat weeks away) is named in an error rather than filled with
-- millions of empty buckets.
CREATE FUNCTION @extschema@.sessionize_live_buckets(live_session_id text,
    lo timestamptz, hi timestamptz, bucket interval) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- a timeline of 69 days at one minute; the arrays of a heatmap as long
    max_buckets CONSTANT bigint := 100000;
    n bigint := pg_catalog.floor(EXTRACT(epoch FROM hi - lo) / EXTRACT(epoch FROM bucket))::bigint;
BEGIN
    IF n >= max_buckets THEN
        RAISE EXCEPTION 'live session % spans % buckets of %, more than %', coalesce(pg_catalog.quote_literal(pg_catalog.left(live_session_id, 64)), 'NULL'), n + 1, bucket, max_buckets
            USING ERRCODE = 'program_limit_exceeded',
                  DETAIL = pg_catalog.format('Its viewing runs from %s to %s.', lo, hi),
                  HINT = 'Delete the stray heartbeats that stretch it, or make the report with a wider bucket.';
    END IF;
    RETURN n;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_live_buckets(text, timestamptz, timestamptz, interval) IS
    'Internal: the last bucket number of a live session''s timeline, checked against the limit of 100000 buckets.';

CREATE FUNCTION @extschema@.sessionize_create_live_session_report(default_nsp name,
    source regclass,
    report_name text,
    heartbeat interval,
    bucket interval,
    live_session_column text,
    viewer_column text,
    viewer_name_column text,
    timestamp_column text,
    event_type_column text,
    playback_column text,
    live_values text[],
    engaged_columns text[],
    poll_id_column text,
    poll_question_column text,
    poll_type_column text,
    poll_answer_column text,
    recording_column text,
    play_column text,
    percentile_column text,
    country_column text,
    device_column text,
    heartbeat_events text[],
    reaction_events text[],
    chat_events text[],
    poll_events text[],
    qna_events text[],
    download_events text[],
    raised_hand_events text[],
    impression_events text[],
    play_events text[],
    percentile_events text[],
    friendly_headers boolean)
RETURNS SETOF regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ext name := @extschema@.sessionize_schema();
    q record;
    c record;
    col text;
    arg text;
    cols jsonb;
    kinds text := '';
    engaged_expr text;
    ts_expr text;
    origin text := '''2000-01-01 00:00:00+00''::timestamptz';
    hb text;
    bk text;
    bk_secs text;
    v_events text;
    v_states text;
    v_name text;
    body text;
    part text;
    parts text[] := ARRAY['summary', 'timeline', 'viewers', 'polls', 'recordings', 'countries', 'devices'];
    friendly text;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION 'source must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- heartbeat and bucket are checked the way viewing_agg and viewing_buckets check them
    PERFORM @extschema@.viewing_agg(pg_catalog.now(), heartbeat, true);
    PERFORM @extschema@.viewing_buckets(@extschema@.viewing_agg(pg_catalog.now(), heartbeat, true),
                                        pg_catalog.now(), bucket);
    IF EXTRACT(epoch FROM bucket) <> pg_catalog.floor(EXTRACT(epoch FROM bucket)) THEN
        RAISE EXCEPTION 'bucket must be a whole number of seconds' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'For example interval ''1 minute''.';
    END IF;
    hb := pg_catalog.format('%L::interval', heartbeat);
    bk := pg_catalog.format('%L::interval', bucket);
    -- the bucket as seconds, so that date arithmetic never shifts it at DST changes
    bk_secs := pg_catalog.format('%L::interval', (EXTRACT(epoch FROM bucket)::bigint)::text || ' seconds');

    SELECT * INTO q FROM @extschema@.sessionize_qualify(report_name, default_nsp);
    IF pg_catalog.octet_length(q.rel) + pg_catalog.octet_length('_recordings_friendly') > 63 THEN
        RAISE EXCEPTION 'name "%" is too long for its report views', q.rel
            USING ERRCODE = 'name_too_long', HINT = 'Use a name of at most 43 bytes.';
    END IF;

    -- columns: each named one must exist; viewer, time and event type are required
    cols := pg_catalog.jsonb_build_object(
        'live_session_column', live_session_column, 'viewer_column', viewer_column,
        'viewer_name_column', viewer_name_column, 'timestamp_column', timestamp_column,
        'event_type_column', event_type_column, 'playback_column', playback_column,
        'poll_id_column', poll_id_column, 'poll_question_column', poll_question_column,
        'poll_type_column', poll_type_column, 'poll_answer_column', poll_answer_column,
        'recording_column', recording_column, 'play_column', play_column,
        'percentile_column', percentile_column, 'country_column', country_column,
        'device_column', device_column);
    FOR arg, col IN SELECT key, value FROM pg_catalog.jsonb_each_text(cols) LOOP
        IF col IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_attribute
            WHERE attrelid = source AND attname = col AND attnum > 0 AND NOT attisdropped)
        THEN
            RAISE EXCEPTION 'column "%" of relation % does not exist', col, source
                USING ERRCODE = 'undefined_column',
                      HINT = pg_catalog.format('Name the column with %s => ''...'', or pass NULL when the source has none.', arg);
        END IF;
    END LOOP;
    FOREACH col IN ARRAY coalesce(engaged_columns, '{}') LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                       WHERE attrelid = source AND attname = col AND attnum > 0 AND NOT attisdropped) THEN
            RAISE EXCEPTION 'column "%" of relation % does not exist', col, source
                USING ERRCODE = 'undefined_column',
                      HINT = 'engaged_columns lists the boolean columns of the engagement signals (tab in focus, full screen, sound on).';
        END IF;
    END LOOP;
    IF viewer_column IS NULL OR timestamp_column IS NULL OR event_type_column IS NULL THEN
        RAISE EXCEPTION 'viewer_column, timestamp_column and event_type_column must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- the kind of each event, from the event type lists (the first list naming it wins)
    FOR c IN SELECT * FROM (VALUES ('heartbeat', heartbeat_events), ('reaction', reaction_events),
            ('chat', chat_events), ('poll', poll_events), ('qna', qna_events),
            ('download', download_events), ('raised_hand', raised_hand_events),
            ('impression', impression_events), ('play', play_events),
            ('percentile', percentile_events)) AS k(kind, events) LOOP
        IF pg_catalog.cardinality(c.events) > 0 THEN
            kinds := kinds || pg_catalog.format(' WHEN e.%I::text = ANY (%L::text[]) THEN %L',
                                                event_type_column, c.events, c.kind);
        END IF;
    END LOOP;
    SELECT coalesce(pg_catalog.string_agg(pg_catalog.format('coalesce(e.%I::boolean, false)', x), ' OR '), 'false')
        INTO engaged_expr FROM pg_catalog.unnest(engaged_columns) x;

    -- the source's events, normalized
    ts_expr := @extschema@.sessionize_ts_sql(source, timestamp_column);
    v_events := pg_catalog.format('%I.%I', q.nsp, q.rel || '_events');
    -- the columns of the _events view, in order (their comments come from
    -- sessionize_live_columns()); an unmapped column is a NULL of its type
    EXECUTE @extschema@.sessionize_fill($v$
        CREATE VIEW {view} WITH (security_invoker = true) AS
        SELECT {columns} FROM {source} e WHERE {valid}$v$, pg_catalog.jsonb_build_object(
        'view', v_events, 'source', source::text,
        'columns', (SELECT pg_catalog.string_agg(pg_catalog.format('%s AS %I', x.expr, x.name), ', ' ORDER BY x.ord)
                    FROM (VALUES
            (1, 'live_session_id', @extschema@.sessionize_column_sql(live_session_column, 'text')),
            (2, 'viewer_id', @extschema@.sessionize_column_sql(viewer_column, 'text')),
            (3, 'viewer_name', @extschema@.sessionize_column_sql(viewer_name_column, 'text')),
            (4, 'event_time', ts_expr),
            (5, 'event_type', @extschema@.sessionize_column_sql(event_type_column, 'text')),
            (6, 'kind', pg_catalog.format('CASE %s ELSE ''other'' END',
                                         CASE WHEN kinds = '' THEN 'WHEN false THEN NULL' ELSE kinds END)),
            (7, 'live', CASE WHEN playback_column IS NULL THEN 'true'
                             ELSE pg_catalog.format('coalesce(e.%I::text = ANY (%L::text[]), true)',
                                                    playback_column, coalesce(live_values, '{}')) END),
            (8, 'engaged', '(' || engaged_expr || ')'),
            -- a poll is named by its id, else by its question
            (9, 'poll_id', CASE WHEN poll_id_column IS NOT NULL AND poll_question_column IS NOT NULL
                                THEN pg_catalog.format('coalesce(e.%I::text, e.%I::text)', poll_id_column, poll_question_column)
                                ELSE @extschema@.sessionize_column_sql(coalesce(poll_id_column, poll_question_column), 'text') END),
            (10, 'poll_question', @extschema@.sessionize_column_sql(poll_question_column, 'text')),
            (11, 'poll_type', @extschema@.sessionize_column_sql(poll_type_column, 'text')),
            (12, 'poll_answer', @extschema@.sessionize_column_sql(poll_answer_column, 'text')),
            (13, 'recording_id', @extschema@.sessionize_column_sql(recording_column, 'text')),
            (14, 'play_id', @extschema@.sessionize_column_sql(play_column, 'text')),
            (15, 'percentile', @extschema@.sessionize_column_sql(percentile_column, 'numeric')),
            (16, 'country', @extschema@.sessionize_column_sql(country_column, 'text')),
            (17, 'device', @extschema@.sessionize_column_sql(device_column, 'text'))) AS x(ord, name, expr)),
        -- impossible times (a client with a wrong clock) are left out
        'valid', pg_catalog.format('%1$s IS NULL OR (%1$s >= %2$L::timestamptz AND %1$s < pg_catalog.now() + %3$L::interval)',
            ts_expr,
            @extschema@.sessionize_live_valid_from(), @extschema@.sessionize_live_future_slack())));
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v_events, pg_catalog.format(
        'Events of %s for the live report %s, normalized: kind is heartbeat, reaction, chat, poll, qna, download, raised_hand, impression, play, percentile or other; live is false for recording playback.',
        source, q.rel));
    RETURN NEXT v_events::regclass;

    -- per viewer of each live session: viewing states and interaction counts
    v_states := pg_catalog.format('%I.%I', q.nsp, q.rel || '_viewer_states');
    EXECUTE pg_catalog.format($v$
        CREATE VIEW %1$s WITH (security_invoker = true) AS
        SELECT live_session_id, viewer_id,
               (pg_catalog.array_agg(viewer_name ORDER BY event_time DESC NULLS LAST) FILTER (WHERE viewer_name IS NOT NULL))[1] AS viewer_name,
               (pg_catalog.array_agg(country ORDER BY event_time DESC NULLS LAST) FILTER (WHERE country IS NOT NULL))[1] AS country,
               (pg_catalog.array_agg(device ORDER BY event_time DESC NULLS LAST) FILTER (WHERE device IS NOT NULL))[1] AS device,
               %2$I.viewing_agg(event_time, %3$s, engaged) FILTER (WHERE kind = 'heartbeat' AND live) AS live_state,
               %2$I.viewing_agg(event_time, %3$s, engaged) FILTER (WHERE kind = 'heartbeat' AND NOT live) AS recording_state,
               pg_catalog.count(*) FILTER (WHERE kind = 'reaction') AS reactions,
               pg_catalog.count(*) FILTER (WHERE kind = 'chat') AS chat_messages,
               pg_catalog.count(*) FILTER (WHERE kind = 'poll') AS poll_answers,
               pg_catalog.count(DISTINCT poll_id) FILTER (WHERE kind = 'poll') AS polls_answered,
               pg_catalog.count(*) FILTER (WHERE kind = 'qna') AS qna_threads,
               pg_catalog.count(*) FILTER (WHERE kind = 'download') AS downloads,
               pg_catalog.count(*) FILTER (WHERE kind = 'raised_hand') AS raised_hands,
               pg_catalog.count(*) FILTER (WHERE kind = 'play') AS plays
        FROM %4$s
        WHERE viewer_id IS NOT NULL
        GROUP BY live_session_id, viewer_id
        $v$, v_states, ext, hb, v_events);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v_states, pg_catalog.format(
        'Per viewer of each live session of %s: viewing states (viewingstate, heartbeat %s) of live and recording playback, and interaction counts; the base of the other views of the report.',
        source, heartbeat));
    RETURN NEXT v_states::regclass;

    FOREACH part IN ARRAY parts LOOP
        v_name := pg_catalog.format('%I.%I', q.nsp, q.rel || '_' || part);
        IF part = 'summary' THEN
            body := pg_catalog.format($v$
                SELECT live_session_id,
                       pg_catalog.min(%1$I.viewing_start(live_state)) AS live_start,
                       pg_catalog.max(%1$I.viewing_end(live_state)) AS live_end,
                       pg_catalog.count(*) AS unique_viewers,
                       pg_catalog.count(live_state) AS live_viewers,
                       pg_catalog.count(*) FILTER (WHERE recording_state IS NOT NULL OR plays > 0) AS recording_viewers,
                       pg_catalog.avg(coalesce(%1$I.viewing_seconds(live_state), 0)
                                      + coalesce(%1$I.viewing_seconds(recording_state), 0)) / 60 AS avg_minutes_viewed,
                       pg_catalog.avg(%1$I.viewing_seconds(live_state)) / 60 AS avg_live_minutes_viewed,
                       pg_catalog.avg(%1$I.engaged_seconds(live_state) / %1$I.viewing_seconds(live_state)) AS live_engagement_rate,
                       (pg_catalog.count(*) FILTER (WHERE reactions > 0))::float8 / pg_catalog.count(*) AS reacting_viewers_rate,
                       pg_catalog.sum(reactions)::bigint AS reactions,
                       (pg_catalog.count(*) FILTER (WHERE chat_messages > 0))::float8 / pg_catalog.count(*) AS chatting_viewers_rate,
                       pg_catalog.sum(chat_messages)::bigint AS chat_messages,
                       (pg_catalog.count(*) FILTER (WHERE poll_answers > 0))::float8 / pg_catalog.count(*) AS polling_viewers_rate,
                       pg_catalog.sum(poll_answers)::bigint AS poll_answers,
                       (pg_catalog.count(*) FILTER (WHERE qna_threads > 0))::float8 / pg_catalog.count(*) AS qna_viewers_rate,
                       pg_catalog.sum(qna_threads)::bigint AS qna_threads,
                       (pg_catalog.count(*) FILTER (WHERE downloads > 0))::float8 / pg_catalog.count(*) AS downloading_viewers_rate,
                       pg_catalog.sum(downloads)::bigint AS downloads,
                       pg_catalog.sum(raised_hands)::bigint AS raised_hands,
                       pg_catalog.sum(plays)::bigint AS recording_plays
                FROM %2$s GROUP BY live_session_id
                $v$, ext, v_states);
        ELSIF part = 'timeline' THEN
            -- every bucket from the first to the last live one, zero where nobody watched
            body := pg_catalog.format($v$
                WITH per AS (
                    SELECT v.live_session_id, b.bucket_start, pg_catalog.count(*) AS live_viewers,
                           pg_catalog.avg(b.engaged_seconds / b.viewed_seconds) AS live_engagement_rate
                    FROM %1$s v CROSS JOIN LATERAL %2$I.viewing_buckets(v.live_state, %3$s, %4$s) b
                    GROUP BY v.live_session_id, b.bucket_start),
                span AS (
                    SELECT live_session_id, pg_catalog.min(bucket_start) AS lo, pg_catalog.max(bucket_start) AS hi
                    FROM per GROUP BY live_session_id)
                SELECT s.live_session_id, s.lo + k * %5$s AS bucket_start,
                       coalesce(p.live_viewers, 0) AS live_viewers, p.live_engagement_rate
                FROM span s
                CROSS JOIN LATERAL pg_catalog.generate_series(0::bigint,
                    %2$I.sessionize_live_buckets(s.live_session_id, s.lo, s.hi, %5$s)) k
                LEFT JOIN per p ON p.live_session_id IS NOT DISTINCT FROM s.live_session_id
                               AND p.bucket_start = s.lo + k * %5$s
                $v$, v_states, ext, origin, bk, bk_secs);
        ELSIF part = 'viewers' THEN
            body := pg_catalog.format($v$
                WITH span AS (
                    SELECT live_session_id,
                           pg_catalog.date_bin(%4$s, pg_catalog.min(%2$I.viewing_start(live_state)), %3$s) AS lo,
                           pg_catalog.max(%2$I.viewing_end(live_state)) - interval '1 microsecond' AS last
                    FROM %1$s GROUP BY live_session_id)
                -- (last is computed above, and each function scan of the
                -- heatmap is a subquery of its own, so that Citus can push
                -- the view down: docs/citus.md)
                SELECT v.live_session_id, v.viewer_id, v.viewer_name, v.country, v.device,
                       coalesce(%2$I.viewing_seconds(v.live_state), 0) / 60 AS minutes_viewed,
                       coalesce(%2$I.viewing_seconds(v.recording_state), 0) / 60 AS recording_minutes_viewed,
                       %2$I.engaged_seconds(v.live_state) / %2$I.viewing_seconds(v.live_state) AS live_engagement_rate,
                       v.reactions, v.chat_messages, v.polls_answered, v.qna_threads, v.downloads, v.raised_hands,
                       ARRAY(SELECT b.engaged_seconds / b.viewed_seconds
                             FROM (SELECT k FROM pg_catalog.generate_series(0::bigint,
                                       %2$I.sessionize_live_buckets(v.live_session_id, s.lo, s.last, %5$s)) k) k
                             LEFT JOIN (SELECT * FROM %2$I.viewing_buckets(v.live_state, %3$s, %4$s)) b
                                    ON b.bucket_start = s.lo + k.k * %5$s
                             ORDER BY k.k) AS engagement_heatmap
                FROM %1$s v JOIN span s ON s.live_session_id IS NOT DISTINCT FROM v.live_session_id
                $v$, v_states, ext, origin, bk, bk_secs);
        ELSIF part = 'polls' THEN
            body := pg_catalog.format($v$
                WITH a AS (
                    SELECT live_session_id, poll_id, poll_question, poll_type, poll_answer, viewer_id
                    FROM %1$s WHERE kind = 'poll' AND viewer_id IS NOT NULL AND poll_id IS NOT NULL),
                p AS (
                    SELECT live_session_id, poll_id, pg_catalog.max(poll_question) AS poll_question,
                           pg_catalog.max(poll_type) AS poll_type,
                           pg_catalog.count(DISTINCT viewer_id) AS poll_participants
                    FROM a GROUP BY live_session_id, poll_id),
                x AS (
                    SELECT live_session_id, poll_id, poll_answer, pg_catalog.count(DISTINCT viewer_id) AS n
                    FROM a GROUP BY live_session_id, poll_id, poll_answer)
                SELECT p.live_session_id, p.poll_id, p.poll_question, p.poll_type, p.poll_participants,
                       x.poll_answer AS answer, x.n AS answer_participants,
                       x.n::float8 / p.poll_participants AS answer_rate
                FROM p JOIN x ON x.live_session_id IS NOT DISTINCT FROM p.live_session_id AND x.poll_id = p.poll_id
                $v$, v_events);
        ELSIF part = 'recordings' THEN
            body := pg_catalog.format($v$
                WITH r AS (
                    SELECT * FROM %1$s
                    WHERE kind IN ('impression', 'play', 'percentile') OR (kind = 'heartbeat' AND NOT live)),
                watched AS (
                    SELECT live_session_id, recording_id, viewer_id,
                           %2$I.viewing_agg(event_time, %3$s, engaged) FILTER (WHERE kind = 'heartbeat') AS state
                    FROM r WHERE viewer_id IS NOT NULL GROUP BY 1, 2, 3),
                completion AS (
                    -- per play (per viewer when the source has no play ids): percentiles viewed
                    SELECT live_session_id, recording_id,
                           pg_catalog.count(DISTINCT percentile)::float8 / 100 AS completed
                    FROM r WHERE kind = 'percentile' AND percentile BETWEEN 1 AND 100
                    GROUP BY live_session_id, recording_id, coalesce(play_id, viewer_id)),
                counts AS (
                    SELECT live_session_id, recording_id,
                           pg_catalog.count(*) FILTER (WHERE kind = 'impression') AS impressions,
                           pg_catalog.count(*) FILTER (WHERE kind = 'play') AS plays,
                           pg_catalog.count(DISTINCT viewer_id) FILTER (WHERE kind = 'play' OR kind = 'heartbeat') AS unique_viewers
                    FROM r GROUP BY live_session_id, recording_id)
                SELECT c.live_session_id, c.recording_id, c.impressions, c.plays, c.unique_viewers,
                       coalesce((SELECT pg_catalog.sum(%2$I.viewing_seconds(w.state)) FROM watched w
                                 WHERE w.live_session_id IS NOT DISTINCT FROM c.live_session_id
                                   AND w.recording_id IS NOT DISTINCT FROM c.recording_id), 0) / 60 AS minutes_viewed,
                       (SELECT pg_catalog.sum(p.completed) FROM completion p
                        WHERE p.live_session_id IS NOT DISTINCT FROM c.live_session_id
                          AND p.recording_id IS NOT DISTINCT FROM c.recording_id) / NULLIF(c.plays, 0) AS avg_completion_rate
                FROM counts c
                $v$, v_events, ext, hb);
        ELSE
            -- countries and devices: live and recording unique viewers
            body := pg_catalog.format($v$
                SELECT live_session_id, %2$I,
                       pg_catalog.count(DISTINCT viewer_id) FILTER (WHERE kind = 'heartbeat' AND live) AS live_viewers,
                       pg_catalog.count(DISTINCT viewer_id) FILTER (WHERE kind = 'play' OR (kind = 'heartbeat' AND NOT live)) AS recording_viewers
                FROM %1$s WHERE viewer_id IS NOT NULL
                GROUP BY live_session_id, %2$I
                $v$, v_events, CASE part WHEN 'countries' THEN 'country' ELSE 'device' END);
        END IF;
        EXECUTE pg_catalog.format('CREATE VIEW %s WITH (security_invoker = true) AS %s', v_name, body);
        EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v_name, pg_catalog.format(
            CASE part
                WHEN 'summary' THEN 'Live report of %s, per live session: unique viewers, minutes viewed, live engagement rate, interactions and recording plays.'
                WHEN 'timeline' THEN 'Live report of %s: per live session and time bucket, live unique viewers and live engagement rate.'
                WHEN 'viewers' THEN 'Live report of %s: per viewer of each live session, minutes viewed, interactions, live engagement rate and a per-bucket engagement heatmap.'
                WHEN 'polls' THEN 'Live report of %s: per poll and answer, unique participants and the answer rate.'
                WHEN 'recordings' THEN 'Live report of %s: per recording, impressions, plays, unique viewers, minutes viewed and average completion rate.'
                WHEN 'countries' THEN 'Live report of %s: live and recording unique viewers per country.'
                ELSE 'Live report of %s: live and recording unique viewers per device.' END, source));
        RETURN NEXT v_name::regclass;
    END LOOP;

    -- column comments; companion views with descriptive headers for CSV export
    FOREACH part IN ARRAY ARRAY['events', 'viewer_states'] || parts LOOP
        v_name := pg_catalog.format('%I.%I', q.nsp, q.rel || '_' || part);
        friendly := NULL;
        FOR c IN
            SELECT a.attname::text AS name, l.header, l.description
            FROM pg_catalog.pg_attribute a
            LEFT JOIN @extschema@.sessionize_live_columns() l ON l.col = a.attname
            WHERE a.attrelid = v_name::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
        LOOP
            IF c.description IS NOT NULL THEN
                EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', v_name, c.name, c.description);
            END IF;
            friendly := pg_catalog.concat_ws(', ', friendly,
                pg_catalog.format('%I AS %I', c.name, coalesce(c.header, c.name)));
        END LOOP;
        IF friendly_headers AND part = ANY (parts) THEN
            EXECUTE pg_catalog.format('CREATE VIEW %I.%I WITH (security_invoker = true) AS SELECT %s FROM %s',
                q.nsp, q.rel || '_' || part || '_friendly', friendly, v_name);
            EXECUTE pg_catalog.format('COMMENT ON VIEW %I.%I IS %L', q.nsp, q.rel || '_' || part || '_friendly',
                pg_catalog.format('%s with descriptive column headers, for CSV export.', v_name));
            -- each column says what its base column says
            FOR c IN
                SELECT coalesce(l.header, a.attname::text) AS header, pg_catalog.col_description(a.attrelid, a.attnum) AS description
                FROM pg_catalog.pg_attribute a
                LEFT JOIN @extschema@.sessionize_live_columns() l ON l.col = a.attname
                WHERE a.attrelid = v_name::regclass AND a.attnum > 0 AND NOT a.attisdropped
                  AND pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL
            LOOP
                EXECUTE pg_catalog.format('COMMENT ON COLUMN %I.%I.%I IS %L', q.nsp, q.rel || '_' || part || '_friendly',
                                          c.header, c.description);
            END LOOP;
            RETURN NEXT pg_catalog.format('%I.%I', q.nsp, q.rel || '_' || part || '_friendly')::regclass;
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_create_live_session_report(name, regclass, text, interval, interval, text, text, text, text, text, text, text[], text[], text, text, text, text, text, text, text, text, text, text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], boolean) IS
    'Internal: create_live_session_report() with the schema for an unqualified report name.';

-- The public entry point adds only the caller's current schema (for an
-- unqualified report_name) to the call of the pinned implementation.
CREATE FUNCTION @extschema@.create_live_session_report(
    source regclass,
    report_name text DEFAULT 'live_session_report',
    heartbeat interval DEFAULT '10 seconds',
    bucket interval DEFAULT '1 minute',
    live_session_column text DEFAULT 'session_id',
    viewer_column text DEFAULT 'viewer_id',
    viewer_name_column text DEFAULT 'viewer_name',
    timestamp_column text DEFAULT 'event_time',
    event_type_column text DEFAULT 'event_type',
    playback_column text DEFAULT 'playback',
    live_values text[] DEFAULT '{live}',
    engaged_columns text[] DEFAULT '{tab_in_focus,full_screen,sound_on}',
    poll_id_column text DEFAULT 'poll_id',
    poll_question_column text DEFAULT 'poll_question',
    poll_type_column text DEFAULT 'poll_type',
    poll_answer_column text DEFAULT 'poll_answer',
    recording_column text DEFAULT 'recording_id',
    play_column text DEFAULT 'play_id',
    percentile_column text DEFAULT 'percentile',
    country_column text DEFAULT 'country',
    device_column text DEFAULT 'device',
    heartbeat_events text[] DEFAULT '{heartbeat}',
    reaction_events text[] DEFAULT '{reaction}',
    chat_events text[] DEFAULT '{chat_message}',
    poll_events text[] DEFAULT '{poll_answer}',
    qna_events text[] DEFAULT '{qna_thread}',
    download_events text[] DEFAULT '{download}',
    raised_hand_events text[] DEFAULT '{raise_hand}',
    impression_events text[] DEFAULT '{player_impression}',
    play_events text[] DEFAULT '{play}',
    percentile_events text[] DEFAULT '{percentile}',
    friendly_headers boolean DEFAULT false)
RETURNS SETOF regclass LANGUAGE sql AS $$
    SELECT @extschema@.sessionize_create_live_session_report(pg_catalog.current_schema(),
        source, report_name, heartbeat, bucket, live_session_column, viewer_column, viewer_name_column, timestamp_column, event_type_column, playback_column, live_values, engaged_columns, poll_id_column, poll_question_column, poll_type_column, poll_answer_column, recording_column, play_column, percentile_column, country_column, device_column, heartbeat_events, reaction_events, chat_events, poll_events, qna_events, download_events, raised_hand_events, impression_events, play_events, percentile_events, friendly_headers)
$$;
COMMENT ON FUNCTION @extschema@.create_live_session_report(regclass, text, interval, interval, text, text, text, text, text, text, text[], text[], text, text, text, text, text, text, text, text, text, text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], boolean) IS
    'Creates the live-session (webinar) report over a table of viewer events: views <report>_events, _viewer_states, _summary, _timeline, _viewers, _polls, _recordings, _countries, _devices (and _friendly companions with descriptive headers); returns them.';
