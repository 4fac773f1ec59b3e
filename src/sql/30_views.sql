-- The AWS Clickstream session view, dashboards, incremental session tables
--
-- Generated SQL quotes every identifier with format('%I') and every value
-- with format('%L'); generated views are security_invoker.
------------------------------------------------------------------------------

-- The extension's own schema, for generated SQL.
CREATE FUNCTION @extschema@.sessionize_schema() RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT n.nspname FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'sessionize'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_schema() IS
    'Internal: the schema sessionize is installed in.';

-- The version of the extension's SQL objects, recorded in what the
-- generators make (comments, a session table's configuration), so that
-- objects made by an older release can be found and made again.
CREATE FUNCTION @extschema@.sessionize_version() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'sessionize'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_version() IS
    'Internal: the installed version of sessionize, recorded in generated objects.';

-- Split a possibly schema-qualified name; unqualified names go to
-- default_nsp, the first schema of the caller's search_path (the public
-- generators pass pg_catalog.current_schema() from outside their pinned
-- search_path), as CREATE VIEW would do.
CREATE FUNCTION @extschema@.sessionize_qualify(rel_name text, default_nsp name,
    OUT nsp name, OUT rel name)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parts text[] := pg_catalog.parse_ident(rel_name);
BEGIN
    IF pg_catalog.array_length(parts, 1) = 1 THEN
        nsp := default_nsp;
        rel := parts[1];
    ELSIF pg_catalog.array_length(parts, 1) = 2 THEN
        nsp := parts[1];
        rel := parts[2];
    ELSE
        RAISE EXCEPTION 'invalid relation name "%"', pg_catalog.left(rel_name, 64)
            USING ERRCODE = 'invalid_name', HINT = 'Use name or schema.name.';
    END IF;
    IF nsp IS NULL THEN
        RAISE EXCEPTION 'no schema has been selected to create "%" in', pg_catalog.left(rel_name, 64)
            USING ERRCODE = 'invalid_schema_name', HINT = 'Qualify the name: schema.name.';
    END IF;
    IF pg_catalog.octet_length(rel) > 63 THEN
        RAISE EXCEPTION 'name "%..." is too long', pg_catalog.left(rel, 40)
            USING ERRCODE = 'name_too_long', HINT = 'Names have at most 63 bytes.';
    END IF;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_qualify(text, name) IS
    'Internal: schema and name of a relation name to create.';

-- A name derived from a generated relation's own (rel || suffix), checked
-- to fit PostgreSQL's 63-byte names rather than be cut short: every
-- generated object name is made here.  longest is the longest suffix the
-- generator will use, so that all its names are checked before the first
-- object is created.
CREATE FUNCTION @extschema@.sessionize_name(rel name, suffix text, longest text DEFAULT NULL)
RETURNS name LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.octet_length(rel) + pg_catalog.octet_length(coalesce(longest, suffix)) > 63 THEN
        RAISE EXCEPTION 'name "%" is too long for the objects made from it', rel
            USING ERRCODE = 'name_too_long',
                  DETAIL = pg_catalog.format('The name gets suffixes of up to %s bytes (%s), and names have at most 63 bytes.',
                                             pg_catalog.octet_length(coalesce(longest, suffix)), coalesce(longest, suffix)),
                  HINT = pg_catalog.format('Use a name of at most %s bytes.',
                                           63 - pg_catalog.octet_length(coalesce(longest, suffix)));
    END IF;
    RETURN rel || suffix;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_name(name, text, text) IS
    'Internal: a generated object name (relation name and suffix), checked to fit 63 bytes.';

