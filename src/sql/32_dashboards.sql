------------------------------------------------------------------------------
-- Dashboard views over a relation with the 13 session columns (a session
-- view or table), and session_kpis() for a date range (docs/clickstream.md,
-- "Dashboards").
--
-- Every dashboard has the dimensions a BI tool filters by, session_date (in
-- the project time zone) and platform, and additive measures (counts and
-- sums), so that filtering a date range and summing gives the right totals;
-- its rates are those of each row.  Distinct users do not add up across
-- rows: session_kpis() counts them for a range.  Rows without a session date
-- (SDK mode's sessions without an id) are left out, as AWS's dashboards
-- leave them out.
------------------------------------------------------------------------------

-- Creates view v WITH (security_invoker) from a column list, a JSON array
-- of [name, expression, comment], and a body in which {columns} stands for
-- the select list; comments the view and each column.  The one place where
-- a dashboard's columns are listed.
CREATE FUNCTION @extschema@.sessionize_make_view(v text, view_comment text, cols jsonb,
    body text, pieces jsonb DEFAULT '{}') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c jsonb;
BEGIN
    EXECUTE pg_catalog.format('CREATE VIEW %s WITH (security_invoker = true) AS %s', v,
        @extschema@.sessionize_fill(body, pieces || pg_catalog.jsonb_build_object('columns',
            (SELECT pg_catalog.string_agg(pg_catalog.format('%s AS %I',
                        @extschema@.sessionize_fill(x->>1, pieces), x->>0), ', ' ORDER BY n)
             FROM pg_catalog.jsonb_array_elements(cols) WITH ORDINALITY AS e(x, n)))));
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v, view_comment);
    FOR c IN SELECT x FROM pg_catalog.jsonb_array_elements(cols) AS e(x) LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', v, c->>0, c->>2);
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_make_view(text, text, jsonb, text, jsonb) IS
    'Internal: creates a security_invoker view from a column list (name, expression, comment) and comments it.';

-- Distinct users of a set of session rows: the events without a user are
-- one user too (docs/semantics.md, NULLs), which count(DISTINCT) would
-- leave out.
CREATE FUNCTION @extschema@.sessionize_users_sql() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '(pg_catalog.count(DISTINCT user_pseudo_id) + coalesce(pg_catalog.max((user_pseudo_id IS NULL)::integer), 0))::bigint'::text
$$;
COMMENT ON FUNCTION @extschema@.sessionize_users_sql() IS
    'Internal: the distinct users of a set of session rows, those without a user counted as one.';

-- The dimensions of every dashboard.
CREATE FUNCTION @extschema@.sessionize_dimension_columns() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '[["session_date", "session_date::date", "Day of the session start in the project time zone."],
             ["platform", "platform", "Platform (Web, Android, iOS)."]]'::jsonb
$$;
COMMENT ON FUNCTION @extschema@.sessionize_dimension_columns() IS
    'Internal: the dimensions of the dashboard views (session_date, platform).';

-- The engagement KPIs (AWS Engagement sheet) over a set of session rows:
-- additive measures first, then the rates and averages computed from them.
-- Shared by the _engagement view (per day and platform) and session_kpis()
-- (for a range).
CREATE FUNCTION @extschema@.sessionize_kpi_columns() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '[
      ["users", "{users}::bigint", "Distinct users (not additive across rows: use session_kpis() for a range)."],
      ["sessions", "pg_catalog.count(*)::bigint", "Sessions."],
      ["engaged_sessions", "coalesce(pg_catalog.sum(engaged_session), 0)::bigint", "Engaged sessions."],
      ["session_views", "coalesce(pg_catalog.sum(session_views), 0)::bigint", "Page and screen views."],
      ["total_engagement_seconds", "pg_catalog.round(coalesce(pg_catalog.sum(session_engagement_time), 0) / 1000.0, 3)", "Sum of engagement time, in seconds."],
      ["total_session_seconds", "pg_catalog.round(coalesce(pg_catalog.sum(session_duration), 0) / 1000.0, 3)", "Sum of session lengths, in seconds."],
      ["avg_engaged_sessions_per_user", "pg_catalog.round(pg_catalog.sum(engaged_session)::numeric / NULLIF({users}, 0), 4)", "Engaged sessions / users."],
      ["avg_engagement_seconds_per_session", "pg_catalog.round(pg_catalog.sum(session_engagement_time) / 1000.0 / NULLIF(pg_catalog.count(*), 0), 3)", "Engagement time / sessions, in seconds."],
      ["avg_engagement_seconds_per_user", "pg_catalog.round(pg_catalog.sum(session_engagement_time) / 1000.0 / NULLIF({users}, 0), 3)", "Engagement time / users, in seconds."],
      ["avg_views_per_session", "pg_catalog.round(pg_catalog.sum(session_views)::numeric / NULLIF(pg_catalog.count(*), 0), 4)", "Views per session: page and screen views / sessions."],
      ["avg_views_per_user", "pg_catalog.round(pg_catalog.sum(session_views)::numeric / NULLIF({users}, 0), 4)", "Views per user: page and screen views / users."],
      ["engagement_rate", "pg_catalog.round(pg_catalog.avg(engaged_session), 4)", "Engaged sessions / sessions."],
      ["avg_session_seconds", "pg_catalog.round(pg_catalog.avg(session_duration) / 1000.0, 3)", "Average session length, in seconds."]
    ]'::jsonb
