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
-- timestamp is read as UTC, bigint as epoch milliseconds; infinite and
-- out-of-range values are NULL (docs/semantics.md, Bad input).
CREATE FUNCTION @extschema@.sessionize_ts_sql(src regclass, col text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ts_type regtype;
BEGIN
    SELECT atttypid::regtype INTO ts_type FROM pg_catalog.pg_attribute
    WHERE attrelid = src AND attname = col AND attnum > 0 AND NOT attisdropped;
    -- infinite or out-of-range times become NULL, which leaves the event
    -- out: one bad row must not make every query or refresh fail
    IF ts_type = 'timestamp with time zone'::regtype THEN
        RETURN pg_catalog.format('CASE WHEN pg_catalog.isfinite(e.%1$I) THEN e.%1$I END', col);
    ELSIF ts_type = 'timestamp without time zone'::regtype THEN
        RETURN pg_catalog.format('CASE WHEN pg_catalog.isfinite(e.%1$I) THEN e.%1$I AT TIME ZONE ''UTC'' END', col);
    ELSIF ts_type = 'bigint'::regtype THEN
        -- milliseconds from 4686 BC to 293,000 AD, within timestamptz's range
        RETURN pg_catalog.format('CASE WHEN e.%1$I BETWEEN -210000000000000 AND 9200000000000000 '
                                 'THEN timestamptz ''epoch'' + e.%1$I * interval ''1 millisecond'' END', col);
    END IF;
    RAISE EXCEPTION 'column "%" has type %, not a timestamp', col, ts_type
        USING ERRCODE = 'datatype_mismatch',
              HINT = 'Use a timestamptz, timestamp (read as UTC) or bigint epoch-milliseconds column.';
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_ts_sql(regclass, text) IS
    'Internal: a timestamp column of a source as a timestamptz expression.';

-- A key column of the source (alias e) as text.  A varchar (or char)
-- column is not merely relabelled to text: Citus 13.2 gives a varchar
-- distribution column relabelled to text, under COLLATE "C" in a window
-- partition, the wrong type ("attribute 1 of type record has wrong type").
CREATE FUNCTION @extschema@.sessionize_text_sql(src regclass, col text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = src AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped)
                     IN ('character varying'::regtype, 'character'::regtype)
                THEN pg_catalog.format('(e.%I::text || '''')', col)
                ELSE pg_catalog.format('e.%I::text', col) END
$$;
COMMENT ON FUNCTION @extschema@.sessionize_text_sql(regclass, text) IS
    'Internal: a key column of a source as a text expression.';

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
                               'session_duration_column', 'session_start_column'] LOOP
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
                          ELSE @extschema@.sessionize_text_sql(src, cfg->>'platform_column') END;
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

    -- a negative engagement time is bad input: like an impossible time, it
    -- counts as missing rather than failing every query (docs/semantics.md,
    -- Bad input)
    IF cfg->>'engagement_column' IS NULL THEN
        eng_expr := 'NULL::bigint';
    ELSIF name_expr IS NOT NULL AND cfg->'engagement_events' IS NOT NULL AND cfg->'engagement_events' <> 'null'::jsonb THEN
        eng_expr := pg_catalog.format('CASE WHEN %s = ANY (%L::text[]) AND e.%I::bigint >= 0 THEN e.%I::bigint END',
            name_expr, (SELECT pg_catalog.array_agg(x) FROM jsonb_array_elements_text(cfg->'engagement_events') x)::text,
            cfg->>'engagement_column', cfg->>'engagement_column');
    ELSE
        eng_expr := pg_catalog.format('CASE WHEN e.%1$I::bigint >= 0 THEN e.%1$I::bigint END', cfg->>'engagement_column');
    END IF;

    IF name_expr IS NOT NULL AND pg_catalog.jsonb_array_length(coalesce(cfg->'excluded_events', '[]')) > 0 THEN
        counted_expr := pg_catalog.format('coalesce(%s <> ALL (%L::text[]), true)',
            name_expr, (SELECT pg_catalog.array_agg(x) FROM jsonb_array_elements_text(cfg->'excluded_events') x)::text);
    ELSE
        counted_expr := 'true';
    END IF;

    -- user_key: the user column as it is, to group by (a distributed table's
    -- distribution column is recognised only uncast)
    RETURN pg_catalog.format(
        'e.%1$I AS user_key, %11$s AS user_pseudo_id, %2$s AS platform, %3$s AS ts, %4$s AS event_id, '
        '%5$s AS view_name, %6$s AS engagement_ms, %7$s AS counted, %8$s AS sdk_session_id, %9$s AS sdk_duration, '
        '%10$s AS sdk_start',
        cfg->>'user_column', platform_expr, ts_expr,
        CASE WHEN cfg->>'event_id_column' IS NULL THEN 'NULL::text'
             ELSE pg_catalog.format('e.%I::text', cfg->>'event_id_column') END,
        view_expr, eng_expr, counted_expr,
        CASE WHEN cfg->>'session_id_column' IS NULL THEN 'NULL::text'
             ELSE pg_catalog.format('e.%I::text', cfg->>'session_id_column') END,
        CASE WHEN cfg->>'session_duration_column' IS NULL THEN 'NULL::bigint'
             ELSE pg_catalog.format('e.%I::bigint', cfg->>'session_duration_column') END,
        CASE WHEN cfg->>'session_start_column' IS NULL THEN 'NULL::timestamptz'
             ELSE @extschema@.sessionize_ts_sql(src, cfg->>'session_start_column') END,
        @extschema@.sessionize_text_sql(src, cfg->>'user_column'));
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

-- The 13 columns of the AWS session view, in order: the one list from which
-- the SELECT of a session view (in each mode), the DDL of a session table
-- and the column comments are made (docs/clickstream.md, "Columns").
-- Expressions read a group g (user_pseudo_id, platform; in SDK mode also
-- sid, missing, sdk_duration, sdk_start) and one of its sessions s (a row of
-- sessions()); in them {ext} is the extension's schema, {zone} the project
-- time zone, and in SDK mode {start} the session start, {duration} its
-- duration and {engaged} the engaged test.
CREATE FUNCTION @extschema@.sessionize_view_columns(
    OUT ord integer, OUT col name, OUT typ text, OUT computed text, OUT sdk text, OUT comment text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    VALUES
    (1, 'session_id'::name, 'text',
     '{ext}.sessionize_session_id(g.user_pseudo_id, s.session_start)', 'g.sid',
     'Session id: <user_pseudo_id>-YYYYMMDD-HH24MISSMS of the session start in UTC (SDK mode: the SDK''s id, # when missing).'),
    (2, 'user_pseudo_id', 'text', 'g.user_pseudo_id', 'g.user_pseudo_id',
     'The user (device) the session belongs to.'),
    (3, 'platform', 'text', 'g.platform', 'g.platform',
     'Platform (Web, Android, iOS); sessions are computed per user and platform.'),
    (4, 'session_duration', 'bigint', 's.duration_ms', '{duration}',
     'Session length in milliseconds: last event minus first event, rounded down (SDK mode: the SDK''s duration when mapped; NULL for events without a session id).'),
    (5, 'session_views', 'bigint', 's.views', 's.views',
     'Page and screen views in the session.'),
    (6, 'engaged_session', 'integer', 's.engaged::integer', '{engaged}::integer',
     '1 when the session is engaged (longer than the engaged duration, or enough views), else 0.'),
    (7, 'bounced_session', 'integer', '(NOT s.engaged)::integer', '(NOT {engaged})::integer',
     '1 - engaged_session.'),
    (8, 'session_start_timestamp', 'bigint',
     'pg_catalog.floor(EXTRACT(epoch FROM s.session_start) * 1000)',
     'pg_catalog.floor(EXTRACT(epoch FROM {start}) * 1000)',
     'Session start in milliseconds since 1970-01-01 UTC, rounded down (SDK mode: the SDK''s session start when mapped; NULL for events without a session id).'),
    (9, 'session_engagement_time', 'bigint', 's.engagement_ms', 's.engagement_ms',
     'Sum of the engagement time of the session''s engagement events, in milliseconds.'),
    (10, 'session_date', 'timestamp',
     'pg_catalog.date_trunc(''day'', s.session_start AT TIME ZONE {zone})',
     'pg_catalog.date_trunc(''day'', {start} AT TIME ZONE {zone})',
     'Day of the session start in the project time zone (a session belongs wholly to its start day).'),
    (11, 'session_date_hour', 'timestamp',
     'pg_catalog.date_trunc(''hour'', s.session_start AT TIME ZONE {zone})',
     'pg_catalog.date_trunc(''hour'', {start} AT TIME ZONE {zone})',
     'Hour of the session start in the project time zone.'),
    (12, 'entry_view', 'text', 'NULLIF(s.entry_view, '''')', 'NULLIF(s.entry_view, '''')',
     'Page title or screen name of the first view of the session (ties: lowest event_id).'),
    (13, 'exit_view', 'text', 'NULLIF(s.exit_view, '''')', 'NULLIF(s.exit_view, '''')',
     'Page title or screen name of the last view of the session (ties: highest event_id).')
$$;
COMMENT ON FUNCTION @extschema@.sessionize_view_columns() IS
    'Internal: the 13 columns of the clickstream session view (name, type, expression in each mode, comment).';

-- The SELECT list of the 13 columns in a mode ('computed' or 'sdk') for a
-- configuration (its time zone, and in SDK mode its engaged thresholds).
-- user_key: an expression written as is into user_pseudo_id, not cast to
-- text (a distributed session table's own distribution column: Citus runs
-- an INSERT ... SELECT on the workers only when the target's distribution
-- column is written from the source's, 38_citus.sql).
CREATE FUNCTION @extschema@.sessionize_columns_sql(cfg jsonb DEFAULT '{}', mode text DEFAULT 'computed',
    user_key text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    list text;
    -- SDK mode: the SDK's start and duration where mapped; events without a
    -- session id ('#') have neither, as in AWS, so that they count in no
    -- duration, date or hour
    start_expr text := 'CASE WHEN g.missing THEN NULL ELSE coalesce(g.sdk_start, s.session_start) END';
    -- (with the SDK's start and no SDK duration: from that start to the last
    -- event, so that start + duration is the last event, as in computed mode)
    duration_expr text := 'CASE WHEN g.missing THEN NULL ELSE coalesce(g.sdk_duration, '
        'CASE WHEN g.sdk_start IS NOT NULL THEN GREATEST(pg_catalog.floor(EXTRACT(epoch FROM s.session_end) * 1000) '
        '- pg_catalog.floor(EXTRACT(epoch FROM g.sdk_start) * 1000), 0)::bigint END, s.duration_ms) END';
    views text := coalesce((cfg->>'engaged_views')::integer, 2)::text;
BEGIN
    SELECT pg_catalog.string_agg(
               CASE WHEN c.col = 'user_pseudo_id' AND user_key IS NOT NULL
                    THEN pg_catalog.format('%s AS %I', user_key, c.col)
                    ELSE pg_catalog.format('(%s)::%s AS %I',
                             CASE mode WHEN 'sdk' THEN c.sdk ELSE c.computed END, c.typ, c.col) END,
               ', ' ORDER BY c.ord)
    INTO list FROM @extschema@.sessionize_view_columns() c;
    RETURN @extschema@.sessionize_fill(list, pg_catalog.jsonb_build_object(
        'ext', pg_catalog.quote_ident(@extschema@.sessionize_schema()),
        'zone', pg_catalog.quote_literal(coalesce(cfg->>'time_zone', 'UTC')),
        'start', start_expr,
        'duration', duration_expr,
        -- NULL > n is NULL: a session without a duration is engaged by views
        'engaged', pg_catalog.format('coalesce(%s > %s OR s.views >= %s, s.views >= %s)',
            duration_expr,
            pg_catalog.floor(EXTRACT(epoch FROM coalesce(cfg->>'engaged_duration', '10 seconds')::interval) * 1000)::bigint,
            views, views)));
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_columns_sql(jsonb, text, text) IS
    'Internal: the SELECT list of the 13 columns of the clickstream session view, from a group g and a session s.';

-- The column definitions of a session table: the 13 columns and their
-- types; user_type, the type of user_pseudo_id where it is not text (a
-- distributed session table's has the type of its source's user column,
-- to be co-located with it).
CREATE FUNCTION @extschema@.sessionize_columns_ddl(user_type text DEFAULT NULL) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', c.col,
               CASE WHEN c.col = 'user_pseudo_id' THEN coalesce(user_type, c.typ) ELSE c.typ END),
               ', ' ORDER BY c.ord)
    FROM @extschema@.sessionize_view_columns() c
$$;
COMMENT ON FUNCTION @extschema@.sessionize_columns_ddl(text) IS
    'Internal: the column definitions of a session table.';

-- Comments of the 13 columns of a session view or table.
CREATE FUNCTION @extschema@.sessionize_comment_columns(rel text, kind text, zone text DEFAULT 'UTC') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM @extschema@.sessionize_view_columns() ORDER BY ord LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', rel, c.col,
            pg_catalog.replace(c.comment, 'the project time zone', pg_catalog.format('the project time zone (%s)', zone)));
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_comment_columns(text, text, text) IS
    'Internal: comments the 13 columns of a generated session view or table.';

-- The longest timeout session_agg takes (its arithmetic saturates beyond):
-- SDK mode's sessions are the SDK's, whatever the gaps within them.
CREATE FUNCTION @extschema@.sessionize_longest_timeout() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT interval '100000000 days'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_longest_timeout() IS
    'Internal: the timeout of SDK mode''s aggregate, the longest session_agg takes.';

-- A project time zone name, checked.
CREATE FUNCTION @extschema@.sessionize_check_zone(zone text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF zone IS NULL THEN
        RAISE EXCEPTION 'time_zone must not be null' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass a name from pg_timezone_names, for example ''UTC'' or ''Europe/Paris''.';
    END IF;
    -- names only: a POSIX offset such as 'UTC+3' is read with its sign
    -- inverted (three hours west of UTC), which no one means
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names n WHERE n.name = zone) THEN
        RAISE EXCEPTION 'time zone "%" not recognized', pg_catalog.left(zone, 64)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass a name from pg_timezone_names, for example ''UTC'' or ''Europe/Paris''.';
    END IF;
    RETURN zone;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_check_zone(text) IS
    'Internal: checks a project time zone name.';

-- The configuration of a generated view or table, checked.
CREATE FUNCTION @extschema@.sessionize_config(source regclass, timeout interval, mode text,
    user_column text, platform_column text, timestamp_column text, event_id_column text,
    event_name_column text, page_title_column text, screen_name_column text,
    engagement_column text, session_id_column text, session_duration_column text,
    view_events text[], engagement_events text[], excluded_events text[],
    engaged_duration interval, engaged_views integer,
    session_start_column text DEFAULT NULL, time_zone text DEFAULT 'UTC')
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
        'session_start_column', CASE WHEN mode = 'sdk' THEN session_start_column END,
        'time_zone', @extschema@.sessionize_check_zone(time_zone),
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
COMMENT ON FUNCTION @extschema@.sessionize_config(regclass, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, text, text) IS
    'Internal: checks and records the arguments of create_session_view and create_session_table.';

-- The body (SELECT) of the session view for a configuration.
CREATE FUNCTION @extschema@.sessionize_view_sql(src regclass, cfg jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pieces jsonb := pg_catalog.jsonb_build_object(
        'ext', pg_catalog.quote_ident(@extschema@.sessionize_schema()),
        'columns', @extschema@.sessionize_columns_sql(cfg, cfg->>'mode'),
        'input', @extschema@.sessionize_input_sql(src, cfg),
        'source', src::text);
BEGIN
    -- the groups are formed on the user column as it is (user_key), so that
    -- Citus sees its distribution column and runs them on the workers
    IF cfg->>'mode' = 'computed' THEN
        RETURN @extschema@.sessionize_fill($s$
            SELECT {columns}
            FROM (SELECT i.user_key::text AS user_pseudo_id, i.platform,
                         {agg} FILTER (WHERE i.counted) AS state
                  FROM (SELECT {input} FROM {source} e) i
                  GROUP BY i.user_key, i.platform) g
            CROSS JOIN LATERAL {ext}.sessions(g.state) s$s$,
            pieces || pg_catalog.jsonb_build_object(
                'agg', @extschema@.sessionize_agg_sql(cfg, (cfg->>'timeout')::interval)));
    END IF;
    -- SDK mode: one session per SDK session id ('#' for missing ones); the
    -- aggregate runs with the longest timeout it takes, for the metrics
    -- (events of one id more than that apart, 270,000 years, would be two
    -- rows)
    RETURN @extschema@.sessionize_fill($s$
        SELECT {columns}
        FROM (SELECT i.user_key::text AS user_pseudo_id, i.platform,
                     coalesce(NULLIF(i.sdk_session_id, ''), '#')::text AS sid,
                     NULLIF(i.sdk_session_id, '') IS NULL AS missing,
                     {agg} FILTER (WHERE i.counted) AS state,
                     pg_catalog.max(i.sdk_duration) FILTER (WHERE i.counted AND i.ts IS NOT NULL) AS sdk_duration,
                     pg_catalog.min(i.sdk_start) FILTER (WHERE i.counted AND i.ts IS NOT NULL) AS sdk_start
              FROM (SELECT {input} FROM {source} e) i
              GROUP BY i.user_key, i.platform, 3, 4) g
        CROSS JOIN LATERAL {ext}.sessions(g.state) s$s$,
        pieces || pg_catalog.jsonb_build_object(
            'agg', @extschema@.sessionize_agg_sql(cfg, @extschema@.sessionize_longest_timeout())));
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
    struggling_sessions integer, struggling_seconds numeric, dashboards boolean,
    session_start_column text, time_zone text)
RETURNS regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg jsonb;
    q record;
    v text;
BEGIN
    -- AWS's column by default, where the table has it
    IF session_start_column = 'session_start_time_msec' AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = source AND a.attname = session_start_column AND a.attnum > 0 AND NOT a.attisdropped) THEN
        session_start_column := NULL;
    END IF;
    cfg := @extschema@.sessionize_config(source, timeout, mode, user_column, platform_column,
        timestamp_column, event_id_column, event_name_column, page_title_column,
        screen_name_column, engagement_column, session_id_column, session_duration_column,
        view_events, engagement_events, excluded_events, engaged_duration, engaged_views,
        session_start_column, time_zone);
    SELECT * INTO q FROM @extschema@.sessionize_qualify(view_name, default_nsp);
    v := pg_catalog.format('%I.%I', q.nsp, q.rel);
    EXECUTE pg_catalog.format('CREATE VIEW %s WITH (security_invoker = true) AS %s',
                              v, @extschema@.sessionize_view_sql(source, cfg));
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v, pg_catalog.format(
        'Clickstream sessions of %s (mirror of AWS Clickstream clickstream_session_view), %s mode, timeout %s, time zone %s; one row per session of each (user_pseudo_id, platform). Made by sessionize %s.',
        source, cfg->>'mode', timeout, cfg->>'time_zone', @extschema@.sessionize_version()));
    PERFORM @extschema@.sessionize_comment_columns(v, cfg->>'mode', cfg->>'time_zone');
    IF dashboards THEN
        PERFORM @extschema@.sessionize_create_dashboards(v, q.nsp, q.rel, timeout,
            struggling_sessions, struggling_seconds, source, cfg);
    END IF;
    RETURN v::regclass;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_create_session_view(name, regclass, text, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean, text, text) IS
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
    dashboards boolean DEFAULT true,
    session_start_column text DEFAULT 'session_start_time_msec',
    time_zone text DEFAULT 'UTC')
RETURNS regclass LANGUAGE sql AS $$
    SELECT @extschema@.sessionize_create_session_view(pg_catalog.current_schema(),
        source, view_name, timeout, mode, user_column, platform_column, timestamp_column,
        event_id_column, event_name_column, page_title_column, screen_name_column,
        engagement_column, session_id_column, session_duration_column, view_events,
        engagement_events, excluded_events, engaged_duration, engaged_views,
        struggling_sessions, struggling_seconds, dashboards, session_start_column, time_zone)
$$;
COMMENT ON FUNCTION @extschema@.create_session_view(regclass, text, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean, text, text) IS
    'Creates the clickstream session view (the 13 columns of AWS Clickstream clickstream_session_view) over an event table, and its dashboard views <view>_daily, _length_distribution, _users, _engagement, _entry_exit, _pages, _concluded.';