-- A timestamp column as a timestamptz expression over alias "e":
-- timestamp is read as UTC, bigint as epoch milliseconds.
CREATE FUNCTION @extschema@.sessionize_ts_sql(src regclass, col text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ts_type regtype;
BEGIN
    SELECT atttypid::regtype INTO ts_type FROM pg_catalog.pg_attribute
    WHERE attrelid = src AND attname = col AND attnum > 0 AND NOT attisdropped;
    IF ts_type = 'timestamp with time zone'::regtype THEN
        RETURN pg_catalog.format('e.%I', col);
    ELSIF ts_type = 'timestamp without time zone'::regtype THEN
        RETURN pg_catalog.format('(e.%I AT TIME ZONE ''UTC'')', col);
    ELSIF ts_type = 'bigint'::regtype THEN
        RETURN pg_catalog.format('(timestamptz ''epoch'' + e.%I * interval ''1 millisecond'')', col);
    END IF;
    RAISE EXCEPTION 'column "%" has type %, not a timestamp', col, ts_type
        USING ERRCODE = 'datatype_mismatch',
              HINT = 'Use a timestamptz, timestamp (read as UTC) or bigint epoch-milliseconds column.';
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_ts_sql(regclass, text) IS
    'Internal: a timestamp column of a source as a timestamptz expression.';

-- The input of the session aggregate, as a SELECT list over the source table
-- src aliased "e": user_pseudo_id, platform, ts (timestamptz), event_id,
-- view_name (non-NULL marks a view), engagement_ms, counted.  cfg holds the
-- column mapping and event lists of create_session_view/create_session_table.
-- Every cast in it is of a mapped column to a built-in type, and its
-- operators resolve in pg_catalog (the pinned search_path of every function
-- that parses it).
CREATE FUNCTION @extschema@.sessionize_input_sql(src regclass, cfg jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    arg text;
    ts_expr text;
    platform_expr text;
    name_expr text;
    view_expr text;
    eng_expr text;
    counted_expr text;
BEGIN
    FOREACH arg IN ARRAY ARRAY['user_column', 'platform_column', 'timestamp_column',
                               'event_id_column', 'event_name_column', 'page_title_column',
                               'screen_name_column', 'engagement_column', 'session_id_column',
                               'session_duration_column'] LOOP
        IF cfg->>arg IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_attribute
            WHERE attrelid = src AND attname = cfg->>arg AND attnum > 0 AND NOT attisdropped)
        THEN
            RAISE EXCEPTION 'column "%" of relation % does not exist', cfg->>arg, src
                USING ERRCODE = 'undefined_column',
                      HINT = pg_catalog.format('Name the column with %s => ''...'', or pass NULL where the argument allows it.', arg);
        END IF;
    END LOOP;
    IF cfg->>'user_column' IS NULL OR cfg->>'timestamp_column' IS NULL THEN
        RAISE EXCEPTION 'user_column and timestamp_column must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    ts_expr := @extschema@.sessionize_ts_sql(src, cfg->>'timestamp_column');

    platform_expr := CASE WHEN cfg->>'platform_column' IS NULL THEN 'NULL::text'
                          ELSE pg_catalog.format('e.%I::text', cfg->>'platform_column') END;
    name_expr := CASE WHEN cfg->>'event_name_column' IS NULL THEN NULL
                      ELSE pg_catalog.format('e.%I::text', cfg->>'event_name_column') END;

    -- a view: an event named in view_events (any event with a view name when
    -- there are no event names or no list); its name: page title or screen name
    view_expr := pg_catalog.concat_ws(', ',
        CASE WHEN cfg->>'page_title_column' IS NOT NULL THEN pg_catalog.format('e.%I::text', cfg->>'page_title_column') END,
        CASE WHEN cfg->>'screen_name_column' IS NOT NULL THEN pg_catalog.format('e.%I::text', cfg->>'screen_name_column') END);
    IF name_expr IS NOT NULL AND cfg->'view_events' IS NOT NULL AND cfg->'view_events' <> 'null'::jsonb THEN
        view_expr := pg_catalog.format('CASE WHEN %s = ANY (%L::text[]) THEN coalesce(%s) END',
            name_expr, (SELECT pg_catalog.array_agg(x) FROM jsonb_array_elements_text(cfg->'view_events') x)::text,
            CASE WHEN view_expr = '' THEN '''''' ELSE view_expr || ', ''''' END);
    ELSIF view_expr = '' THEN
        view_expr := 'NULL::text';
    ELSIF name_expr IS NULL THEN
        -- no event names (a Segment pages table): every row is a view
        view_expr := pg_catalog.format('coalesce(%s, '''')', view_expr);
    ELSE
        view_expr := pg_catalog.format('coalesce(%s)', view_expr);
    END IF;

    IF cfg->>'engagement_column' IS NULL THEN
        eng_expr := 'NULL::bigint';
    ELSIF name_expr IS NOT NULL AND cfg->'engagement_events' IS NOT NULL AND cfg->'engagement_events' <> 'null'::jsonb THEN
        eng_expr := pg_catalog.format('CASE WHEN %s = ANY (%L::text[]) THEN e.%I::bigint END',
            name_expr, (SELECT pg_catalog.array_agg(x) FROM jsonb_array_elements_text(cfg->'engagement_events') x)::text,
            cfg->>'engagement_column');
    ELSE
        eng_expr := pg_catalog.format('e.%I::bigint', cfg->>'engagement_column');
    END IF;

    IF name_expr IS NOT NULL AND pg_catalog.jsonb_array_length(coalesce(cfg->'excluded_events', '[]')) > 0 THEN
        counted_expr := pg_catalog.format('coalesce(%s <> ALL (%L::text[]), true)',
            name_expr, (SELECT pg_catalog.array_agg(x) FROM jsonb_array_elements_text(cfg->'excluded_events') x)::text);
    ELSE
        counted_expr := 'true';
    END IF;

    RETURN pg_catalog.format(
        'e.%I::text AS user_pseudo_id, %s AS platform, %s AS ts, %s AS event_id, '
        '%s AS view_name, %s AS engagement_ms, %s AS counted, %s AS sdk_session_id, %s AS sdk_duration',
        cfg->>'user_column', platform_expr, ts_expr,
        CASE WHEN cfg->>'event_id_column' IS NULL THEN 'NULL::text'
             ELSE pg_catalog.format('e.%I::text', cfg->>'event_id_column') END,
        view_expr, eng_expr, counted_expr,
        CASE WHEN cfg->>'session_id_column' IS NULL THEN 'NULL::text'
             ELSE pg_catalog.format('e.%I::text', cfg->>'session_id_column') END,
        CASE WHEN cfg->>'session_duration_column' IS NULL THEN 'NULL::bigint'
             ELSE pg_catalog.format('e.%I::bigint', cfg->>'session_duration_column') END);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_input_sql(regclass, jsonb) IS
    'Internal: the session aggregate''s inputs as a SELECT list over the source table aliased e.';

-- The aggregate call over the input columns (alias i).
CREATE FUNCTION @extschema@.sessionize_agg_sql(cfg jsonb, timeout interval) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format(
        '%1$I.session_agg(i.ts, %2$L::interval, i.view_name, i.engagement_ms, i.event_id, '
        '%1$I.session_rules(engaged_duration => %3$L::interval, engaged_views => %4$s))',
        @extschema@.sessionize_schema(), timeout,
        cfg->>'engaged_duration', (cfg->>'engaged_views')::integer)
$$;
COMMENT ON FUNCTION @extschema@.sessionize_agg_sql(jsonb, interval) IS
    'Internal: the session_agg call of generated views and tables.';

-- The 13 columns of the AWS session view from a group (alias g: user_pseudo_id,
-- platform) and one of its sessions (alias s: a row of sessions()).
CREATE FUNCTION @extschema@.sessionize_columns_sql() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format('%I.sessionize_session_id(g.user_pseudo_id, s.session_start) AS session_id, ',
                             @extschema@.sessionize_schema())
        || 'g.user_pseudo_id::text AS user_pseudo_id, '
        'g.platform::text AS platform, '
        's.duration_ms::bigint AS session_duration, '
        's.views::bigint AS session_views, '
        's.engaged::integer AS engaged_session, '
        '(NOT s.engaged)::integer AS bounced_session, '
        'pg_catalog.floor(EXTRACT(epoch FROM s.session_start) * 1000)::bigint AS session_start_timestamp, '
        's.engagement_ms::bigint AS session_engagement_time, '
        'pg_catalog.date_trunc(''day'', s.session_start AT TIME ZONE ''UTC'') AS session_date, '
        'pg_catalog.date_trunc(''hour'', s.session_start AT TIME ZONE ''UTC'') AS session_date_hour, '
        'NULLIF(s.entry_view, '''')::text AS entry_view, '
        'NULLIF(s.exit_view, '''')::text AS exit_view'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_columns_sql() IS
    'Internal: the 13 columns of the clickstream session view, from a group g and a session s.';

-- Comments of the 13 columns (CLICKSTREAM.md).
CREATE FUNCTION @extschema@.sessionize_comment_columns(rel text, kind text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM (VALUES
        ('session_id', 'Session id: <user_pseudo_id>-YYYYMMDD-HH24MISSMS of the session start in UTC (SDK mode: the SDK''s id, # when missing).'),
        ('user_pseudo_id', 'The user (device) the session belongs to.'),
        ('platform', 'Platform (Web, Android, iOS); sessions are computed per user and platform.'),
        ('session_duration', 'Session length in milliseconds: last event minus first event, rounded down.'),
        ('session_views', 'Page and screen views in the session.'),
        ('engaged_session', '1 when the session is engaged (longer than the engaged duration, or enough views), else 0.'),
        ('bounced_session', '1 - engaged_session.'),
        ('session_start_timestamp', 'Session start in milliseconds since 1970-01-01 UTC, rounded down.'),
        ('session_engagement_time', 'Sum of the engagement time of the session''s engagement events, in milliseconds.'),
        ('session_date', 'UTC day of the session start (a session belongs wholly to its start day).'),
        ('session_date_hour', 'UTC hour of the session start.'),
        ('entry_view', 'Page title or screen name of the first view of the session (ties: lowest event_id).'),
        ('exit_view', 'Page title or screen name of the last view of the session (ties: highest event_id).')) v(col, txt)
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', rel, c.col, c.txt);
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_comment_columns(text, text) IS
    'Internal: comments the 13 columns of a generated session view or table.';

-- The dashboard views over a relation with the 13 session columns.
CREATE FUNCTION @extschema@.sessionize_create_dashboards(base text, nsp name, prefix name,
    timeout interval, struggling_sessions integer, struggling_seconds numeric)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v text;
    c record;
BEGIN
    IF struggling_sessions IS NULL OR struggling_seconds IS NULL
       OR struggling_sessions < 0 OR struggling_seconds < 0 THEN
        RAISE EXCEPTION 'struggling_sessions and struggling_seconds must be zero or more'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A struggling user has at least struggling_sessions sessions averaging under struggling_seconds.';
    END IF;
    -- the longest dashboard suffix must still fit in a name
    IF pg_catalog.octet_length(prefix) + pg_catalog.octet_length('_length_distribution') > 63 THEN
        RAISE EXCEPTION 'name "%" is too long for its dashboard views', prefix
            USING ERRCODE = 'name_too_long',
                  HINT = 'Use a name of at most 43 bytes, or dashboards => false.';
    END IF;
    -- sessions per day (CleverTap session board, GA4)
    v := pg_catalog.format('%I.%I', nsp, prefix || '_daily');
    EXECUTE pg_catalog.format($v$
        CREATE VIEW %s WITH (security_invoker = true) AS
        SELECT session_date::date AS session_date,
               pg_catalog.count(*)::bigint AS sessions,
               pg_catalog.count(DISTINCT user_pseudo_id)::bigint AS users,
               pg_catalog.round(pg_catalog.sum(session_duration) / 1000.0, 3) AS total_session_seconds,
               pg_catalog.round(pg_catalog.avg(session_duration) / 1000.0, 3) AS avg_session_seconds,
               pg_catalog.sum(engaged_session)::bigint AS engaged_sessions,
               pg_catalog.round(pg_catalog.avg(engaged_session), 4) AS engagement_rate,
               pg_catalog.round(pg_catalog.avg(bounced_session), 4) AS bounce_rate
        FROM %s GROUP BY session_date::date$v$, v, base);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v,
        'Sessions per UTC day: count, users, total and average session length, engaged sessions, engagement and bounce rate (CleverTap session board, GA4).');
    FOR c IN SELECT * FROM (VALUES
        ('session_date', 'UTC day of the session start.'),
        ('sessions', 'Sessions started that day.'),
        ('users', 'Distinct users with a session that day.'),
        ('total_session_seconds', 'Sum of session lengths, in seconds.'),
        ('avg_session_seconds', 'Average session length, in seconds.'),
        ('engaged_sessions', 'Engaged sessions.'),
        ('engagement_rate', 'Engaged sessions / sessions.'),
        ('bounce_rate', '1 - engagement rate.')) x(col, txt) LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', v, c.col, c.txt);
    END LOOP;

    -- session length distribution (CleverTap)
    v := pg_catalog.format('%I.%I', nsp, prefix || '_length_distribution');
    EXECUTE pg_catalog.format($v$
        CREATE VIEW %s WITH (security_invoker = true) AS
        SELECT b.bucket_order, b.bucket, b.min_seconds, b.max_seconds,
               pg_catalog.count(s.session_duration)::bigint AS sessions,
               pg_catalog.round(pg_catalog.count(s.session_duration)::numeric
                     / NULLIF(pg_catalog.sum(pg_catalog.count(s.session_duration)) OVER (), 0), 4) AS share
        FROM (VALUES (1, '0-10 s', 0, 10), (2, '10-30 s', 10, 30), (3, '30-60 s', 30, 60),
                     (4, '1-3 min', 60, 180), (5, '3-10 min', 180, 600), (6, '10-30 min', 600, 1800),
                     (7, '30-60 min', 1800, 3600), (8, '1 h or more', 3600, NULL))
             AS b(bucket_order, bucket, min_seconds, max_seconds)
        LEFT JOIN %s s ON s.session_duration >= b.min_seconds * 1000
                      AND (b.max_seconds IS NULL OR s.session_duration < b.max_seconds * 1000)
        GROUP BY b.bucket_order, b.bucket, b.min_seconds, b.max_seconds$v$, v, base);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v,
        'Sessions per session-length bucket (CleverTap session length distribution); empty buckets show 0.');
    FOR c IN SELECT * FROM (VALUES
        ('bucket_order', 'Sort key of the bucket.'),
        ('bucket', 'Bucket label.'),
        ('min_seconds', 'Shortest length in the bucket, in seconds (inclusive).'),
        ('max_seconds', 'Length that starts the next bucket, in seconds (exclusive); NULL for the last.'),
        ('sessions', 'Sessions in the bucket.'),
        ('share', 'Share of all sessions.')) x(col, txt) LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', v, c.col, c.txt);
    END LOOP;

    -- per user (Whatfix: how often and how long; struggling and disengaged users)
    v := pg_catalog.format('%I.%I', nsp, prefix || '_users');
    EXECUTE pg_catalog.format($v$
        CREATE VIEW %s WITH (security_invoker = true) AS
        SELECT user_pseudo_id,
               pg_catalog.count(*)::bigint AS sessions,
               pg_catalog.round(pg_catalog.sum(session_duration) / 1000.0, 3) AS total_session_seconds,
               pg_catalog.round(pg_catalog.avg(session_duration) / 1000.0, 3) AS avg_session_seconds,
               pg_catalog.sum(engaged_session)::bigint AS engaged_sessions,
               timestamp 'epoch' + pg_catalog.min(session_start_timestamp) * interval '1 millisecond' AS first_seen,
               timestamp 'epoch' + pg_catalog.max(session_start_timestamp + session_duration) * interval '1 millisecond' AS last_seen,
               (pg_catalog.count(*) >= %s AND pg_catalog.avg(session_duration) < %s * 1000) AS struggling,
               (pg_catalog.sum(engaged_session) = 0) AS disengaged
        FROM %s GROUP BY user_pseudo_id$v$, v, struggling_sessions, struggling_seconds, base);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v,
        pg_catalog.format('Per user: sessions, total and average session time, first and last seen; struggling = at least %s sessions averaging under %s s; disengaged = no engaged session (Whatfix).',
               struggling_sessions, struggling_seconds));
    FOR c IN SELECT * FROM (VALUES
        ('user_pseudo_id', 'The user.'),
        ('sessions', 'Sessions of the user.'),
        ('total_session_seconds', 'Sum of the user''s session lengths, in seconds.'),
        ('avg_session_seconds', 'Average session length, in seconds.'),
        ('engaged_sessions', 'Engaged sessions of the user.'),
        ('first_seen', 'Start of the user''s first session (UTC).'),
        ('last_seen', 'Last event of the user''s last session (UTC, millisecond precision).'),
        ('struggling', 'Frequent short sessions: enough sessions with a short average length.'),
        ('disengaged', 'No engaged session at all.')) x(col, txt) LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', v, c.col, c.txt);
    END LOOP;

    -- the AWS Engagement sheet's KPIs
    v := pg_catalog.format('%I.%I', nsp, prefix || '_engagement');
    EXECUTE pg_catalog.format($v$
        CREATE VIEW %s WITH (security_invoker = true) AS
        SELECT pg_catalog.count(DISTINCT user_pseudo_id)::bigint AS users,
               pg_catalog.count(*)::bigint AS sessions,
               coalesce(pg_catalog.sum(engaged_session), 0)::bigint AS engaged_sessions,
               pg_catalog.round(pg_catalog.sum(engaged_session)::numeric / NULLIF(pg_catalog.count(DISTINCT user_pseudo_id), 0), 4) AS avg_engaged_sessions_per_user,
               pg_catalog.round(pg_catalog.sum(session_engagement_time) / 1000.0 / NULLIF(pg_catalog.count(*), 0), 3) AS avg_engagement_seconds_per_session,
               pg_catalog.round(pg_catalog.sum(session_engagement_time) / 1000.0 / NULLIF(pg_catalog.count(DISTINCT user_pseudo_id), 0), 3) AS avg_engagement_seconds_per_user,
               pg_catalog.round(pg_catalog.sum(session_views)::numeric / NULLIF(pg_catalog.count(DISTINCT user_pseudo_id), 0), 4) AS avg_views_per_user,
               pg_catalog.round(pg_catalog.avg(engaged_session), 4) AS engagement_rate
        FROM %s$v$, v, base);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v,
        'The engagement KPIs of the AWS Clickstream Engagement sheet, over all sessions (filter the base view for a period).');
    FOR c IN SELECT * FROM (VALUES
        ('users', 'Distinct users.'),
        ('sessions', 'Sessions.'),
        ('engaged_sessions', 'Engaged sessions.'),
        ('avg_engaged_sessions_per_user', 'Engaged sessions / users.'),
        ('avg_engagement_seconds_per_session', 'Sum of engagement time / sessions, in seconds.'),
        ('avg_engagement_seconds_per_user', 'Sum of engagement time / users, in seconds.'),
        ('avg_views_per_user', 'Page and screen views / users.'),
        ('engagement_rate', 'Engaged sessions / sessions.')) x(col, txt) LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', v, c.col, c.txt);
    END LOOP;

    -- entry and exit views ranked by sessions (AWS Engagement sheet)
    v := pg_catalog.format('%I.%I', nsp, prefix || '_entry_exit');
    EXECUTE pg_catalog.format($v$
        CREATE VIEW %s WITH (security_invoker = true) AS
        SELECT view_name,
               pg_catalog.sum(entry)::bigint AS entry_sessions,
               pg_catalog.sum(exit)::bigint AS exit_sessions
        FROM (SELECT entry_view AS view_name, 1 AS entry, 0 AS exit FROM %2$s WHERE entry_view IS NOT NULL
              UNION ALL
              SELECT exit_view, 0, 1 FROM %2$s WHERE exit_view IS NOT NULL) x
        GROUP BY view_name$v$, v, base);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v,
        'Per page or screen: sessions that entered and sessions that exited there.');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.view_name IS %L', v, 'Page title or screen name.');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.entry_sessions IS %L', v, 'Sessions whose first view it is.');
    EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.exit_sessions IS %L', v, 'Sessions whose last view it is.');

    -- CleverTap "Session Concluded" events: sessions inactive for the timeout
    v := pg_catalog.format('%I.%I', nsp, prefix || '_concluded');
    EXECUTE pg_catalog.format($v$
        CREATE VIEW %s WITH (security_invoker = true) AS
        SELECT session_id, user_pseudo_id, platform,
               'Session Concluded'::text AS event_name,
               timestamp 'epoch' + (session_start_timestamp + session_duration) * interval '1 millisecond' AS event_timestamp,
               (session_duration / 1000)::bigint AS session_length_seconds
        FROM %s
        WHERE timestamptz 'epoch' + (session_start_timestamp + session_duration) * interval '1 millisecond'
              + %L::interval < pg_catalog.now()$v$, v, base, timeout);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v,
        pg_catalog.format('CleverTap Session Concluded events: one per session whose last event is more than %s before now, timestamped with its last event.', timeout));
    FOR c IN SELECT * FROM (VALUES
        ('session_id', 'The concluded session.'),
        ('user_pseudo_id', 'The user.'),
        ('platform', 'The platform.'),
        ('event_name', 'Always Session Concluded.'),
        ('event_timestamp', 'Time of the session''s last event (UTC, millisecond precision).'),
        ('session_length_seconds', 'Session length, first to last event, in whole seconds.')) x(col, txt) LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', v, c.col, c.txt);
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_create_dashboards(text, name, name, interval, integer, numeric) IS
    'Internal: creates the dashboard views over a relation with the 13 session columns.';