$$;
COMMENT ON FUNCTION @extschema@.sessionize_kpi_columns() IS
    'Internal: the engagement KPIs (name, expression over session rows, comment).';

-- The dashboard views over base (a relation with the 13 session columns)
-- named prefix_*, in schema nsp.  The page report (_pages) reads the events
-- of src with the column mapping of cfg; it is made when src is given and
-- maps a page title or screen name.
CREATE FUNCTION @extschema@.sessionize_create_dashboards(base text, nsp name, prefix name,
    timeout interval, struggling_sessions integer, struggling_seconds numeric,
    src regclass DEFAULT NULL, cfg jsonb DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    dims jsonb := @extschema@.sessionize_dimension_columns();
    pieces jsonb;
    zone text := coalesce(cfg->>'time_zone', 'UTC');
BEGIN
    IF struggling_sessions IS NULL OR struggling_seconds IS NULL
       OR struggling_sessions < 0 OR struggling_seconds < 0 THEN
        RAISE EXCEPTION 'struggling_sessions and struggling_seconds must be zero or more'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A struggling user has at least struggling_sessions sessions averaging under struggling_seconds.';
    END IF;
    PERFORM @extschema@.sessionize_name(prefix, '', '_length_distribution');
    pieces := pg_catalog.jsonb_build_object('base', base, 'users', @extschema@.sessionize_users_sql(),
        'dated', pg_catalog.format('(SELECT * FROM %s WHERE session_date IS NOT NULL)', base),
        'timeout', pg_catalog.quote_literal(timeout) || '::interval',
        'struggling_sessions', struggling_sessions, 'struggling_seconds', struggling_seconds);

    -- sessions per day and platform (CleverTap session board, GA4)
    PERFORM @extschema@.sessionize_make_view(
        pg_catalog.format('%I.%I', nsp, prefix || '_daily'),
        pg_catalog.format('Sessions per day (%s) and platform: sessions, engaged and bounced sessions, users, views, session and engagement time, rates (CleverTap session board, GA4).', zone),
        dims || '[
          ["sessions", "pg_catalog.count(*)::bigint", "Sessions started that day."],
          ["engaged_sessions", "pg_catalog.sum(engaged_session)::bigint", "Engaged sessions."],
          ["bounced_sessions", "pg_catalog.sum(bounced_session)::bigint", "Bounced sessions."],
          ["users", "{users}::bigint", "Distinct users with a session that day (not additive across days: use session_kpis() for a range)."],
          ["session_views", "pg_catalog.sum(session_views)::bigint", "Page and screen views."],
          ["total_session_seconds", "pg_catalog.round(pg_catalog.sum(session_duration) / 1000.0, 3)", "Sum of session lengths, in seconds."],
          ["total_engagement_seconds", "pg_catalog.round(pg_catalog.sum(session_engagement_time) / 1000.0, 3)", "Sum of engagement time, in seconds."],
          ["avg_session_seconds", "pg_catalog.round(pg_catalog.avg(session_duration) / 1000.0, 3)", "Average session length, in seconds (for a range: total_session_seconds / sessions)."],
          ["engagement_rate", "pg_catalog.round(pg_catalog.avg(engaged_session), 4)", "Engaged sessions / sessions."],
          ["bounce_rate", "pg_catalog.round(pg_catalog.avg(bounced_session), 4)", "1 - engagement rate."]]'::jsonb,
        'SELECT {columns} FROM {dated} d GROUP BY 1, 2', pieces);

    -- session length distribution (CleverTap), empty buckets shown as 0 for
    -- each day and platform with sessions
    PERFORM @extschema@.sessionize_make_view(
        pg_catalog.format('%I.%I', nsp, prefix || '_length_distribution'),
        'Sessions per day, platform and session-length bucket (CleverTap session length distribution); empty buckets show 0.',
        '[["session_date", "d.session_date", "Day of the session start in the project time zone."],
          ["platform", "d.platform", "Platform (Web, Android, iOS)."],
          ["bucket_order", "b.bucket_order", "Sort key of the bucket."],
          ["bucket", "b.bucket", "Bucket label."],
          ["min_seconds", "b.min_seconds", "Shortest length in the bucket, in seconds (inclusive)."],
          ["max_seconds", "b.max_seconds", "Length that starts the next bucket, in seconds (exclusive); NULL for the last."],
          ["sessions", "coalesce(c.sessions, 0)::bigint", "Sessions in the bucket."],
          ["share", "pg_catalog.round(coalesce(c.sessions, 0)::numeric / NULLIF(pg_catalog.sum(coalesce(c.sessions, 0)) OVER (PARTITION BY d.session_date, d.platform), 0), 4)", "Share of the day and platform''s sessions (for a range: sum sessions, then divide)."]]'::jsonb,
        $v$
        WITH b (bucket_order, bucket, min_seconds, max_seconds) AS (
            VALUES (1, '0-10 s', 0, 10), (2, '10-30 s', 10, 30), (3, '30-60 s', 30, 60),
                   (4, '1-3 min', 60, 180), (5, '3-10 min', 180, 600), (6, '10-30 min', 600, 1800),
                   (7, '30-60 min', 1800, 3600), (8, '1 h or more', 3600, NULL)),
        c AS (
            SELECT s.session_date::date AS session_date, s.platform, b.bucket_order, pg_catalog.count(*) AS sessions
            FROM {dated} s JOIN b ON s.session_duration >= b.min_seconds * 1000
                                 AND (b.max_seconds IS NULL OR s.session_duration < b.max_seconds * 1000)
            GROUP BY 1, 2, 3),
        d AS (SELECT DISTINCT session_date, platform FROM c)
        SELECT {columns}
        FROM d CROSS JOIN b
        LEFT JOIN c ON c.session_date = d.session_date AND c.platform IS NOT DISTINCT FROM d.platform
                   AND c.bucket_order = b.bucket_order$v$, pieces);

    -- per user, day and platform (Whatfix: how often and how long; struggling
    -- and disengaged users)
    PERFORM @extschema@.sessionize_make_view(
        pg_catalog.format('%I.%I', nsp, prefix || '_users'),
        pg_catalog.format('Per user, day and platform: sessions, session time, first and last seen; struggling = at least %s sessions averaging under %s s that day; disengaged = no engaged session (Whatfix). Over a range, sum sessions and seconds per user.',
                          struggling_sessions, struggling_seconds),
        dims || '[
          ["user_pseudo_id", "user_pseudo_id", "The user."],
          ["sessions", "pg_catalog.count(*)::bigint", "Sessions of the user."],
          ["engaged_sessions", "pg_catalog.sum(engaged_session)::bigint", "Engaged sessions of the user."],
          ["total_session_seconds", "pg_catalog.round(pg_catalog.sum(session_duration) / 1000.0, 3)", "Sum of the user''s session lengths, in seconds."],
          ["avg_session_seconds", "pg_catalog.round(pg_catalog.avg(session_duration) / 1000.0, 3)", "Average session length, in seconds."],
          ["first_seen", "timestamp ''epoch'' + pg_catalog.min(session_start_timestamp) * interval ''1 millisecond''", "Start of the user''s first session (UTC)."],
          ["last_seen", "timestamp ''epoch'' + pg_catalog.max(session_start_timestamp + session_duration) * interval ''1 millisecond''", "Last event of the user''s last session (UTC, millisecond precision)."],
          ["struggling", "(pg_catalog.count(*) >= {struggling_sessions} AND pg_catalog.avg(session_duration) < {struggling_seconds} * 1000)", "Frequent short sessions: enough sessions with a short average length."],
          ["disengaged", "(pg_catalog.sum(engaged_session) = 0)", "No engaged session at all."]]'::jsonb,
        'SELECT {columns} FROM {dated} d GROUP BY 1, 2, 3', pieces);

    -- the AWS Engagement sheet's KPIs, per day and platform
    PERFORM @extschema@.sessionize_make_view(
        pg_catalog.format('%I.%I', nsp, prefix || '_engagement'),
        'The engagement KPIs of the AWS Clickstream Engagement sheet, per day and platform: additive measures, and the KPIs of each row (for a range: session_kpis()).',
        dims || @extschema@.sessionize_kpi_columns(),
        'SELECT {columns} FROM {dated} d GROUP BY 1, 2', pieces);

    -- entry and exit views per day and platform (AWS Engagement sheet)
    PERFORM @extschema@.sessionize_make_view(
        pg_catalog.format('%I.%I', nsp, prefix || '_entry_exit'),
        'Per day, platform and page or screen: sessions that entered and sessions that exited there.',
        dims || '[
          ["view_name", "view_name", "Page title or screen name."],
          ["entry_sessions", "pg_catalog.sum(entry)::bigint", "Sessions whose first view it is."],
          ["exit_sessions", "pg_catalog.sum(exit)::bigint", "Sessions whose last view it is."]]'::jsonb,
        $v$
        SELECT {columns}
        FROM (SELECT session_date, platform, entry_view AS view_name, 1 AS entry, 0 AS exit
              FROM {dated} s WHERE entry_view IS NOT NULL
              UNION ALL
              SELECT session_date, platform, exit_view, 0, 1 FROM {dated} s WHERE exit_view IS NOT NULL) x
        GROUP BY 1, 2, 3$v$, pieces);

    -- the page and screen report of AWS's later releases, from the events
    IF src IS NOT NULL AND (cfg->>'page_title_column' IS NOT NULL OR cfg->>'screen_name_column' IS NOT NULL) THEN
        PERFORM @extschema@.sessionize_make_view(
            pg_catalog.format('%I.%I', nsp, prefix || '_pages'),
            pg_catalog.format('Per day (%s), platform and page or screen, from the events of %s: views, users, engagement time, and the sessions that entered and exited there.', zone, src),
            '[["session_date", "coalesce(p.session_date, x.session_date)", "Day of the events (views) or of the session start (entries and exits), in the project time zone."],
              ["platform", "coalesce(p.platform, x.platform)", "Platform (Web, Android, iOS)."],
              ["view_name", "coalesce(p.view_name, x.view_name)", "Page title or screen name."],
              ["views", "coalesce(p.views, 0)::bigint", "Views of the page or screen."],
              ["users", "coalesce(p.users, 0)::bigint", "Distinct users who viewed it that day (not additive across days)."],
              ["views_per_user", "pg_catalog.round(p.views::numeric / NULLIF(p.users, 0), 4)", "Views / users."],
              ["total_engagement_seconds", "pg_catalog.round(coalesce(p.engagement_ms, 0) / 1000.0, 3)", "Engagement time of the engagement events on the page or screen, in seconds."],
              ["avg_engagement_seconds_per_user", "pg_catalog.round(p.engagement_ms / 1000.0 / NULLIF(p.engaged_users, 0), 3)", "Engagement time / users with engagement time on it, in seconds."],
              ["entry_sessions", "coalesce(x.entry_sessions, 0)::bigint", "Sessions whose first view it is."],
              ["exit_sessions", "coalesce(x.exit_sessions, 0)::bigint", "Sessions whose last view it is."]]'::jsonb,
            $v$
            SELECT {columns}
            FROM (SELECT (i.ts AT TIME ZONE {zone})::date AS session_date, i.platform, i.page AS view_name,
                         pg_catalog.count(*) FILTER (WHERE i.view_name IS NOT NULL) AS views,
                         pg_catalog.count(DISTINCT i.user_key) FILTER (WHERE i.view_name IS NOT NULL)
                         + pg_catalog.max((i.user_key IS NULL AND i.view_name IS NOT NULL)::integer) AS users,
                         pg_catalog.sum(i.engagement_ms) AS engagement_ms,
                         pg_catalog.count(DISTINCT i.user_key) FILTER (WHERE i.engagement_ms IS NOT NULL)
                         + pg_catalog.max((i.user_key IS NULL AND i.engagement_ms IS NOT NULL)::integer) AS engaged_users
                  FROM (SELECT {input}, {page} AS page FROM {source} e) i
                  WHERE i.counted AND i.ts IS NOT NULL AND i.page IS NOT NULL
                    AND (i.view_name IS NOT NULL OR i.engagement_ms IS NOT NULL)
                  GROUP BY 1, 2, 3) p
            FULL JOIN {entry_exit} x
              ON x.session_date = p.session_date AND x.platform IS NOT DISTINCT FROM p.platform
             AND x.view_name = p.view_name$v$,
            pieces || pg_catalog.jsonb_build_object(
                'zone', pg_catalog.quote_literal(zone),
                'input', @extschema@.sessionize_input_sql(src, cfg),
                'page', CASE WHEN cfg->>'page_title_column' IS NOT NULL AND cfg->>'screen_name_column' IS NOT NULL
                             THEN pg_catalog.format('coalesce(e.%I::text, e.%I::text)', cfg->>'page_title_column', cfg->>'screen_name_column')
                             ELSE pg_catalog.format('e.%I::text', coalesce(cfg->>'page_title_column', cfg->>'screen_name_column')) END,
                'source', src::text,
                'entry_exit', pg_catalog.format('%I.%I', nsp, prefix || '_entry_exit')));
    END IF;

    -- CleverTap "Session Concluded" events: sessions inactive for the timeout
    PERFORM @extschema@.sessionize_make_view(
        pg_catalog.format('%I.%I', nsp, prefix || '_concluded'),
        pg_catalog.format('CleverTap Session Concluded events: one per session whose last event is more than %s before now, timestamped with its last event.', timeout),
        dims || '[
          ["session_id", "session_id", "The concluded session."],
          ["user_pseudo_id", "user_pseudo_id", "The user."],
          ["event_name", "''Session Concluded''::text", "Always Session Concluded."],
          ["event_timestamp", "timestamp ''epoch'' + (session_start_timestamp + session_duration) * interval ''1 millisecond''", "Time of the session''s last event (UTC, millisecond precision)."],
          ["session_length_seconds", "(session_duration / 1000)::bigint", "Session length, first to last event, in whole seconds."]]'::jsonb,
        $v$
        SELECT {columns} FROM {dated} d
        WHERE timestamptz 'epoch' + (session_start_timestamp + session_duration) * interval '1 millisecond'
              + {timeout} < pg_catalog.now()$v$, pieces);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_create_dashboards(text, name, name, interval, integer, numeric, regclass, jsonb) IS
    'Internal: creates the dashboard views over a relation with the 13 session columns.';