-- The configuration of a generated view or table, checked.
CREATE FUNCTION @extschema@.sessionize_config(source regclass, timeout interval, mode text,
    user_column text, platform_column text, timestamp_column text, event_id_column text,
    event_name_column text, page_title_column text, screen_name_column text,
    engagement_column text, session_id_column text, session_duration_column text,
    view_events text[], engagement_events text[], excluded_events text[],
    engaged_duration interval, engaged_views integer)
RETURNS jsonb LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg jsonb;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION 'source must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF mode IS NULL OR mode NOT IN ('computed', 'sdk') THEN
        RAISE EXCEPTION 'mode must be ''computed'' or ''sdk'', not %', coalesce(pg_catalog.quote_literal(mode), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'computed: sessions from the timeout rule; sdk: sessions from the SDK''s session_id column.';
    END IF;
    -- the rules, checked the way session_agg checks them
    PERFORM @extschema@.session_rules(engaged_duration => engaged_duration, engaged_views => engaged_views);
    PERFORM @extschema@.session_agg(pg_catalog.now(), timeout);
    cfg := pg_catalog.jsonb_build_object(
        'timeout', timeout, 'mode', mode,
        'user_column', user_column, 'platform_column', platform_column,
        'timestamp_column', timestamp_column, 'event_id_column', event_id_column,
        'event_name_column', event_name_column, 'page_title_column', page_title_column,
        'screen_name_column', screen_name_column, 'engagement_column', engagement_column,
        'session_id_column', CASE WHEN mode = 'sdk' THEN session_id_column END,
        'session_duration_column', CASE WHEN mode = 'sdk' THEN session_duration_column END,
        'view_events', pg_catalog.to_jsonb(view_events),
        'engagement_events', pg_catalog.to_jsonb(engagement_events),
        'excluded_events', pg_catalog.to_jsonb(coalesce(excluded_events, '{}')),
        'engaged_duration', coalesce(engaged_duration, interval '10 seconds'),
        'engaged_views', coalesce(engaged_views, 2));
    IF mode = 'sdk' AND session_id_column IS NULL THEN
        RAISE EXCEPTION 'mode ''sdk'' needs a session_id_column' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@.sessionize_input_sql(source, cfg);	-- checks the columns
    RETURN cfg;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_config(regclass, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer) IS
    'Internal: checks and records the arguments of create_session_view and create_session_table.';

-- The body (SELECT) of the session view for a configuration.
CREATE FUNCTION @extschema@.sessionize_view_sql(src regclass, cfg jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ext name := @extschema@.sessionize_schema();
    engaged_ms bigint := pg_catalog.floor(EXTRACT(epoch FROM (cfg->>'engaged_duration')::interval) * 1000);
    duration text := 'coalesce(g.sdk_duration, s.duration_ms)';
BEGIN
    IF cfg->>'mode' = 'computed' THEN
        RETURN pg_catalog.format(
            'SELECT %s FROM (SELECT i.user_pseudo_id, i.platform, %s FILTER (WHERE i.counted) AS state '
            'FROM (SELECT %s FROM %s e) i GROUP BY i.user_pseudo_id, i.platform) g '
            'CROSS JOIN LATERAL %I.sessions(g.state) s',
            @extschema@.sessionize_columns_sql(),
            @extschema@.sessionize_agg_sql(cfg, (cfg->>'timeout')::interval),
            @extschema@.sessionize_input_sql(src, cfg), src, ext);
    END IF;
    -- SDK mode: one session per SDK session id ('#' for missing ones); the
    -- aggregate runs with a timeout longer than any gap, for the metrics
    RETURN pg_catalog.format(
        'SELECT g.sid AS session_id, g.user_pseudo_id::text AS user_pseudo_id, g.platform::text AS platform, '
        '%1$s::bigint AS session_duration, s.views::bigint AS session_views, '
        '(%1$s > %2$s OR s.views >= %3$s)::integer AS engaged_session, '
        '(NOT (%1$s > %2$s OR s.views >= %3$s))::integer AS bounced_session, '
        'pg_catalog.floor(EXTRACT(epoch FROM s.session_start) * 1000)::bigint AS session_start_timestamp, '
        's.engagement_ms::bigint AS session_engagement_time, '
        'pg_catalog.date_trunc(''day'', s.session_start AT TIME ZONE ''UTC'') AS session_date, '
        'pg_catalog.date_trunc(''hour'', s.session_start AT TIME ZONE ''UTC'') AS session_date_hour, '
        'NULLIF(s.entry_view, '''')::text AS entry_view, NULLIF(s.exit_view, '''')::text AS exit_view '
        'FROM (SELECT i.user_pseudo_id, i.platform, '
        'coalesce(NULLIF(i.sdk_session_id, ''''), ''#'')::text AS sid, '
        '%4$s FILTER (WHERE i.counted) AS state, '
        'pg_catalog.max(i.sdk_duration) FILTER (WHERE i.counted AND i.ts IS NOT NULL) AS sdk_duration '
        'FROM (SELECT %5$s FROM %6$s e) i GROUP BY 1, 2, 3) g '
        'CROSS JOIN LATERAL %7$I.sessions(g.state) s',
        duration, engaged_ms, (cfg->>'engaged_views')::integer,
        @extschema@.sessionize_agg_sql(cfg, interval '1000000 days'),
        @extschema@.sessionize_input_sql(src, cfg), src, ext);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_view_sql(regclass, jsonb) IS
    'Internal: the SELECT of a clickstream session view.';

-- create_session_view(): the public entry point is a plain SQL function that
-- only adds the caller's current schema (for an unqualified view_name) and
-- calls the implementation, whose search_path is pinned.
CREATE FUNCTION @extschema@.sessionize_create_session_view(
    default_nsp name, source regclass, view_name text, timeout interval, mode text,
    user_column text, platform_column text, timestamp_column text, event_id_column text,
    event_name_column text, page_title_column text, screen_name_column text,
    engagement_column text, session_id_column text, session_duration_column text,
    view_events text[], engagement_events text[], excluded_events text[],
    engaged_duration interval, engaged_views integer,
    struggling_sessions integer, struggling_seconds numeric, dashboards boolean)
RETURNS regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg jsonb;
    q record;
    v text;
BEGIN
    cfg := @extschema@.sessionize_config(source, timeout, mode, user_column, platform_column,
        timestamp_column, event_id_column, event_name_column, page_title_column,
        screen_name_column, engagement_column, session_id_column, session_duration_column,
        view_events, engagement_events, excluded_events, engaged_duration, engaged_views);
    SELECT * INTO q FROM @extschema@.sessionize_qualify(view_name, default_nsp);
    v := pg_catalog.format('%I.%I', q.nsp, q.rel);
    EXECUTE pg_catalog.format('CREATE VIEW %s WITH (security_invoker = true) AS %s',
                              v, @extschema@.sessionize_view_sql(source, cfg));
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v, pg_catalog.format(
        'Clickstream sessions of %s (mirror of AWS Clickstream clickstream_session_view), %s mode, timeout %s; one row per session of each (user_pseudo_id, platform). Made by sessionize %s.',
        source, cfg->>'mode', timeout, @extschema@.sessionize_version()));
    PERFORM @extschema@.sessionize_comment_columns(v, cfg->>'mode');
    IF dashboards THEN
        PERFORM @extschema@.sessionize_create_dashboards(v, q.nsp, q.rel, timeout,
            struggling_sessions, struggling_seconds);
    END IF;
    RETURN v::regclass;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_create_session_view(name, regclass, text, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean) IS
    'Internal: create_session_view() with the schema for an unqualified view name.';

CREATE FUNCTION @extschema@.create_session_view(
    source regclass,
    view_name text DEFAULT 'clickstream_session_view',
    timeout interval DEFAULT '30 minutes',
    mode text DEFAULT 'computed',
    user_column text DEFAULT 'user_pseudo_id',
    platform_column text DEFAULT 'platform',
    timestamp_column text DEFAULT 'event_timestamp',
    event_id_column text DEFAULT 'event_id',
    event_name_column text DEFAULT 'event_name',
    page_title_column text DEFAULT 'page_view_page_title',
    screen_name_column text DEFAULT 'screen_view_screen_name',
    engagement_column text DEFAULT 'user_engagement_time_msec',
    session_id_column text DEFAULT 'session_id',
    session_duration_column text DEFAULT NULL,
    view_events text[] DEFAULT '{_page_view,_screen_view}',
    engagement_events text[] DEFAULT '{_user_engagement}',
    excluded_events text[] DEFAULT '{}',
    engaged_duration interval DEFAULT '10 seconds',
    engaged_views integer DEFAULT 2,
    struggling_sessions integer DEFAULT 3,
    struggling_seconds numeric DEFAULT 30,
    dashboards boolean DEFAULT true)
RETURNS regclass LANGUAGE sql AS $$
    SELECT @extschema@.sessionize_create_session_view(pg_catalog.current_schema(),
        source, view_name, timeout, mode, user_column, platform_column, timestamp_column,
        event_id_column, event_name_column, page_title_column, screen_name_column,
        engagement_column, session_id_column, session_duration_column, view_events,
        engagement_events, excluded_events, engaged_duration, engaged_views,
        struggling_sessions, struggling_seconds, dashboards)
$$;
COMMENT ON FUNCTION @extschema@.create_session_view(regclass, text, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean) IS
    'Creates the clickstream session view (the 13 columns of AWS Clickstream clickstream_session_view) over an event table, and its dashboard views <view>_daily, _length_distribution, _users, _engagement, _entry_exit, _concluded.';