-- The engagement KPIs of the sessions of a session view or table that start
-- between two days (inclusive, in the project time zone), on one platform
-- or all: distinct users counted over the whole range.
CREATE FUNCTION @extschema@.session_kpis(relation regclass, from_date date, to_date date,
    platform text DEFAULT NULL,
    OUT users bigint, OUT sessions bigint, OUT engaged_sessions bigint, OUT session_views bigint,
    OUT total_engagement_seconds numeric, OUT total_session_seconds numeric,
    OUT avg_engaged_sessions_per_user numeric, OUT avg_engagement_seconds_per_session numeric,
    OUT avg_engagement_seconds_per_user numeric, OUT avg_views_per_session numeric,
    OUT avg_views_per_user numeric, OUT engagement_rate numeric, OUT avg_session_seconds numeric)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rel regclass := relation;
BEGIN
    IF rel IS NULL OR from_date IS NULL OR to_date IS NULL THEN
        RAISE EXCEPTION 'relation, from_date and to_date must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- (session dates end with timestamp's range, before date's)
    to_date := LEAST(to_date, date '294276-12-30');
    EXECUTE pg_catalog.format(
        'SELECT %s FROM %s WHERE session_date >= $1 AND session_date < $2 + 1 '
        'AND ($3 IS NULL OR platform = $3)',
        (SELECT pg_catalog.string_agg(@extschema@.sessionize_fill(x->>1,
                    pg_catalog.jsonb_build_object('users', @extschema@.sessionize_users_sql())), ', ' ORDER BY n)
         FROM pg_catalog.jsonb_array_elements(@extschema@.sessionize_kpi_columns()) WITH ORDINALITY AS e(x, n)),
        rel)
    INTO users, sessions, engaged_sessions, session_views, total_engagement_seconds,
         total_session_seconds, avg_engaged_sessions_per_user, avg_engagement_seconds_per_session,
         avg_engagement_seconds_per_user, avg_views_per_session, avg_views_per_user,
         engagement_rate, avg_session_seconds
    USING from_date, to_date, platform;
END $$;
COMMENT ON FUNCTION @extschema@.session_kpis(regclass, date, date, text) IS
    'The engagement KPIs (AWS Engagement sheet) of the sessions of a session view or table that start from from_date to to_date (inclusive), on one platform or all; users are counted distinct over the range.';
