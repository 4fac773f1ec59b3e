-- sessionize 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION sessionize UPDATE TO '0.2.0'" to load this file. \quit

-- Every SQL and PL/pgSQL function now pins search_path; the generators are
-- thin SQL entry points over pinned implementations; session tables get
-- guarded capture functions.  Internal functions whose arguments changed go
-- first; every function of the generators is then (re)defined as in 0.2.0.
DROP FUNCTION @extschema@.sessionize_input_sql(jsonb);
DROP FUNCTION @extschema@.sessionize_qualify(text);
DROP FUNCTION @extschema@.sessionize_view_sql(jsonb);
DROP FUNCTION @extschema@.sessionize_columns_sql();
DROP FUNCTION @extschema@.sessionize_comment_columns(text, text);
DROP FUNCTION @extschema@.sessionize_create_dashboards(text, name, name, interval, integer, numeric);
DROP FUNCTION @extschema@.sessionize_config(regclass, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer);
-- the generators gained arguments (time_zone; session_start_column)
DROP FUNCTION @extschema@.create_session_view(regclass, text, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean);
DROP FUNCTION @extschema@.create_session_table(regclass, text, interval, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean);

-- The id session_id() gives the session of key that starts at start; the
-- generated session views and tables use it, so that their ids are the
-- window function's (dates BC included).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_session_id(key text, start timestamptz) RETURNS text
AS 'MODULE_PATHNAME', 'sessionize_session_id_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sessionize_session_id(text, timestamptz) IS
    'Internal: key || ''-YYYYMMDD-HH24MISSMS'' of a session start in UTC, as session_id() makes it.';

-- One state per session of a state: what a session table stores for each
-- session after merging new events into a partition's sessions (value per
-- call; src/session_split.c).
CREATE OR REPLACE FUNCTION @extschema@.session_split(state @extschema@.sessionstate,
    OUT session_start timestamptz, OUT session_end timestamptz, OUT events bigint,
    OUT state @extschema@.sessionstate)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'sessionize_session_split'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;

-- The AWS Clickstream session view, dashboards, incremental session tables
--
-- Generated SQL quotes every identifier with format('%I') and every value
-- with format('%L'); generated views are security_invoker.
------------------------------------------------------------------------------

-- The extension's own schema, for generated SQL.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_schema() RETURNS name
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_version() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'sessionize'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_version() IS
    'Internal: the installed version of sessionize, recorded in generated objects.';

-- Split a possibly schema-qualified name; unqualified names go to
-- default_nsp, the first schema of the caller's search_path (the public
-- generators pass pg_catalog.current_schema() from outside their pinned
-- search_path), as CREATE VIEW would do.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_qualify(rel_name text, default_nsp name,
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_name(rel name, suffix text, longest text DEFAULT NULL)
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_ts_sql(src regclass, col text) RETURNS text
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_text_sql(src regclass, col text) RETURNS text
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_input_sql(src regclass, cfg jsonb) RETURNS text
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_agg_sql(cfg jsonb, timeout interval) RETURNS text
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_view_columns(
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_columns_sql(cfg jsonb DEFAULT '{}', mode text DEFAULT 'computed',
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_columns_ddl(user_type text DEFAULT NULL) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', c.col,
               CASE WHEN c.col = 'user_pseudo_id' THEN coalesce(user_type, c.typ) ELSE c.typ END),
               ', ' ORDER BY c.ord)
    FROM @extschema@.sessionize_view_columns() c
$$;
COMMENT ON FUNCTION @extschema@.sessionize_columns_ddl(text) IS
    'Internal: the column definitions of a session table.';

-- Comments of the 13 columns of a session view or table.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_comment_columns(rel text, kind text, zone text DEFAULT 'UTC') RETURNS void
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_longest_timeout() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT interval '100000000 days'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_longest_timeout() IS
    'Internal: the timeout of SDK mode''s aggregate, the longest session_agg takes.';

-- A project time zone name, checked.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_check_zone(zone text) RETURNS text
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_config(source regclass, timeout interval, mode text,
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_view_sql(src regclass, cfg jsonb) RETURNS text
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_create_session_view(
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

CREATE OR REPLACE FUNCTION @extschema@.create_session_view(
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_make_view(v text, view_comment text, cols jsonb,
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_users_sql() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '(pg_catalog.count(DISTINCT user_pseudo_id) + coalesce(pg_catalog.max((user_pseudo_id IS NULL)::integer), 0))::bigint'::text
$$;
COMMENT ON FUNCTION @extschema@.sessionize_users_sql() IS
    'Internal: the distinct users of a set of session rows, those without a user counted as one.';

-- The dimensions of every dashboard.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_dimension_columns() RETURNS jsonb
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_kpi_columns() RETURNS jsonb
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_create_dashboards(base text, nsp name, prefix name,
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
CREATE OR REPLACE FUNCTION @extschema@.session_kpis(relation regclass, from_date date, to_date date,
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

------------------------------------------------------------------------------
-- Session tables: the 13 columns of the session view kept exactly up to date
-- by refresh_session_table() (docs/session-tables.md).
--
-- Bookkeeping, beside the session table <t> in its schema:
--   <t>_state   a mergeable session state per (user_pseudo_id, platform)
--   <t>_delta   events captured from the source since the last refresh
--   <t>_dirty   partitions with updated or deleted events; an "everything"
--               mark after a TRUNCATE
--   <t>_config  the source, the column mapping, the rules, the mapped
--               columns' types and the sessionize version that made it
-- and, on the source, four statement triggers <t>_sessionize_<op> running
-- the capture functions <t>_capture_<op>.
--
-- Security (docs/security.md): the capture functions are SECURITY DEFINER,
-- so that any role allowed to write the source can have its changes
-- captured without rights on the bookkeeping tables.  They are not
-- executable by PUBLIC; each checks that it runs as its own trigger on the
-- configured source, and evaluates only casts of mapped columns whose types
-- (checked when the table is made, and at every capture) are built in or
-- owned by a superuser or by the role that made the table.  Every function
-- here pins search_path, so the SQL they generate and run resolves
-- operators and functions in pg_catalog.
------------------------------------------------------------------------------

-- A template with named pieces: each {name} is replaced by pieces->>name, in
-- one pass (the replacements are not scanned again).  Generated statements
-- read better with names than with a dozen positional placeholders.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_fill(template text, pieces jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result text;
    missing text;
BEGIN
    -- the template cut into its {name} pieces (m[1]) and the text between
    -- them (m[2]), in order, in one scan
    SELECT pg_catalog.string_agg(coalesce(pieces->>t.m[1], t.m[2]), '' ORDER BY t.ord),
           pg_catalog.min(t.m[1]) FILTER (WHERE t.m[1] IS NOT NULL AND pieces->>t.m[1] IS NULL)
    INTO result, missing
    FROM pg_catalog.regexp_matches(template, '\{([a-z_]+)\}|((?:[^{]|\{(?![a-z_]+\}))+)', 'g')
         WITH ORDINALITY AS t(m, ord);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'internal error: no piece "%" for a generated statement', missing;
    END IF;
    RETURN coalesce(result, '');
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_fill(text, jsonb) IS
    'Internal: fills the {name} pieces of a generated statement.';

-- The longest suffix a session table's own name gets (its dashboard view
-- _length_distribution and its trigger _sessionize_truncate).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_longest_suffix() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '_sessionize_truncate'::text
$$;
COMMENT ON FUNCTION @extschema@.sessionize_longest_suffix() IS
    'Internal: the longest suffix of an object name made from a session table''s.';

-- The names of the companion objects of a session table nsp.rel, each
-- checked to fit 63 bytes (sessionize_name).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_table_names(nsp name, rel name,
    OUT state_table text, OUT delta_table text, OUT dirty_table text, OUT config_table text)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format('%I.%I', nsp, @extschema@.sessionize_name(rel, '_state', @extschema@.sessionize_longest_suffix())),
           pg_catalog.format('%I.%I', nsp, @extschema@.sessionize_name(rel, '_delta', @extschema@.sessionize_longest_suffix())),
           pg_catalog.format('%I.%I', nsp, @extschema@.sessionize_name(rel, '_dirty', @extschema@.sessionize_longest_suffix())),
           pg_catalog.format('%I.%I', nsp, @extschema@.sessionize_name(rel, '_config', @extschema@.sessionize_longest_suffix()))
$$;
COMMENT ON FUNCTION @extschema@.sessionize_table_names(name, name) IS
    'Internal: the bookkeeping tables of session table nsp.rel.';

-- The capture trigger and function of one operation (insert, update,
-- delete, truncate) of session table rel.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_capture_names(nsp name, rel name, op text,
    OUT trigger_name name, OUT function_name text)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT @extschema@.sessionize_name(rel, '_sessionize_' || op, @extschema@.sessionize_longest_suffix()),
           pg_catalog.format('%I.%I', nsp, @extschema@.sessionize_name(rel, '_capture_' || op, @extschema@.sessionize_longest_suffix()))
$$;
COMMENT ON FUNCTION @extschema@.sessionize_capture_names(name, name, text) IS
    'Internal: the capture trigger and function of one operation of a session table.';

-- Schema, name and bookkeeping tables of an existing relation (whether or
-- not it is a session table).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_parts(session_table regclass,
    OUT nsp name, OUT rel name, OUT state_table text, OUT delta_table text,
    OUT dirty_table text, OUT config_table text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT n.nspname, c.relname, x.state_table, x.delta_table, x.dirty_table, x.config_table
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL @extschema@.sessionize_table_names(n.nspname, c.relname) x
    WHERE c.oid = session_table
$$;
COMMENT ON FUNCTION @extschema@.sessionize_parts(regclass) IS
    'Internal: the bookkeeping tables of a session table.';

-- The same for a relation that must be a session table (its configuration
-- table exists), else an error: every function that takes a session table
-- starts here.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_session_parts(session_table regclass,
    OUT nsp name, OUT rel name, OUT state_table text, OUT delta_table text,
    OUT dirty_table text, OUT config_table text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    SELECT p.* INTO nsp, rel, state_table, delta_table, dirty_table, config_table
    FROM @extschema@.sessionize_parts(session_table) p;
    IF nsp IS NULL OR pg_catalog.to_regclass(config_table) IS NULL THEN
        RAISE EXCEPTION '% is not a session table', session_table
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create one with create_session_table().';
    END IF;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_session_parts(regclass) IS
    'Internal: the bookkeeping tables of a session table, or an error when the relation is not one.';

-- The type (and collation) of each mapped column of src, {"user_column":
-- "text COLLATE \"default\"", ...}: what the capture functions were
-- generated for.  A dropped, retyped or recollated column changes it.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_column_types(src regclass, cfg jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(pg_catalog.jsonb_object_agg(k.key, pg_catalog.format_type(a.atttypid, NULL)
               || CASE WHEN a.attcollation <> 0 THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END), '{}')
    FROM pg_catalog.jsonb_each_text(cfg) k
    JOIN pg_catalog.pg_attribute a
      ON a.attrelid = src AND a.attname = k.value AND a.attnum > 0 AND NOT a.attisdropped
    WHERE k.key LIKE '%\_column'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_column_types(regclass, jsonb) IS
    'Internal: the types of the mapped columns of a session table''s source.';

-- Refuse mapped columns whose casts could run code of another role.  The
-- capture functions run as the role that made the session table and cast
-- every mapped column (to text, bigint or timestamptz).  A cast between
-- built-in types is built in; a type's other casts can be made only by its
-- owner, so each column's type (a domain's base type, an array's element
-- type) must be a base or enum type owned by a superuser or by this role.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_check_column_types(src regclass, cfg jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    WITH RECURSIVE cols AS (
        SELECT k.value AS col, a.atttypid AS typ
        FROM pg_catalog.jsonb_each_text(cfg) k
        JOIN pg_catalog.pg_attribute a
          ON a.attrelid = src AND a.attname = k.value AND a.attnum > 0 AND NOT a.attisdropped
        WHERE k.key LIKE '%\_column'
        UNION
        SELECT c.col, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END
        FROM cols c JOIN pg_catalog.pg_type t ON t.oid = c.typ
        WHERE t.typtype = 'd' OR (t.typcategory = 'A' AND t.typelem <> 0))
    SELECT c.col, pg_catalog.format_type(t.oid, NULL) AS typ, r.rolname AS owner INTO bad
    FROM cols c
    JOIN pg_catalog.pg_type t ON t.oid = c.typ
    JOIN pg_catalog.pg_roles r ON r.oid = t.typowner
    WHERE NOT (t.typcategory = 'A' AND t.typelem <> 0)
      AND (t.typtype NOT IN ('b', 'e', 'd')
           OR NOT (r.rolsuper OR r.rolname = CURRENT_USER))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'column "%" of % has type %, which a session table cannot capture', bad.col, src, bad.typ
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('Capture runs with the rights of the role making the session table and casts the column; type %s (owned by %s) could run that role''s code with them.', bad.typ, bad.owner),
                  HINT = 'Map columns of built-in types, or of types owned by a superuser or by you.';
    END IF;
    -- keys compare by equality in the incremental path and by grouping in a
    -- rebuild: both must tell 'u1' and 'U1' apart the same way
    SELECT k.value AS col, l.collname AS typ INTO bad
    FROM pg_catalog.jsonb_each_text(cfg) k
    JOIN pg_catalog.pg_attribute a
      ON a.attrelid = src AND a.attname = k.value AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_catalog.pg_collation l ON l.oid = a.attcollation
    WHERE k.key LIKE '%\_column' AND NOT l.collisdeterministic
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'column "%" of % has the nondeterministic collation %, which a session table cannot capture', bad.col, src, bad.typ
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Map a column with a deterministic collation (for example a generated column with COLLATE "C").';
    END IF;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_check_column_types(regclass, jsonb) IS
    'Internal: refuses mapped columns whose casts could run another role''s code in capture.';

-- Called first by every capture function: raises unless it runs as the
-- statement trigger trigger_name, AFTER op, on the configured source (a
-- trigger created on another table, or under another name, is refused).
-- Returns false when a mapped column of the source changed type since the
-- capture functions were generated: the caller then only marks the table
-- for a rebuild, without evaluating the rows, and the next refresh says
-- what changed.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_capture_guard(src regclass, cfg jsonb,
    relid oid, tg_name name, tg_when text, tg_level text, tg_op text,
    op text, trigger_name name) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF src IS NULL OR relid IS DISTINCT FROM src::oid OR tg_name IS DISTINCT FROM trigger_name
       OR tg_when IS DISTINCT FROM 'AFTER' OR tg_level IS DISTINCT FROM 'STATEMENT'
       OR tg_op IS DISTINCT FROM op THEN
        RAISE EXCEPTION 'a sessionize capture function runs only as trigger "%" of its source', trigger_name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('It was called by trigger "%s" (%s %s %s) on relation %s.',
                                             tg_name, tg_when, tg_level, tg_op, relid::regclass);
    END IF;
    RETURN cfg->'types' IS NOT NULL
           AND @extschema@.sessionize_column_types(src, cfg) = cfg->'types';
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_capture_guard(regclass, jsonb, oid, name, text, text, text, text, name) IS
    'Internal: checks that a capture function runs as its own trigger, and that the mapped columns kept their types.';

-- A source a session table can capture, checked when it is made and at
-- every refresh: a plain or partitioned table (an owner may turn an empty
-- table into a view, whose rules would run as whoever refreshes), without
-- inheritance children (rows inserted into a child fire no trigger of the
-- parent).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_check_source(src regclass) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = src) IS DISTINCT FROM 'r'
       AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = src) IS DISTINCT FROM 'p' THEN
        RAISE EXCEPTION '% is not a table', src
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'A session table captures changes with triggers on a table; over a view, use create_session_view().';
    END IF;
    IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = src) = 'r'
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhparent = src) THEN
        RAISE EXCEPTION 'table % has inheritance children', src
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Rows inserted into a child table fire no trigger of its parent, so a session table would miss them.',
                  HINT = 'Use a partitioned table, or create_session_view().';
    END IF;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_check_source(regclass) IS
    'Internal: checks that a session table''s source is a table it can capture.';

-- Takes away every right on a generated object but its owner's: whatever
-- default privileges gave (ALTER DEFAULT PRIVILEGES), and PUBLIC's.  For
-- the bookkeeping tables (raw captured events) and capture functions.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_revoke_grants(kind text, obj text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    grantee oid;
BEGIN
    FOR grantee IN
        SELECT DISTINCT a.grantee
        FROM (SELECT CASE kind WHEN 'FUNCTION' THEN p.proacl END AS acl, p.proowner AS owner
              FROM pg_catalog.pg_proc p WHERE kind = 'FUNCTION' AND p.oid = pg_catalog.to_regprocedure(obj || '()')
              UNION ALL
              SELECT c.relacl, c.relowner FROM pg_catalog.pg_class c
              WHERE kind = 'TABLE' AND c.oid = pg_catalog.to_regclass(obj)) o
        CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) a
        WHERE a.grantee <> o.owner AND a.grantee <> 0
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s %s%s FROM %s', kind, obj,
            CASE kind WHEN 'FUNCTION' THEN '()' ELSE '' END, grantee::regrole);
    END LOOP;
    EXECUTE pg_catalog.format('REVOKE ALL ON %s %s%s FROM PUBLIC', kind, obj,
        CASE kind WHEN 'FUNCTION' THEN '()' ELSE '' END);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_revoke_grants(text, text) IS
    'Internal: revokes every right on a generated table or function from every role but its owner.';

-- The unique key of a session table: a session of a (user, platform) starts
-- at a distinct time, so (session_id, platform) is a key; rows of events
-- without a user have no session_id and are left out of it.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_make_unique_key(session_table regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format(
        'CREATE UNIQUE INDEX ON %s (session_id, platform) NULLS NOT DISTINCT WHERE session_id IS NOT NULL',
        session_table);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_make_unique_key(regclass) IS
    'Internal: the unique index on (session_id, platform) of a session table.';

-- The index on the captured events without a user of a session table:
-- such events make a refresh rebuild, and each refresh looks for one
-- through this index (empty but for them) rather than by reading every
-- captured event.  Made if missing (tables made before it had none).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_make_delta_index(delta_table regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = delta_table AND i.indpred IS NOT NULL) THEN
        EXECUTE pg_catalog.format('CREATE INDEX ON %s (user_pseudo_id) WHERE user_pseudo_id IS NULL', delta_table);
    END IF;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_make_delta_index(regclass) IS
    'Internal: the index on the captured events without a user of a session table.';

-- Creates the capture functions and triggers of a session table from its
-- configuration, recording the mapped columns' types and the version.
-- create_session_table() calls it with replace false: a function of that
-- name already there (another role could have made it, and would own it)
-- is an error.  upgrade_session_table() replaces the functions, but only
-- those the caller owns.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_install_capture(session_table regclass, replace boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ext name := @extschema@.sessionize_schema();
    p record;
    c record;
    src regclass;
    cfg jsonb;
    op text;
    body text;
    pieces jsonb;
BEGIN
    SELECT * INTO p FROM @extschema@.sessionize_parts(session_table);
    EXECUTE pg_catalog.format('SELECT source, config FROM %s', p.config_table) INTO src, cfg;
    PERFORM @extschema@.sessionize_check_column_types(src, cfg);
    cfg := (cfg - 'source') || pg_catalog.jsonb_build_object(
        'types', @extschema@.sessionize_column_types(src, cfg),
        'version', @extschema@.sessionize_version());
    EXECUTE pg_catalog.format('UPDATE %s SET config = $1', p.config_table) USING cfg;

    -- capture by an ingest column (docs/session-tables.md, "Capture without
    -- triggers"): the refresh reads what arrived, no trigger is made
    IF cfg ? 'ingest_column' THEN
        RETURN;
    END IF;
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
        SELECT * INTO c FROM @extschema@.sessionize_capture_names(p.nsp, p.rel, op);
        pieces := pg_catalog.jsonb_build_object(
            'config', p.config_table, 'delta', p.delta_table, 'dirty', p.dirty_table,
            'ext', pg_catalog.quote_ident(ext), 'op', pg_catalog.quote_literal(pg_catalog.upper(op)),
            'trigger', pg_catalog.quote_literal(c.trigger_name),
            'input', @extschema@.sessionize_input_sql(src, cfg));
        body := @extschema@.sessionize_fill($b$
DECLARE
    src regclass;
    cfg jsonb;
BEGIN
    SELECT c.source, c.config INTO src, cfg FROM {config} c;
    IF NOT {ext}.sessionize_capture_guard(src, cfg, TG_RELID, TG_NAME, TG_WHEN, TG_LEVEL, TG_OP, {op}, {trigger}) THEN
        INSERT INTO {dirty} (everything) VALUES (true);
        RETURN NULL;
    END IF;
$b$, pieces) || @extschema@.sessionize_fill(CASE op
            WHEN 'insert' THEN $b$
    INSERT INTO {delta} (user_pseudo_id, platform, ts, event_id, view_name, engagement_ms)
    SELECT i.user_pseudo_id, i.platform, i.ts, i.event_id, i.view_name, i.engagement_ms
    FROM (SELECT {input} FROM new_rows e) i
    WHERE i.counted AND i.ts IS NOT NULL;
    RETURN NULL;
END$b$
            WHEN 'update' THEN $b$
    INSERT INTO {dirty} (user_pseudo_id, platform)
    SELECT i.user_pseudo_id, i.platform FROM (SELECT {input} FROM old_rows e) i
    UNION SELECT i.user_pseudo_id, i.platform FROM (SELECT {input} FROM new_rows e) i;
    RETURN NULL;
END$b$
            WHEN 'delete' THEN $b$
    INSERT INTO {dirty} (user_pseudo_id, platform)
    SELECT DISTINCT i.user_pseudo_id, i.platform FROM (SELECT {input} FROM old_rows e) i;
    RETURN NULL;
END$b$
            ELSE $b$
    INSERT INTO {dirty} (everything) VALUES (true);
    RETURN NULL;
END$b$ END, pieces);
        IF replace AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc f
                               WHERE f.oid = pg_catalog.to_regprocedure(c.function_name || '()')
                                 AND f.proowner <> (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)) THEN
            RAISE EXCEPTION 'function %() is not owned by %', c.function_name, CURRENT_USER
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Run it as the owner of the session table and its capture functions.';
        END IF;
        EXECUTE pg_catalog.format(
            'CREATE %s FUNCTION %s() RETURNS trigger LANGUAGE plpgsql '
            'SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS %L',
            CASE WHEN replace THEN 'OR REPLACE' ELSE '' END, c.function_name, body);
        -- only the trigger runs it: firing a trigger checks no EXECUTE right
        PERFORM @extschema@.sessionize_revoke_grants('FUNCTION', c.function_name);
        EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', c.function_name,
            pg_catalog.format('sessionize %s: captures %ss on %s for %s.',
                              cfg->>'version', op, src, session_table));
        EXECUTE pg_catalog.format(
            'CREATE %s TRIGGER %I AFTER %s ON %s %s FOR EACH STATEMENT EXECUTE FUNCTION %s()',
            CASE WHEN replace THEN 'OR REPLACE' ELSE '' END, c.trigger_name, pg_catalog.upper(op), src,
            CASE op WHEN 'insert' THEN 'REFERENCING NEW TABLE AS new_rows'
                    WHEN 'update' THEN 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                    WHEN 'delete' THEN 'REFERENCING OLD TABLE AS old_rows'
                    ELSE '' END, c.function_name);
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_install_capture(regclass, boolean) IS
    'Internal: creates (or, for an upgrade, replaces) the capture functions and triggers of a session table.';

-- The state table of a session table: one row per session, with the
-- session's mergeable state, found by the key of its partition (a hash of
-- user_pseudo_id and platform, sessionize_key_sql) and its start.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_comment_state(state_table text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', state_table,
        'sessionize bookkeeping: the mergeable state of each session, by (user_pseudo_id, platform) and start.');
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_comment_state(text) IS
    'Internal: comments the state table of a session table.';

-- Whether the state table has this release's layout (one row per session;
-- releases before 0.2.0 kept one row per user and platform).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_state_is_current(state_table regclass) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = state_table AND a.attname = 'partition_key' AND NOT a.attisdropped)
$$;
COMMENT ON FUNCTION @extschema@.sessionize_state_is_current(regclass) IS
    'Internal: whether the state table of a session table has one row per session.';

-- Moves the state table of a session table made before 0.2.0 (one state
-- per user and platform) to one state per session, and marks the table for
-- a rebuild, which fills it (a state of several sessions cannot be split).
-- The session table's rows stay until that rebuild.  The caller holds the
-- refresh lock; altering the table needs its owner.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_migrate_state(session_table regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record;
    pk name;
BEGIN
    SELECT * INTO p FROM @extschema@.sessionize_parts(session_table);
    RAISE NOTICE 'session table % moves to one state per session: it is rebuilt', session_table;
    EXECUTE pg_catalog.format('TRUNCATE %s', p.state_table);
    SELECT c.conname INTO pk FROM pg_catalog.pg_constraint c
    WHERE c.conrelid = p.state_table::regclass AND c.contype = 'p';
    IF pk IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', p.state_table, pk);
    END IF;
    EXECUTE pg_catalog.format(
        'ALTER TABLE %s DROP COLUMN IF EXISTS pkey, DROP COLUMN IF EXISTS last_event, '
        'ADD COLUMN partition_key bigint NOT NULL, '
        'ADD COLUMN session_start timestamptz NOT NULL, ADD COLUMN session_end timestamptz NOT NULL, '
        'SET (fillfactor = 80)', p.state_table);
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (partition_key, session_start)', p.state_table);
    PERFORM @extschema@.sessionize_comment_state(p.state_table);
    EXECUTE pg_catalog.format('INSERT INTO %s (everything) VALUES (true)', p.dirty_table);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_migrate_state(regclass) IS
    'Internal: moves the state table of a session table made before 0.2.0 to one state per session; the next refresh rebuilds.';

-- Makes a session table made by an older release as this release makes it:
-- its capture functions and triggers, its unique key, the index of its
-- captured events, and its state table
-- (one state per session since 0.2.0; the next refresh then rebuilds the
-- table, which a refresh also does by itself).  The data is kept; the
-- configuration records this version.
CREATE OR REPLACE FUNCTION @extschema@.upgrade_session_table(session_table regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record;
    t text;
    cfg jsonb;
BEGIN
    SELECT * INTO p FROM @extschema@.sessionize_session_parts(session_table);
    -- (the lock of a refresh: none runs meanwhile)
    EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', p.state_table);
    EXECUTE pg_catalog.format('SELECT config FROM %s', p.config_table) INTO cfg;
    -- (a distributed table was made by this release, without capture
    -- functions: only the grants)
    IF NOT @extschema@.sessionize_is_distributed(cfg) THEN
        IF NOT @extschema@.sessionize_state_is_current(p.state_table::regclass) THEN
            PERFORM @extschema@.sessionize_migrate_state(session_table);
        END IF;
        PERFORM @extschema@.sessionize_install_capture(session_table, true);
        IF NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_index i
            WHERE i.indrelid = session_table AND i.indisunique
              AND (SELECT pg_catalog.array_agg(a.attname::text ORDER BY k.ord)
                   FROM pg_catalog.unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = session_table AND a.attnum = k.attnum)
                  = ARRAY['session_id', 'platform']) THEN
            PERFORM @extschema@.sessionize_make_unique_key(session_table);
        END IF;
        PERFORM @extschema@.sessionize_make_delta_index(p.delta_table::regclass);
    END IF;
    FOREACH t IN ARRAY ARRAY[p.state_table, p.delta_table, p.dirty_table, p.config_table] LOOP
        PERFORM @extschema@.sessionize_revoke_grants('TABLE', t);
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.upgrade_session_table(regclass) IS
    'Makes a session table made by an older release of sessionize as this release makes it (capture functions and triggers, unique key, index of the captured events, one state per session), keeping its data.';

CREATE OR REPLACE FUNCTION @extschema@.sessionize_create_session_table(default_nsp name,
    source regclass, table_name text, timeout interval,
    user_column text, platform_column text, timestamp_column text, event_id_column text,
    event_name_column text, page_title_column text, screen_name_column text,
    engagement_column text, view_events text[], engagement_events text[],
    excluded_events text[], engaged_duration interval, engaged_views integer,
    struggling_sessions integer, struggling_seconds numeric, dashboards boolean, time_zone text,
    ingest_column text, ingest_settle interval)
RETURNS regclass LANGUAGE plpgsql
-- (the configuration records intervals and times as text: in the same style
-- whoever creates; the first build is a refresh)
SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres'
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ext name := @extschema@.sessionize_schema();
    cfg jsonb;
    q record;
    t text;
    p record;
BEGIN
    PERFORM @extschema@.sessionize_check_source(source);
    cfg := @extschema@.sessionize_config(source, timeout, 'computed', user_column, platform_column,
        timestamp_column, event_id_column, event_name_column, page_title_column,
        screen_name_column, engagement_column, NULL, NULL,
        view_events, engagement_events, excluded_events, engaged_duration, engaged_views,
        NULL, time_zone);
    IF ingest_column IS NOT NULL THEN
        cfg := cfg || @extschema@.sessionize_ingest_config(source, ingest_column, ingest_settle);
    END IF;
    -- over a table distributed by Citus: a distributed session table
    -- (38_citus.sql)
    cfg := cfg || @extschema@.sessionize_distributed_config(source, cfg);
    PERFORM @extschema@.sessionize_check_column_types(source, cfg);
    SELECT * INTO q FROM @extschema@.sessionize_qualify(table_name, default_nsp);
    -- the triggers on the source outlive a session: both must be permanent
    IF q.nsp = 'pg_temp' OR q.nsp LIKE 'pg\_temp\_%' OR q.nsp LIKE 'pg\_toast\_temp\_%'
       OR (SELECT relpersistence FROM pg_catalog.pg_class WHERE oid = source) = 't' THEN
        RAISE EXCEPTION 'session tables and their sources cannot be temporary'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Over a temporary table, use create_session_view().';
    END IF;
    t := pg_catalog.format('%I.%I', q.nsp, q.rel);
    SELECT * INTO p FROM @extschema@.sessionize_table_names(q.nsp, q.rel);	-- checks the names' length

    -- the session table, with the 13 columns of the session view, and the
    -- state table and captured events.  A session of a (user, platform)
    -- starts at a distinct time, so (session_id, platform) is a key;
    -- refreshes update a row whose session keeps its start, and delete the
    -- rows they replace before inserting new ones, so a unique index holds
    -- at every row.
    IF @extschema@.sessionize_is_distributed(cfg) THEN
        -- (with its state table, and its stage table instead of the
        -- captured events)
        PERFORM @extschema@.sessionize_create_distributed(t, p.state_table, p.delta_table, source, cfg);
    ELSE
        EXECUTE pg_catalog.format('CREATE TABLE %s (%s)', t, @extschema@.sessionize_columns_ddl());
        -- room in each page for the rows refreshes rewrite (a session that
        -- new events extend keeps its key: its row is updated in its page)
        EXECUTE pg_catalog.format('ALTER TABLE %s SET (fillfactor = 90)', t);
        -- its indexes: the unique key, which refreshes find rows by, and
        -- the date, which the dashboards filter on.  No other: every index
        -- is written for each new session (docs/session-tables.md)
        EXECUTE pg_catalog.format('CREATE INDEX ON %s (session_date)', t);
        PERFORM @extschema@.sessionize_make_unique_key(t::regclass);
        -- bookkeeping: a mergeable state per session, and the captured
        -- events not yet merged
        EXECUTE pg_catalog.format($s$
            CREATE TABLE %s (user_pseudo_id text, platform text, state %I.sessionstate NOT NULL,
                             partition_key bigint NOT NULL,
                             session_start timestamptz NOT NULL, session_end timestamptz NOT NULL)
                             WITH (fillfactor = 80)$s$,
            p.state_table, ext);
        EXECUTE pg_catalog.format('CREATE INDEX ON %s (partition_key, session_start)', p.state_table);
        PERFORM @extschema@.sessionize_comment_state(p.state_table);
        EXECUTE pg_catalog.format($s$
            CREATE TABLE %s (user_pseudo_id text, platform text, ts timestamptz NOT NULL,
                             event_id text, view_name text, engagement_ms bigint)$s$, p.delta_table);
        PERFORM @extschema@.sessionize_make_delta_index(p.delta_table::regclass);
        EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', p.delta_table,
            'sessionize bookkeeping: events captured from the source since the last refresh.');
    END IF;
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', t, pg_catalog.format(
        'Clickstream sessions of %s (the 13 columns of AWS Clickstream clickstream_session_view), timeout %s, time zone %s, kept up to date by %I.refresh_session_table(). Made by sessionize %s.',
        source, timeout, cfg->>'time_zone', ext, @extschema@.sessionize_version()));
    PERFORM @extschema@.sessionize_comment_columns(t, 'computed', cfg->>'time_zone');

    -- bookkeeping: partitions to recompute, and the configuration
    EXECUTE pg_catalog.format($s$
        CREATE TABLE %s (user_pseudo_id text, platform text, everything boolean NOT NULL DEFAULT false)$s$,
        p.dirty_table);
    -- source is a regclass, which a dump writes as the table's name: the
    -- configuration survives pg_dump and restore
    EXECUTE pg_catalog.format($s$
        CREATE TABLE %s (source regclass NOT NULL, config jsonb NOT NULL,
                         created timestamptz NOT NULL DEFAULT pg_catalog.now(),
                         last_refresh timestamptz, refreshes bigint NOT NULL DEFAULT 0,
                         events_processed bigint NOT NULL DEFAULT 0)$s$, p.config_table);
    EXECUTE pg_catalog.format('INSERT INTO %s (source, config) VALUES (%L, %L)',
                              p.config_table, source, cfg);
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', p.dirty_table,
        'sessionize bookkeeping: partitions with updated or deleted events, recomputed at the next refresh.');
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', p.config_table,
        'sessionize bookkeeping: how the session table is built from its source.');
    -- the bookkeeping holds raw events: no default privilege reaches it
    PERFORM @extschema@.sessionize_revoke_grants('TABLE', p.state_table);
    PERFORM @extschema@.sessionize_revoke_grants('TABLE', p.delta_table);
    PERFORM @extschema@.sessionize_revoke_grants('TABLE', p.dirty_table);
    PERFORM @extschema@.sessionize_revoke_grants('TABLE', p.config_table);

    -- capture changes of the source.  The triggers are created before the
    -- first build: creating them locks out writers of the source until this
    -- transaction ends, so no event falls between the build and the capture.
    -- (With an ingest column, none: the refresh reads what arrived.)
    PERFORM @extschema@.sessionize_install_capture(t::regclass);

    -- the first build is a refresh of everything
    EXECUTE pg_catalog.format('INSERT INTO %s (everything) VALUES (true)', p.dirty_table);
    PERFORM @extschema@.refresh_session_table(t::regclass);
    IF dashboards THEN
        -- no page report: it reads the source's events, and a view over the
        -- source would forbid changing its columns' types
        PERFORM @extschema@.sessionize_create_dashboards(t, q.nsp, q.rel, timeout,
            struggling_sessions, struggling_seconds, NULL, cfg);
    END IF;
    RETURN t::regclass;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_create_session_table(name, regclass, text, interval, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean, text, text, interval) IS
    'Internal: create_session_table() with the schema for an unqualified table name.';

CREATE OR REPLACE FUNCTION @extschema@.create_session_table(
    source regclass,
    table_name text,
    timeout interval DEFAULT '30 minutes',
    user_column text DEFAULT 'user_pseudo_id',
    platform_column text DEFAULT 'platform',
    timestamp_column text DEFAULT 'event_timestamp',
    event_id_column text DEFAULT 'event_id',
    event_name_column text DEFAULT 'event_name',
    page_title_column text DEFAULT 'page_view_page_title',
    screen_name_column text DEFAULT 'screen_view_screen_name',
    engagement_column text DEFAULT 'user_engagement_time_msec',
    view_events text[] DEFAULT '{_page_view,_screen_view}',
    engagement_events text[] DEFAULT '{_user_engagement}',
    excluded_events text[] DEFAULT '{}',
    engaged_duration interval DEFAULT '10 seconds',
    engaged_views integer DEFAULT 2,
    struggling_sessions integer DEFAULT 3,
    struggling_seconds numeric DEFAULT 30,
    dashboards boolean DEFAULT true,
    time_zone text DEFAULT 'UTC',
    ingest_column text DEFAULT NULL,
    ingest_settle interval DEFAULT '1 minute')
RETURNS regclass LANGUAGE sql AS $$
    SELECT @extschema@.sessionize_create_session_table(pg_catalog.current_schema(),
        source, table_name, timeout, user_column, platform_column, timestamp_column,
        event_id_column, event_name_column, page_title_column, screen_name_column,
        engagement_column, view_events, engagement_events, excluded_events,
        engaged_duration, engaged_views, struggling_sessions, struggling_seconds, dashboards,
        time_zone, ingest_column, ingest_settle)
$$;
COMMENT ON FUNCTION @extschema@.create_session_table(regclass, text, interval, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean, text, text, interval) IS
    'Creates a session table with the 13 columns of the clickstream session view, kept exactly up to date by refresh_session_table(): triggers on the source capture changes (or, with ingest_column, the refresh reads the rows that arrived since the last one); a refresh merges new events into stored session states.';

------------------------------------------------------------------------------
-- refresh_session_table() and drop_session_table() (docs/session-tables.md).
--
-- A refresh is exact whatever commits when: each step that consumes captured
-- changes decides what to do in the same statement, so the same snapshot,
-- as it consumes them.
------------------------------------------------------------------------------

-- A session table's bookkeeping, source and configuration, checked for a
-- refresh (docs/security.md): the caller owns the session table and its
-- bookkeeping (a trigger another owner put on them would run with the
-- caller's rights); the source still exists, is still a table and still
-- has its capture triggers, enabled; its mapped columns kept their types;
-- and no row security hides rows of it from the caller (a refresh would
-- then build from part of the source).  Without checks: the parts, the
-- owner and that the source exists (what a refresh needs to take its locks,
-- before it checks the rest under them).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_session_table(session_table regclass, checks boolean DEFAULT true,
    OUT nsp name, OUT rel name, OUT state_table text, OUT delta_table text,
    OUT dirty_table text, OUT config_table text, OUT src regclass, OUT cfg jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    now_types jsonb;
    k text;
BEGIN
    SELECT p.* INTO nsp, rel, state_table, delta_table, dirty_table, config_table
    FROM @extschema@.sessionize_session_parts(session_table) p;
    SELECT c.relname INTO k FROM pg_catalog.pg_class c
    WHERE c.oid IN (session_table, pg_catalog.to_regclass(state_table), pg_catalog.to_regclass(delta_table),
                    pg_catalog.to_regclass(dirty_table), pg_catalog.to_regclass(config_table))
      AND c.relowner <> (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)
    ORDER BY c.oid <> session_table, c.relname
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'only the owner of session table % may refresh it', session_table
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('Role %s does not own %s.', CURRENT_USER, k),
                  HINT = 'Refresh as the owner of the session table and its bookkeeping tables (SET ROLE, or schedule the pg_cron job as that role).';
    END IF;
    EXECUTE pg_catalog.format('SELECT source, config FROM %s', config_table) INTO src, cfg;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = src) THEN
        RAISE EXCEPTION 'the source of session table % no longer exists', session_table
            USING ERRCODE = 'undefined_table',
                  HINT = pg_catalog.format('Drop the session table with drop_session_table(%L).', session_table::text);
    END IF;
    IF NOT checks THEN
        RETURN;
    END IF;
    PERFORM @extschema@.sessionize_check_source(src);
    -- (a table captured by an ingest column has no triggers)
    SELECT pg_catalog.string_agg(n.trigger_name, ', ') INTO k
    FROM pg_catalog.unnest(ARRAY['insert', 'update', 'delete', 'truncate']) o(op)
    CROSS JOIN LATERAL @extschema@.sessionize_capture_names(nsp, rel, o.op) n
    WHERE NOT cfg ? 'ingest_column'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                      WHERE g.tgrelid = src AND g.tgname = n.trigger_name AND g.tgenabled <> 'D');
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'the capture triggers of session table % are missing or disabled on %', session_table, src
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Missing or disabled: %s.', k),
                  HINT = pg_catalog.format('Changes were not captured.  Make the table again: drop_session_table(%L), then create_session_table().', session_table::text);
    END IF;
    now_types := @extschema@.sessionize_column_types(src, cfg);
    IF cfg->'types' IS NULL OR now_types <> cfg->'types' THEN
        SELECT pg_catalog.string_agg(pg_catalog.format('%s: %s, now %s', o.key, o.value,
                                     coalesce(now_types->>o.key, 'dropped')), '; ')
        INTO k FROM pg_catalog.jsonb_each_text(coalesce(cfg->'types', '{}')) o
        WHERE o.value IS DISTINCT FROM now_types->>o.key;
        RAISE EXCEPTION 'the mapped columns of %, the source of session table %, changed since it was created', src, session_table
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = coalesce(k, 'Its column types were not recorded.'),
                  HINT = pg_catalog.format('Changes are no longer captured.  Make the table again: drop_session_table(%L), then create_session_table().', session_table::text);
    END IF;
    -- the mapped columns' types, owners included: the owner of a domain
    -- could have given it to another role, or its own code reach capture
    PERFORM @extschema@.sessionize_check_column_types(src, cfg);
    IF pg_catalog.row_security_active(src) THEN
        RAISE EXCEPTION 'row-level security hides rows of % from role %', src, CURRENT_USER
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'A refresh must read every row of the source, or the session table would silently lose sessions.',
                  HINT = 'Refresh as the owner of the source or a role with BYPASSRLS; put policies on the session table itself.';
    END IF;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_session_table(regclass, boolean) IS
    'Internal: the bookkeeping, source and configuration of a session table, checked for a refresh.';

-- The sessionize version recorded in a session table's configuration (NULL
-- for one made by 0.1.0, which recorded none).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_made_by(session_table regclass) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record;
    v text;
BEGIN
    SELECT * INTO p FROM @extschema@.sessionize_session_parts(session_table);
    EXECUTE pg_catalog.format('SELECT config->>%L FROM %s', 'version', p.config_table) INTO v;
    RETURN v;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_made_by(regclass) IS
    'Internal: the sessionize version that made a session table (NULL: 0.1.0).';

-- The key of a partition (user, platform) in the state table's index: a
-- 64-bit hash, so that the index is small and fast.  Two partitions may
-- share a key: every lookup also compares the user and the platform.  The
-- hash depends on the server (byte order), so the configuration records the
-- key of a known partition (sessionize_key_check) and a refresh rebuilds
-- when this server computes another (a restore on another platform).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_key_sql(user_expr text, platform_expr text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format(
        '(pg_catalog.hashtextextended(coalesce(%s, '''') COLLATE "C", 0) '
        'OPERATOR(pg_catalog.#) pg_catalog.hashtextextended(coalesce(%s, '''') COLLATE "C", 1))',
        user_expr, platform_expr)
$$;
COMMENT ON FUNCTION @extschema@.sessionize_key_sql(text, text) IS
    'Internal: the expression of the key of a partition in a session table''s state table.';

CREATE OR REPLACE FUNCTION @extschema@.sessionize_key_check() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (pg_catalog.hashtextextended('sessionize' COLLATE "C", 0)
            OPERATOR(pg_catalog.#) pg_catalog.hashtextextended('Web' COLLATE "C", 1))::text
$$;
COMMENT ON FUNCTION @extschema@.sessionize_key_check() IS
    'Internal: the key of a known partition on this server, to detect a change of the hash.';

-- An interval as an SQL literal of microseconds, without a day part: the
-- generated statements add it to timestamptz values, and '1 day' added
-- across a change of daylight saving time is 23 or 25 hours in the time
-- zone of the server that evaluates it (a Citus worker's own), where the
-- session rules count a day as 24 hours (sess_interval_usec).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_interval_sql(i interval) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format('%L::interval',
        (EXTRACT(epoch FROM i) * 1000000)::numeric(30, 0)::text || ' microseconds')
$$;
COMMENT ON FUNCTION @extschema@.sessionize_interval_sql(interval) IS
    'Internal: an interval as a literal of microseconds (no days, which daylight saving time would stretch).';

-- The statement of a refresh that consumes the captured changes and applies
-- them, when no rebuild is needed (refresh_session_table, below).  One
-- statement, so one snapshot: the captured events and marks it consumes are
-- exactly those it reads, the rebuild marks it checks first (guard) are
-- those of that snapshot, and a partition it recomputes is read from the
-- source in that snapshot too.  with_dirty: also consume the partitions
-- marked by updates and deletes and recompute them from the source; without
-- it, the statement reads neither the source nor those marks (a mark
-- committed meanwhile is left for the next refresh, which recomputes its
-- partition from the source, the events merged now included).
--
-- Each stored session is a mergeable state of its own, found by its
-- partition's key and its start.  The captured events of each partition are
-- aggregated into one state (session_agg: a hash aggregate over all of
-- them, no sort) and cut into chains, the sessions they would make alone
-- (session_split).  A stored session can join a chain only if it starts at
-- most the timeout after the chain's last event and ends at most the
-- timeout before its first: the window [lo_t, hi_t].  In a partition where
-- some stored sessions join, its new state and those sessions are merged
-- (session_merge: the sessions of the union of their events) and split
-- again, one state per session; stored sessions are apart by more than the
-- timeout, so no other one can join the result.
-- A new session that starts where a stored one started (same session_id)
-- is written over it, in its page where there is room (no new index
-- entry); the other stored sessions merged, and their rows, are deleted.
-- Work and reads follow the new events and the sessions they touch, not
-- the partitions' history.
--
-- Rows are found through indexes and then by ctid (states: from the probes,
-- or by their partition's key; session rows: through the unique index on
-- (session_id, platform), one per state replaced), so plans do not depend
-- on statistics.  The inserts wait for the deletes
-- (their input is gated on the deletes' row count, an init plan run first),
-- so that the keys hold at every row.  Partitions are told apart by
-- (user_pseudo_id, platform), NULLs included (IS NOT DISTINCT FROM), never
-- by their key alone.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_refresh_sql(pieces jsonb, with_dirty boolean) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT @extschema@.sessionize_fill($s$
        WITH guard AS (
            -- a TRUNCATE's mark, or events without a user (matched by IS
            -- NOT DISTINCT FROM, which no index helps), ask for a rebuild:
            -- then nothing below reads or consumes anything
            SELECT EXISTS (SELECT 1 FROM {dirty} WHERE everything OR user_pseudo_id IS NULL)
                   OR EXISTS (SELECT 1 FROM {delta} WHERE user_pseudo_id IS NULL) AS rebuild),
        consumed AS (
            DELETE FROM {delta} WHERE NOT (SELECT g.rebuild FROM guard g)
            RETURNING user_pseudo_id, platform, ts, event_id, view_name, engagement_ms),$s$
        || CASE WHEN with_dirty THEN $s$
        marks AS (
            DELETE FROM {dirty} WHERE NOT (SELECT g.rebuild FROM guard g)
            RETURNING user_pseudo_id, platform),
        dirty_keys AS (
            SELECT DISTINCT {key_m} AS key, m.user_pseudo_id, m.platform FROM marks m),
        -- the sessions of the marked partitions, from the source: the
        -- events of each partition aggregated into one state (a hash
        -- aggregate, no sort), split into one state per session
        recomputed_parts AS (
            SELECT {key_i} AS key, i.user_pseudo_id, i.platform,
                   pg_catalog.count(*) FILTER (WHERE pg_catalog.isfinite(i.ts)) AS n, {agg} AS state
            FROM (SELECT {input} FROM {source} e
                  WHERE e.{user_column}::text IN (SELECT k.user_pseudo_id FROM dirty_keys k)) i
            WHERE i.counted AND i.ts IS NOT NULL
              AND EXISTS (SELECT 1 FROM dirty_keys k
                          WHERE k.user_pseudo_id = i.user_pseudo_id
                            AND k.platform IS NOT DISTINCT FROM i.platform)
            GROUP BY i.user_pseudo_id, i.platform),
        recomputed AS (
            SELECT r.key, r.user_pseudo_id, r.platform, x.session_start AS lo, x.session_end AS hi, x.state
            FROM recomputed_parts r CROSS JOIN LATERAL {ext}.session_split(r.state) x),$s$
        ELSE '' END || $s$
        -- the captured events of each partition aggregated into one state
        -- (a hash aggregate: no sort), and cut into chains, the sessions
        -- they make alone (session_split), each with the window of stored
        -- session starts and ends that can join it (no bound where the time
        -- would be out of range)
        parts AS (
            SELECT {key_i} AS key, i.user_pseudo_id, i.platform,
                   pg_catalog.count(*) FILTER (WHERE pg_catalog.isfinite(i.ts)) AS n, {agg} AS state
            FROM consumed i$s$
        || CASE WHEN with_dirty THEN $s$
            -- (those of recomputed partitions are in the source)
            WHERE NOT EXISTS (SELECT 1 FROM dirty_keys k
                              WHERE k.user_pseudo_id = i.user_pseudo_id
                                AND k.platform IS NOT DISTINCT FROM i.platform)$s$
           ELSE '' END || $s$
            GROUP BY i.user_pseudo_id, i.platform),
        live AS (
            SELECT c.*,
                   {lo_t_c} AS lo_t,
                   CASE WHEN EXTRACT(epoch FROM c.hi) + EXTRACT(epoch FROM {timeout}) < 9224318016000
                        THEN c.hi + {timeout} ELSE 'infinity' END AS hi_t
            FROM (SELECT p.key, p.user_pseudo_id, p.platform, x.session_start AS lo, x.session_end AS hi,
                         x.state
                  FROM parts p CROSS JOIN LATERAL {ext}.session_split(p.state) x) c),
        -- the stored sessions that can join a chain: the two latest that
        -- start before its window ends.  Those start inside the window, or
        -- the one before it, which joins if it ends in the window: unless
        -- both start inside the window, no other can join (one index probe).
        -- Else also those that start in the window before them, and the
        -- latest that starts before the window (two more).  A chain whose
        -- window starts after every stored session ended (stored_end in the
        -- configuration, an upper bound of their ends) can join none: no
        -- probe.
        latest AS (
            SELECT c.lo AS chain, c.lo_t, x.*
            FROM (SELECT * FROM live c WHERE c.lo_t <= {stored_end}) c CROSS JOIN LATERAL (
                SELECT x.ctid AS tid, x.partition_key AS key, x.user_pseudo_id, x.platform,
                       x.session_start AS lo, x.session_end AS hi, x.state
                FROM {state} x
                WHERE x.partition_key = c.key AND x.session_start <= c.hi_t
                  AND x.user_pseudo_id = c.user_pseudo_id AND x.platform IS NOT DISTINCT FROM c.platform
                ORDER BY x.session_start DESC LIMIT 2) x),
        more AS (
            SELECT l.key, l.user_pseudo_id, l.platform, l.chain, l.lo_t, pg_catalog.min(l.lo) AS lo
            FROM latest l WHERE l.lo >= l.lo_t
            GROUP BY l.key, l.user_pseudo_id, l.platform, l.chain, l.lo_t HAVING pg_catalog.count(*) = 2),
        earlier AS (
            SELECT m.chain, m.lo_t, x.*
            FROM more m CROSS JOIN LATERAL (
                (SELECT x.ctid AS tid, x.partition_key AS key, x.user_pseudo_id, x.platform,
                        x.session_start AS lo, x.session_end AS hi, x.state
                 FROM {state} x
                 WHERE x.partition_key = m.key AND x.session_start >= m.lo_t AND x.session_start < m.lo
                   AND x.user_pseudo_id = m.user_pseudo_id AND x.platform IS NOT DISTINCT FROM m.platform)
                UNION ALL
                (SELECT x.ctid, x.partition_key, x.user_pseudo_id, x.platform,
                        x.session_start, x.session_end, x.state
                 FROM {state} x
                 WHERE x.partition_key = m.key AND x.session_start < m.lo_t
                   AND x.user_pseudo_id = m.user_pseudo_id AND x.platform IS NOT DISTINCT FROM m.platform
                 ORDER BY x.session_start DESC LIMIT 1)) x),
        found AS (
            SELECT * FROM latest l WHERE l.hi >= l.lo_t
            UNION ALL
            SELECT * FROM earlier e WHERE e.hi >= e.lo_t),
        fetched AS (
            SELECT DISTINCT ON (f.tid) f.tid, f.key, f.user_pseudo_id, f.platform, f.lo, f.hi, f.state
            FROM found f
            ORDER BY f.tid),
        -- the partitions where some of them join a chain; in the others
        -- the chains are the new sessions as they are
        linked AS (
            SELECT DISTINCT f.key, f.user_pseudo_id, f.platform FROM found f),
        -- in each of those, the partition's new state merged with the stored
        -- sessions found (one hash aggregate), and split again into one
        -- state per session: session_merge gives the sessions of the union
        -- of their events, so a chain and the stored sessions it joins (or
        -- bridges) become one session.  No other stored session can join
        -- them: it would have to be within the timeout of a chain or of a
        -- stored session found, and stored sessions are apart by more.
        merged AS (
            SELECT m.key, m.user_pseudo_id, m.platform, {ext}.session_merge(m.state) AS state
            FROM (SELECT p.key, p.user_pseudo_id, p.platform, p.state
                  FROM parts p JOIN linked k
                    ON k.key = p.key AND k.user_pseudo_id = p.user_pseudo_id
                   AND k.platform IS NOT DISTINCT FROM p.platform
                  UNION ALL
                  SELECT f.key, f.user_pseudo_id, f.platform, f.state FROM fetched f) m
            GROUP BY m.key, m.user_pseudo_id, m.platform),
        new_sessions AS (
            SELECT m.key, m.user_pseudo_id, m.platform, x.session_start AS lo, x.session_end AS hi, x.state,
                   {ext}.sessionize_session_id(m.user_pseudo_id, x.session_start) AS sid
            FROM merged m CROSS JOIN LATERAL {ext}.session_split(m.state) x
            UNION ALL
            SELECT c.key, c.user_pseudo_id, c.platform, c.lo, c.hi, c.state,
                   {ext}.sessionize_session_id(c.user_pseudo_id, c.lo)
            FROM live c
            WHERE NOT EXISTS (SELECT 1 FROM linked k
                              WHERE k.key = c.key AND k.user_pseudo_id = c.user_pseudo_id
                                AND k.platform IS NOT DISTINCT FROM c.platform)$s$
        || CASE WHEN with_dirty THEN $s$
            UNION ALL
            SELECT r.key, r.user_pseudo_id, r.platform, r.lo, r.hi, r.state,
                   {ext}.sessionize_session_id(r.user_pseudo_id, r.lo)
            FROM recomputed r$s$ ELSE '' END || $s$),
        -- what they replace: the stored sessions merged$s$
        || CASE WHEN with_dirty THEN ', and every session of a recomputed partition' ELSE '' END || $s$.
        -- A new session that starts as one of them did is written over it.
        old_states AS (
            SELECT f.tid, f.key, f.user_pseudo_id, f.platform, f.lo FROM fetched f$s$
        || CASE WHEN with_dirty THEN $s$
            UNION ALL
            SELECT x.tid, k.key, k.user_pseudo_id, k.platform, x.lo FROM dirty_keys k
            CROSS JOIN LATERAL (SELECT s.ctid AS tid, s.session_start AS lo FROM {state} s
                                WHERE s.partition_key = k.key AND s.user_pseudo_id = k.user_pseudo_id
                                  AND s.platform IS NOT DISTINCT FROM k.platform
                                OFFSET 0) x$s$ ELSE '' END || $s$),
        state_pairs AS (
            SELECT n.*, o.tid
            FROM new_sessions n LEFT JOIN old_states o
              ON o.key = n.key AND o.lo = n.lo AND o.user_pseudo_id = n.user_pseudo_id
             AND o.platform IS NOT DISTINCT FROM n.platform),
        -- their rows: each state has one, whose session_id its partition's
        -- user and its start make (through the unique key)
        old_rows AS (
            SELECT x.tid, x.session_id, x.platform FROM old_states o
            CROSS JOIN LATERAL (
                SELECT t.ctid AS tid, t.session_id, t.platform FROM {session} t
                WHERE t.session_id = {ext}.sessionize_session_id(o.user_pseudo_id, o.lo)
                  AND t.user_pseudo_id = o.user_pseudo_id AND t.platform IS NOT DISTINCT FROM o.platform
                OFFSET 0) x),
        row_pairs AS (
            SELECT n.*, o.tid
            FROM new_sessions n LEFT JOIN old_rows o
              ON o.session_id = n.sid AND o.platform IS NOT DISTINCT FROM n.platform),
        deleted_states AS (
            DELETE FROM {state} s
            WHERE s.ctid = ANY (ARRAY(SELECT o.tid FROM old_states o
                                      WHERE NOT EXISTS (SELECT 1 FROM new_sessions n
                                                        WHERE n.key = o.key AND n.lo = o.lo
                                                          AND n.user_pseudo_id = o.user_pseudo_id
                                                          AND n.platform IS NOT DISTINCT FROM o.platform)))
            RETURNING 1),
        deleted_rows AS (
            DELETE FROM {session} t
            WHERE t.ctid = ANY (ARRAY(SELECT o.tid FROM old_rows o
                                      WHERE NOT EXISTS (SELECT 1 FROM new_sessions n
                                                        WHERE n.sid = o.session_id
                                                          AND n.platform IS NOT DISTINCT FROM o.platform)))
            RETURNING 1),
        -- (the rows to update are also named by their ctids, so that they
        -- are read by a TID scan whatever the size of the table)
        updated_states AS (
            UPDATE {state} s SET session_end = p.hi, state = p.state
            FROM state_pairs p
            WHERE p.tid IS NOT NULL AND s.ctid = p.tid
              AND s.ctid = ANY (ARRAY(SELECT q.tid FROM state_pairs q WHERE q.tid IS NOT NULL))
            RETURNING 1),
        updated_rows AS (
            UPDATE {session} t SET ({column_names}) = ({new_values})
            FROM (SELECT g.tid, {columns}
                  FROM row_pairs g CROSS JOIN LATERAL {ext}.sessions(g.state) s
                  WHERE g.tid IS NOT NULL) x
            WHERE t.ctid = x.tid
              AND t.ctid = ANY (ARRAY(SELECT q.tid FROM row_pairs q WHERE q.tid IS NOT NULL))
              -- (a row whose columns stay, as when a late event that is
              -- not a view falls inside its session, is left alone)
              AND ({old_values}) IS DISTINCT FROM ({new_values})
            RETURNING 1),
        inserted_states AS (
            INSERT INTO {state} (partition_key, user_pseudo_id, platform, session_start, session_end, state)
            SELECT p.key, p.user_pseudo_id, p.platform, p.lo, p.hi, p.state FROM state_pairs p
            WHERE p.tid IS NULL AND (SELECT pg_catalog.count(*) FROM deleted_states) >= 0
            RETURNING 1),
        inserted_rows AS (
            INSERT INTO {session}
            SELECT {columns}
            FROM row_pairs g CROSS JOIN LATERAL {ext}.sessions(g.state) s
            WHERE g.tid IS NULL AND (SELECT pg_catalog.count(*) FROM deleted_rows) >= 0
            RETURNING 1)
        SELECT (SELECT g.rebuild FROM guard g),
               coalesce((SELECT pg_catalog.sum(p.n) FROM parts p), 0)$s$
        || CASE WHEN with_dirty THEN $s$
               + coalesce((SELECT pg_catalog.sum(r.n) FROM recomputed_parts r), 0)$s$ ELSE '' END || $s$,
               (SELECT pg_catalog.count(*) FROM deleted_rows) + (SELECT pg_catalog.count(*) FROM updated_rows)
               + (SELECT pg_catalog.count(*) FROM inserted_rows),
               (SELECT pg_catalog.count(*) FROM inserted_states) + (SELECT pg_catalog.count(*) FROM updated_states),
               (SELECT pg_catalog.max(n.hi) FROM new_sessions n)$s$,
        pieces || pg_catalog.jsonb_build_object(
            'key_i', @extschema@.sessionize_key_sql('i.user_pseudo_id', 'i.platform'),
            'key_m', @extschema@.sessionize_key_sql('m.user_pseudo_id', 'm.platform'),
            -- lo - timeout, or no bound where that is before the first
            -- representable time (4714-11-24 BC)
            'lo_t_c', pg_catalog.format(
                'CASE WHEN EXTRACT(epoch FROM c.lo) - EXTRACT(epoch FROM %1$s) >= -210866803200 '
                'THEN c.lo - %1$s ELSE ''-infinity'' END', pieces->>'timeout')))
$$;
COMMENT ON FUNCTION @extschema@.sessionize_refresh_sql(jsonb, boolean) IS
    'Internal: the statement of a refresh that merges captured events into the stored sessions (and recomputes marked partitions).';

-- A refresh of a session table on one server (refresh_session_table()
-- calls it under its locks, with the table's parts and configuration
-- checked); returns the events processed.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_refresh_local(session_table regclass,
    state_table text, delta_table text, dirty_table text, config_table text, src regclass, cfg jsonb)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t record; pieces jsonb;
    rebuild boolean; pending_marks boolean; pending_events boolean;
    processed bigint := 0; changed bigint := 0; written bigint; new_end timestamptz;
    table_rows float4; key_check text := @extschema@.sessionize_key_check();
BEGIN
    SELECT state_table, delta_table, dirty_table, config_table, src, cfg INTO t;
    -- a table made by an older release keeps one state per user: it moves
    -- to one state per session, and this refresh rebuilds it
    IF NOT @extschema@.sessionize_state_is_current(t.state_table::regclass) THEN
        PERFORM @extschema@.sessionize_migrate_state(session_table);
    END IF;
    -- captured by an ingest column: the rows that arrived are captured now,
    -- and the source is read only up to the new watermark
    -- (37_ingest.sql)
    t.cfg := @extschema@.sessionize_ingest_pull(session_table, t.src, t.cfg);

    pieces := pg_catalog.jsonb_build_object(
        'session', session_table::text, 'state', t.state_table,
        'delta', t.delta_table, 'dirty', t.dirty_table,
        'source', @extschema@.sessionize_ingest_source(t.src, t.cfg),
        'ext', pg_catalog.quote_ident(@extschema@.sessionize_schema()),
        'agg', @extschema@.sessionize_agg_sql(t.cfg, (t.cfg->>'timeout')::interval),
        'user_column', pg_catalog.quote_ident(t.cfg->>'user_column'),
        'timeout', @extschema@.sessionize_interval_sql((t.cfg->>'timeout')::interval),
        -- every stored session ended by then (recorded by the refreshes;
        -- unknown for a table not rebuilt since sessionize recorded it)
        'stored_end', pg_catalog.format('%L::timestamptz', coalesce(t.cfg->>'stored_end', 'infinity')),
        'columns', @extschema@.sessionize_columns_sql(t.cfg));
    SELECT pieces || pg_catalog.jsonb_build_object(
               'column_names', pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum),
               'new_values', pg_catalog.string_agg('x.' || pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum),
               'old_values', pg_catalog.string_agg('t.' || pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum))
    INTO pieces
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = session_table AND a.attnum > 0 AND NOT a.attisdropped;

    -- What is pending, at first sight: the statement that consumes it
    -- decides again in its own snapshot.  Only a partition marked by an
    -- update or delete needs the source; a TRUNCATE's mark, or an event
    -- without a user, a rebuild.
    EXECUTE @extschema@.sessionize_fill($s$
        SELECT EXISTS (SELECT 1 FROM {dirty} WHERE everything OR user_pseudo_id IS NULL)
               OR EXISTS (SELECT 1 FROM {delta} WHERE user_pseudo_id IS NULL),
               EXISTS (SELECT 1 FROM {dirty}), EXISTS (SELECT 1 FROM {delta})$s$, pieces)
        INTO rebuild, pending_marks, pending_events;
    -- the stored keys were computed by a server that hashes differently
    rebuild := rebuild OR t.cfg->>'key_check' IS DISTINCT FROM key_check;

    IF NOT rebuild AND (pending_marks OR pending_events) THEN
        IF pending_marks THEN
            pieces := pieces || pg_catalog.jsonb_build_object(
                'input', @extschema@.sessionize_input_sql(t.src, t.cfg));
        END IF;
        EXECUTE @extschema@.sessionize_refresh_sql(pieces, pending_marks)
            INTO rebuild, processed, changed, written, new_end;
        -- the stored sessions' latest end, kept an upper bound: sessions
        -- replaced or deleted ended no later than it
        IF NOT rebuild AND new_end > (t.cfg->>'stored_end')::timestamptz THEN
            EXECUTE pg_catalog.format('UPDATE %s SET config = config || pg_catalog.jsonb_build_object(%L, $1)',
                                      t.config_table, 'stored_end') USING new_end;
        END IF;
    END IF;

    IF rebuild THEN
        -- rebuild from the source.  The old states and rows go first (the
        -- lock keeps other refreshes out; readers still see the old rows
        -- until this transaction commits); then one statement, so one
        -- snapshot: the captured events and marks it consumes are exactly
        -- those whose source rows it reads.  The events are sorted by
        -- partition (bytewise: any order groups them) and time, cut into
        -- sessions by session_start(), and each session aggregated into
        -- its own state.
        pieces := pieces || pg_catalog.jsonb_build_object(
            'input', @extschema@.sessionize_input_sql(t.src, t.cfg),
            'key_g', @extschema@.sessionize_key_sql('g.user_pseudo_id', 'g.platform'));
        EXECUTE @extschema@.sessionize_fill('DELETE FROM {state}', pieces);
        EXECUTE @extschema@.sessionize_fill('DELETE FROM {session}', pieces);
        EXECUTE @extschema@.sessionize_fill($s$
            WITH consumed AS (DELETE FROM {delta}), marks AS (DELETE FROM {dirty}),
            grouped AS (
                SELECT i.u AS user_pseudo_id, i.p AS platform,
                       pg_catalog.min(i.ts) FILTER (WHERE pg_catalog.isfinite(i.ts)) AS lo,
                       pg_catalog.max(i.ts) FILTER (WHERE pg_catalog.isfinite(i.ts)) AS hi,
                       pg_catalog.count(*) FILTER (WHERE pg_catalog.isfinite(i.ts)) AS n, {agg} AS state
                FROM (SELECT x.*, {ext}.session_start(x.ts, {timeout}) OVER (PARTITION BY x.u, x.p ORDER BY x.ts) AS chain
                      FROM (SELECT i.user_pseudo_id COLLATE "C" AS u, i.platform COLLATE "C" AS p,
                                   i.ts, i.event_id, i.view_name, i.engagement_ms
                            FROM (SELECT {input} FROM {source} e) i
                            WHERE i.counted AND i.ts IS NOT NULL) x) i
                GROUP BY i.u, i.p, i.chain),
            states AS (
                INSERT INTO {state} (partition_key, user_pseudo_id, platform, session_start, session_end, state)
                SELECT {key_g}, g.user_pseudo_id, g.platform, g.lo, g.hi, g.state
                FROM grouped g
                WHERE g.state IS NOT NULL
                RETURNING user_pseudo_id, platform, state),
            session_rows AS (
                INSERT INTO {session}
                SELECT {columns} FROM states g CROSS JOIN LATERAL {ext}.sessions(g.state) s
                RETURNING 1)
            SELECT coalesce(pg_catalog.sum(g.n), 0)::bigint, (SELECT pg_catalog.count(*) FROM session_rows),
                   coalesce(pg_catalog.max(g.hi) FILTER (WHERE g.state IS NOT NULL), '-infinity')
            FROM grouped g$s$,
            pieces) INTO processed, changed, new_end;
        -- plans on these tables need their real sizes
        EXECUTE @extschema@.sessionize_fill('ANALYZE {state}', pieces);
        EXECUTE @extschema@.sessionize_fill('ANALYZE {session}', pieces);
        EXECUTE pg_catalog.format('UPDATE %s SET config = config || pg_catalog.jsonb_build_object(%L, $1, %L, $2)',
                                  t.config_table, 'key_check', 'stored_end') USING key_check, new_end;
    ELSIF changed > 0 THEN
        -- statistics after a refresh that changed much of the table: more
        -- than autovacuum's default share (10 %, and 50 rows), or a table
        -- never analyzed
        SELECT c.reltuples INTO table_rows FROM pg_catalog.pg_class c WHERE c.oid = session_table;
        IF table_rows < 0 OR changed > 50 + 0.1 * table_rows THEN
            EXECUTE @extschema@.sessionize_fill('ANALYZE {state}', pieces);
            EXECUTE @extschema@.sessionize_fill('ANALYZE {session}', pieces);
        END IF;
    END IF;
    RETURN processed;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_refresh_local(regclass, text, text, text, text, regclass, jsonb) IS
    'Internal: the refresh of a session table on one server.';

CREATE OR REPLACE FUNCTION @extschema@.refresh_session_table(session_table regclass)
RETURNS bigint LANGUAGE plpgsql
-- JIT compiles every statement whose estimated cost is high, which a
-- refresh's statements easily are while processing a handful of events.
SET jit = off
-- times written into generated statements (watermarks) are read back
-- whatever the caller's DateStyle, and by Citus workers, which parse what
-- the coordinator writes with their own
SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres'
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t record;
    processed bigint;
BEGIN
    -- a session table made by 0.1.0 (its configuration has no version) is
    -- first made as this release makes it (guarded capture functions)
    IF @extschema@.sessionize_made_by(session_table) IS NULL THEN
        RAISE NOTICE 'session table % was made by sessionize 0.1.0: upgrading it first', session_table;
        PERFORM @extschema@.upgrade_session_table(session_table);
    END IF;
    SELECT * INTO t FROM @extschema@.sessionize_session_table(session_table, false);
    -- one refresh at a time per table; readers are not blocked
    EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.state_table);
    -- A TRUNCATE (or an ALTER) of the source that is under way holds a lock
    -- that this one waits for, so that the statements below see its
    -- rebuild mark (a refresh that reads only the captured events would
    -- not wait for it otherwise)
    EXECUTE pg_catalog.format('LOCK TABLE ONLY %s IN ACCESS SHARE MODE', t.src);
    -- read again, and checked, under the locks
    SELECT * INTO t FROM @extschema@.sessionize_session_table(session_table);
    -- distributed with Citus: run on the workers (38_citus.sql)
    IF @extschema@.sessionize_is_distributed(t.cfg) THEN
        processed := @extschema@.sessionize_refresh_distributed(session_table, t.state_table,
            t.delta_table, t.dirty_table, t.config_table, t.src, t.cfg);
    ELSE
        processed := @extschema@.sessionize_refresh_local(session_table, t.state_table,
            t.delta_table, t.dirty_table, t.config_table, t.src, t.cfg);
    END IF;

    EXECUTE pg_catalog.format(
        'UPDATE %s SET last_refresh = pg_catalog.now(), refreshes = refreshes + 1, '
        'events_processed = events_processed + $1', t.config_table) USING processed;
    RETURN processed;
END $$;
COMMENT ON FUNCTION @extschema@.refresh_session_table(regclass) IS
    'Brings a session table up to date with its source in one transaction; returns how many events it processed (new events merged, plus the events of recomputed users).';

-- Drops what a session table is made of, whatever is left of it: the
-- session table itself (by OID when it exists, else by name), its
-- dashboards, bookkeeping tables, capture functions, and the triggers on
-- its source when the source still exists.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_drop_session_table(session_table regclass,
    table_name text, default_nsp name)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    q record;
    n record;
    c record;
    src regclass;
    op text;
BEGIN
    IF session_table IS NOT NULL THEN
        SELECT p.nsp, p.rel INTO q FROM @extschema@.sessionize_parts(session_table) p;
    ELSE
        SELECT * INTO q FROM @extschema@.sessionize_qualify(table_name, default_nsp);
    END IF;
    SELECT * INTO n FROM @extschema@.sessionize_table_names(q.nsp, q.rel);
    IF pg_catalog.to_regclass(n.config_table) IS NULL THEN
        RAISE EXCEPTION '% is not a session table', coalesce(session_table::text, table_name)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE pg_catalog.format('SELECT source FROM %s', n.config_table) INTO src;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = src) THEN
        src := NULL;	-- dropped with its triggers
    END IF;
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
        SELECT * INTO c FROM @extschema@.sessionize_capture_names(q.nsp, q.rel, op);
        -- (only a trigger that is there: a table captured by an ingest
        -- column has none, and Citus refuses even DROP TRIGGER IF EXISTS
        -- on a distributed table)
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.tgrelid = src AND g.tgname = c.trigger_name) THEN
            EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', c.trigger_name, src);
        END IF;
        EXECUTE pg_catalog.format('DROP FUNCTION IF EXISTS %s()', c.function_name);
    END LOOP;
    EXECUTE pg_catalog.format('DROP TABLE IF EXISTS %I.%I, %s, %s, %s, %s CASCADE', q.nsp, q.rel,
        n.state_table, n.delta_table, n.dirty_table, n.config_table);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_drop_session_table(regclass, text, name) IS
    'Internal: drops a session table and everything made with it.';

CREATE OR REPLACE FUNCTION @extschema@.drop_session_table(session_table regclass)
RETURNS void LANGUAGE sql AS $$
    SELECT @extschema@.sessionize_drop_session_table(session_table, NULL, NULL)
$$;
COMMENT ON FUNCTION @extschema@.drop_session_table(regclass) IS
    'Drops a session table with its dashboards, bookkeeping tables and the capture triggers on its source.';

-- By name: also cleans up after a DROP TABLE of the session table, or of its
-- source.  A name resolves against the caller's search_path.
CREATE OR REPLACE FUNCTION @extschema@.drop_session_table(session_table text)
RETURNS void LANGUAGE sql AS $$
    SELECT @extschema@.sessionize_drop_session_table(pg_catalog.to_regclass(session_table),
                                                     session_table, pg_catalog.current_schema())
$$;
COMMENT ON FUNCTION @extschema@.drop_session_table(text) IS
    'Drops a session table by name with everything made with it; works when the table or its source was already dropped.';

------------------------------------------------------------------------------
-- Capture without triggers: a session table made with ingest_column reads,
-- at each refresh, the source rows that arrived since the last one
-- (docs/session-tables.md, "Capture without triggers").  For sources whose
-- rows bypass triggers (COPY into partitions, logical replication, Citus).
--
-- The ingest column orders arrival: a timestamptz, a timestamp (read as
-- UTC) or a number of milliseconds since 1970 (AWS's ingest_time_msec).  A
-- refresh takes the rows whose ingest value is above the last refresh's
-- watermark and at most its own, now() less the settle time, and every
-- other read of the source (a rebuild, a recomputed user) stops at the same
-- watermark, so that no row is read twice.  A row is taken if it is
-- committed within the settle time of its ingest value: a transaction that
-- commits later, with an older value, is missed.  Rows without an ingest
-- value are read only by rebuilds and recomputed users.
------------------------------------------------------------------------------

-- The configuration of an ingest column, checked.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_ingest_config(src regclass, col text, settle interval)
RETURNS jsonb LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    typ regtype;
BEGIN
    SELECT a.atttypid::regtype INTO typ FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = src AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', col, src
            USING ERRCODE = 'undefined_column', HINT = 'Name the column that orders arrival with ingest_column => ''...''.';
    END IF;
    IF typ NOT IN ('timestamp with time zone'::regtype, 'timestamp without time zone'::regtype,
                   'bigint'::regtype, 'integer'::regtype, 'numeric'::regtype) THEN
        RAISE EXCEPTION 'ingest column "%" has type %, not a timestamp or a number of milliseconds', col, typ
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Use a timestamptz, timestamp (read as UTC) or epoch-milliseconds column.';
    END IF;
    IF settle IS NULL OR settle < interval '0' THEN
        RAISE EXCEPTION 'ingest_settle must be zero or more' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The longest time between a row''s ingest value and the commit of its transaction, for example interval ''1 minute''.';
    END IF;
    RETURN pg_catalog.jsonb_build_object('ingest_column', col, 'ingest_settle', settle);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_ingest_config(regclass, text, interval) IS
    'Internal: checks and records the ingest column of a session table that captures without triggers.';

-- The ingest column's value at a time, as an SQL literal of its type.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_ingest_value(src regclass, cfg jsonb, at timestamptz) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    typ regtype;
BEGIN
    SELECT a.atttypid::regtype INTO typ FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = src AND a.attname = cfg->>'ingest_column' AND a.attnum > 0 AND NOT a.attisdropped;
    RETURN CASE
        WHEN typ = 'timestamp with time zone'::regtype THEN pg_catalog.format('%L::timestamptz', at)
        WHEN typ = 'timestamp without time zone'::regtype THEN pg_catalog.format('%L::timestamp', at AT TIME ZONE 'UTC')
        ELSE (pg_catalog.floor(EXTRACT(epoch FROM at) * 1000)::bigint)::text END;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_ingest_value(regclass, jsonb, timestamptz) IS
    'Internal: the value of a session table''s ingest column at a time, as an SQL literal.';

-- The source as a refresh reads it: in ingest mode, the rows up to the
-- watermark (and those without an ingest value); else the table itself.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_ingest_source(src regclass, cfg jsonb) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN cfg ? 'ingest_watermark'
                THEN pg_catalog.format('(SELECT * FROM %s s WHERE s.%I IS NULL OR s.%I <= %s)',
                                       src, cfg->>'ingest_column', cfg->>'ingest_column',
                                       @extschema@.sessionize_ingest_value(src, cfg, (cfg->>'ingest_watermark')::timestamptz))
                ELSE src::text END
$$;
COMMENT ON FUNCTION @extschema@.sessionize_ingest_source(regclass, jsonb) IS
    'Internal: the source of a session table as its refresh reads it (up to the ingest watermark).';

-- Called by refresh_session_table() under its lock: in ingest mode, moves
-- the watermark (a time: the ingest column's value is read from it) to
-- now() less the settle time, never back, and captures the rows that
-- arrived in between (unless a rebuild is pending, which reads them from
-- the source anyway); returns the configuration with the new watermark.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_ingest_pull(session_table regclass, src regclass, cfg jsonb)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record;
    hi timestamptz;
    rebuild boolean;
BEGIN
    IF NOT cfg ? 'ingest_column' THEN
        RETURN cfg;
    END IF;
    SELECT * INTO p FROM @extschema@.sessionize_parts(session_table);
    hi := GREATEST(pg_catalog.now() - (cfg->>'ingest_settle')::interval,
                              (cfg->>'ingest_watermark')::timestamptz);
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s WHERE everything)', p.dirty_table) INTO rebuild;
    IF NOT rebuild THEN
        EXECUTE @extschema@.sessionize_fill($s$
            INSERT INTO {delta} (user_pseudo_id, platform, ts, event_id, view_name, engagement_ms)
            SELECT i.user_pseudo_id, i.platform, i.ts, i.event_id, i.view_name, i.engagement_ms
            FROM (SELECT {input} FROM {source} e WHERE {low} e.{col} <= {hi}) i
            WHERE i.counted AND i.ts IS NOT NULL$s$, pg_catalog.jsonb_build_object(
                'delta', p.delta_table, 'input', @extschema@.sessionize_input_sql(src, cfg),
                'source', src::text, 'col', pg_catalog.quote_ident(cfg->>'ingest_column'),
                'hi', @extschema@.sessionize_ingest_value(src, cfg, hi),
                'low', CASE WHEN cfg ? 'ingest_watermark'
                            THEN pg_catalog.format('e.%I > %s AND', cfg->>'ingest_column',
                                     @extschema@.sessionize_ingest_value(src, cfg, (cfg->>'ingest_watermark')::timestamptz))
                            ELSE '' END));
    END IF;
    cfg := cfg || pg_catalog.jsonb_build_object('ingest_watermark', hi);
    EXECUTE pg_catalog.format('UPDATE %s SET config = config || pg_catalog.jsonb_build_object(%L, $1)',
                              p.config_table, 'ingest_watermark') USING hi;
    RETURN cfg;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_ingest_pull(regclass, regclass, jsonb) IS
    'Internal: captures the rows of the source that arrived since the last refresh (ingest mode).';

-- Without capture triggers a session table sees no update, delete or
-- TRUNCATE of the source.  This marks users, or everything (users NULL), for
-- the next refresh to recompute from the source; it works for any session
-- table, as its owner.
CREATE OR REPLACE FUNCTION @extschema@.rebuild_session_users(session_table regclass, users text[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql
-- (the source is read up to the watermark, written into the statement)
SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres'
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t record;
    c record;
    n bigint;
BEGIN
    SELECT * INTO t FROM @extschema@.sessionize_session_parts(session_table);
    IF users IS NULL THEN
        EXECUTE pg_catalog.format('INSERT INTO %s (everything) VALUES (true)', t.dirty_table);
        RETURN NULL;
    END IF;
    -- a refresh under way may be storing these users' first sessions, which
    -- the lookups below would not see: wait for it (its lock)
    EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.state_table);
    SELECT * INTO c FROM @extschema@.sessionize_session_table(session_table);
    IF @extschema@.sessionize_is_distributed(c.cfg) THEN
        -- a distributed table recomputes a user's every platform: the
        -- users are marked as they are (38_citus.sql)
        EXECUTE pg_catalog.format(
            'INSERT INTO %s (user_pseudo_id) SELECT DISTINCT u FROM pg_catalog.unnest($1) u WHERE u IS NOT NULL',
            t.dirty_table) USING users;
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
    END IF;
    -- every platform of each user: those stored, and those of the source
    EXECUTE @extschema@.sessionize_fill($s$
        INSERT INTO {dirty} (user_pseudo_id, platform)
        SELECT s.user_pseudo_id::text, s.platform FROM {state} s WHERE s.user_pseudo_id::text = ANY ($1)
        UNION
        SELECT i.user_pseudo_id, i.platform
        FROM (SELECT {input} FROM {source} e WHERE e.{user_column}::text = ANY ($1)) i$s$,
        pg_catalog.jsonb_build_object(
            'dirty', t.dirty_table, 'state', t.state_table, 'source', @extschema@.sessionize_ingest_source(c.src, c.cfg),
            'input', @extschema@.sessionize_input_sql(c.src, c.cfg),
            'user_column', pg_catalog.quote_ident(c.cfg->>'user_column')))
        USING users;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION @extschema@.rebuild_session_users(regclass, text[]) IS
    'Marks users of a session table (every platform of each), or everything when users is NULL, to be recomputed from the source by the next refresh; for changes capture does not see (updates and deletes without capture triggers). Returns the partitions marked.';

------------------------------------------------------------------------------
-- Session tables over a table distributed by Citus (docs/citus.md, "Session
-- tables").
--
-- The session table and its states are distributed by the user column and
-- co-located with the source, so that a user's events, states and session
-- rows are in one shard group, on one worker.  Every statement of a build
-- and of a refresh is then an INSERT ... SELECT, UPDATE or DELETE between
-- co-located tables joined or grouped on the distribution column, which
-- Citus runs on the workers, shard by shard, in the caller's (distributed)
-- transaction: no event and no state travels to the coordinator.  Only the
-- small bookkeeping (configuration, marked users) stays on the coordinator.
--
-- Capture is by an ingest column (37_ingest.sql): Citus has no triggers on
-- distributed tables.  As on one server, each session has a mergeable state
-- of its own; the new events of each partition are aggregated and split
-- into chains (session_split), the stored sessions within the timeout of a
-- chain are found, and chains and those sessions are swept into groups
-- that each merge into one session (36_refresh.sql says why merging them
-- is exact).  On one server that is one statement with index probes and
-- ctid-addressed writes; Citus runs no such statement across shards, so here
-- it is a few statements, each of which it runs on the workers, with
-- scratch rows in a distributed, co-located stage table (<name>_delta).
------------------------------------------------------------------------------

-- Whether a session table's configuration is of a distributed one.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_is_distributed(cfg jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(cfg->>'layout' = 'distributed', false)
$$;
COMMENT ON FUNCTION @extschema@.sessionize_is_distributed(jsonb) IS
    'Internal: whether a session table is distributed with Citus (its configuration says so).';

-- Checks that a session table can be made over a source Citus knows, and
-- returns the configuration's additions: for a table distributed by hash,
-- the layout and the type of the user column (the session table's
-- user_pseudo_id gets it, to be co-located); nothing for a table Citus does
-- not know.  Citus's catalog is read only when it exists.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_distributed_config(src regclass, cfg jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    dist text;				-- the distribution column (hash)
    other boolean := false;	-- a reference table or a Citus local table
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT CASE WHEN p.partmethod = ''h'' '
                '            THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END, '
                '       p.partmethod = ''n'' AND (p.repmodel = ''t'' OR p.colocationid = 0) '
                'FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1'
            INTO dist, other USING src;
    END IF;
    -- neither a reference table nor a Citus local table is distributed by
    -- a column, and neither takes the triggers or the bookkeeping
    IF other THEN
        RAISE EXCEPTION 'session tables over the Citus reference or local table % are not supported', src
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Distribute the events by the user column (docs/citus.md), or use create_session_view().';
    END IF;
    IF dist IS NULL THEN
        RETURN '{}';
    END IF;
    IF NOT cfg ? 'ingest_column' THEN
        RAISE EXCEPTION 'a session table over the distributed table % needs an ingest column', src
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Citus has no triggers on distributed tables, and session tables capture changes with triggers unless they read what arrived by an ingest column.',
                  HINT = 'Pass ingest_column => ''...'', a column that orders arrival (docs/citus.md).';
    END IF;
    IF dist IS DISTINCT FROM cfg->>'user_column' THEN
        RAISE EXCEPTION 'the distributed table % is distributed by "%", not by its user column "%"', src, dist, cfg->>'user_column'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Sessions are computed per user: the session table is co-located with its source by the user column.',
                  HINT = 'Distribute the events by the user column (docs/citus.md).';
    END IF;
    RETURN pg_catalog.jsonb_build_object('layout', 'distributed', 'user_type',
        (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = src AND a.attname = dist AND a.attnum > 0 AND NOT a.attisdropped));
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_distributed_config(regclass, jsonb) IS
    'Internal: checks a distributed source of a session table and returns what its configuration records.';

-- The session table, state table and stage table of a distributed session
-- table: created, distributed by user_pseudo_id and co-located with the
-- source.  Citus requires a unique index to hold the distribution column,
-- so the key is (user_pseudo_id, session_id, platform), which a session id
-- (made of the user and the start) makes no weaker.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_create_distributed(session_table text, state_table text,
    stage_table text, src regclass, cfg jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
BEGIN
    EXECUTE pg_catalog.format('CREATE TABLE %s (%s)', session_table,
                              @extschema@.sessionize_columns_ddl(cfg->>'user_type'));
    -- refreshed: the number of the refresh that wrote the state, or minus
    -- that of the refresh replacing it
    EXECUTE pg_catalog.format($s$
        CREATE TABLE %s (user_pseudo_id %s NOT NULL, platform text,
                         session_start timestamptz NOT NULL, session_end timestamptz NOT NULL,
                         state %I.sessionstate NOT NULL, events bigint NOT NULL, refreshed bigint NOT NULL)$s$,
        state_table, cfg->>'user_type', @extschema@.sessionize_schema());
    -- a refresh's chains of new events (merged false), and the sessions it
    -- merges them into (merged true); empty between refreshes
    EXECUTE pg_catalog.format($s$
        CREATE TABLE %s (user_pseudo_id %s NOT NULL, platform text,
                         lo timestamptz NOT NULL, hi timestamptz NOT NULL,
                         lo_t timestamptz NOT NULL, hi_t timestamptz NOT NULL, lo_r timestamptz NOT NULL,
                         state %I.sessionstate NOT NULL, events bigint NOT NULL, merged boolean NOT NULL)$s$,
        stage_table, cfg->>'user_type', @extschema@.sessionize_schema());
    FOREACH t IN ARRAY ARRAY[session_table, state_table, stage_table] LOOP
        EXECUTE pg_catalog.format('SELECT pg_catalog.create_distributed_table(%L, %L, colocate_with => %L)',
                                  t, 'user_pseudo_id', src::text);
    END LOOP;
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (user_pseudo_id, platform)', session_table);
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (session_date)', session_table);
    EXECUTE pg_catalog.format(
        'CREATE UNIQUE INDEX ON %s (user_pseudo_id, session_id, platform) NULLS NOT DISTINCT', session_table);
    -- the stored sessions near a chain, by their start
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (user_pseudo_id, platform, session_start)', state_table);
    -- the states a refresh wrote or replaces
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (refreshed)', state_table);
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', state_table,
        'sessionize bookkeeping: the mergeable state of each session, distributed with the source.');
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', stage_table,
        'sessionize bookkeeping: the chains of new events and merged sessions of a refresh under way.');
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_create_distributed(text, text, text, regclass, jsonb) IS
    'Internal: creates the session, state and stage tables of a distributed session table, co-located with its source.';

-- The statements of a refresh of a distributed session table, in order, as
-- (step, statement) rows: refresh number n, watermarks lo (NULL for a
-- rebuild) and hi, users marked for recomputation, and reach: the timeout
-- plus the longest stored session (a stored session can join a chain only
-- if it starts at most that long before the chain's first event).  Each
-- statement is run by Citus on the workers (test/citus_checks.sql EXPLAINs
-- them):
--   marked: the marked users' session rows and states deleted, their
--      sessions recomputed from the source up to the watermark hi;
--   chains: the rows that arrived in (lo, hi], of the other users,
--      aggregated per partition (user, platform) and split into chains, the
--      sessions they make alone (session_split), into the stage;
--   joined: the stored sessions that can join a chain (they start at most
--      the timeout after its last event and end at most the timeout before
--      its first) marked as replaced (refreshed = -n);
--   merged: chains and those sessions swept, per partition in start order,
--      into groups (an item more than the timeout after every earlier one
--      starts a group), each merged into one session, into the stage (a
--      merge per partition split again, as on one server, is a GROUP BY
--      over a UNION ALL with a function after it, which Citus does not
--      push down);
--   replaced: the session rows and states of the replaced sessions deleted;
--   stored: the merged sessions stored (refreshed = n);
--   rows: the session rows of every state written, inserted.
-- (The refresh then empties the stage.)  A rebuild (lo NULL) deletes
-- everything and computes all sessions from the source instead.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_distributed_sql(session_table regclass, state_table text,
    stage_table text, src regclass, cfg jsonb, n bigint, lo timestamptz, hi timestamptz, users text[],
    reach interval, touched text[] DEFAULT NULL)
RETURNS TABLE (step text, statement text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    timeout text := @extschema@.sessionize_interval_sql((cfg->>'timeout')::interval);
    -- touched: every user whose rows arrived, and the marked ones, when
    -- they are few: each statement then names them, and Citus sends it only
    -- to the shards that hold them (a fixed round of tasks on every shard
    -- is most of a small refresh)
    named text := pg_catalog.format('.user_pseudo_id = ANY (%L::%s[])', touched, cfg->>'user_type');
    -- e.<user column> = ANY (<the marked users>): Citus prunes the shards
    marked text := pg_catalog.format('e.%I = ANY (%L::%s[])', cfg->>'user_column', users, cfg->>'user_type');
    pieces jsonb := pg_catalog.jsonb_build_object(
        'state', state_table, 'stage', stage_table, 'session', session_table::text, 'n', n,
        'ext', pg_catalog.quote_ident(@extschema@.sessionize_schema()),
        'timeout', timeout,
        'agg', @extschema@.sessionize_agg_sql(cfg, (cfg->>'timeout')::interval),
        'input', @extschema@.sessionize_input_sql(src, cfg),
        -- (the source up to the watermark hi)
        'source', @extschema@.sessionize_ingest_source(src, cfg || pg_catalog.jsonb_build_object('ingest_watermark', hi)),
        'users', pg_catalog.format('%L::%s[]', users, cfg->>'user_type'),
        'only_c', CASE WHEN touched IS NULL THEN '' ELSE ' AND c' || named END,
        'only_s', CASE WHEN touched IS NULL THEN '' ELSE ' AND s' || named END,
        'only_t', CASE WHEN touched IS NULL THEN '' ELSE ' AND t' || named END,
        'columns', @extschema@.sessionize_columns_sql(cfg, 'computed', 'g.user_key'),
        -- lo - timeout and hi + timeout, or no bound where the time would be
        -- out of range
        'lo_t', pg_catalog.format(
            'CASE WHEN EXTRACT(epoch FROM c.lo) - EXTRACT(epoch FROM %1$s) >= -210866803200 '
            'THEN c.lo - %1$s ELSE ''-infinity'' END', timeout),
        'hi_t', pg_catalog.format(
            'CASE WHEN EXTRACT(epoch FROM c.hi) + EXTRACT(epoch FROM %1$s) < 9224318016000 '
            'THEN c.hi + %1$s ELSE ''infinity'' END', timeout),
        -- lo - reach (computed here: Citus takes no STABLE expression in
        -- the CASE of an UPDATE)
        'lo_r', pg_catalog.format(
            'CASE WHEN EXTRACT(epoch FROM c.lo) - EXTRACT(epoch FROM %1$s) >= -210866803200 '
            'THEN c.lo - %1$s ELSE ''-infinity'' END', @extschema@.sessionize_interval_sql(reach)));
    -- the sessions of some source rows ({filter} over alias e): the rows
    -- of each partition aggregated into one state (a hash aggregate, no
    -- sort), split into one state per session
    sessions_sql text := $s$
        SELECT g.user_key, g.platform, x.session_start AS lo, x.session_end AS hi, x.state, x.events
        FROM (SELECT i.user_key, i.platform, {agg} AS state
              FROM (SELECT {input} FROM {source} e WHERE {filter}) i
              WHERE i.counted AND i.ts IS NOT NULL
              GROUP BY i.user_key, i.platform) g
        CROSS JOIN LATERAL {ext}.session_split(g.state) x$s$;
    store_sql text := $s$
        INSERT INTO {state} (user_pseudo_id, platform, session_start, session_end, state, events, refreshed)
        SELECT s.user_key, s.platform, s.lo, s.hi, s.state, s.events, {n} FROM ($s$ || sessions_sql || ') s';
BEGIN
    IF lo IS NULL THEN
        RETURN QUERY VALUES
            ('rebuild', @extschema@.sessionize_fill('DELETE FROM {state}', pieces)),
            ('rebuild', @extschema@.sessionize_fill('DELETE FROM {session}', pieces)),
            ('rebuild', @extschema@.sessionize_fill(store_sql, pieces || '{"filter": "true"}'));
    ELSE
        IF users <> '{}' THEN
            RETURN QUERY VALUES
                ('marked', @extschema@.sessionize_fill('DELETE FROM {session} WHERE user_pseudo_id = ANY ({users})', pieces)),
                ('marked', @extschema@.sessionize_fill('DELETE FROM {state} WHERE user_pseudo_id = ANY ({users})', pieces)),
                ('marked', @extschema@.sessionize_fill(store_sql, pieces || pg_catalog.jsonb_build_object('filter', marked)));
        END IF;
        RETURN QUERY VALUES
            ('chains', @extschema@.sessionize_fill($s$
                INSERT INTO {stage} (user_pseudo_id, platform, lo, hi, lo_t, hi_t, lo_r, state, events, merged)
                SELECT c.user_key, c.platform, c.lo, c.hi, {lo_t}, {hi_t}, {lo_r}, c.state, c.events, false
                FROM ($s$ || sessions_sql || ') c',
                pieces || pg_catalog.jsonb_build_object('filter', pg_catalog.format(
                    'e.%1$I > %2$s AND e.%1$I <= %3$s AND NOT %4$s%5$s', cfg->>'ingest_column',
                    @extschema@.sessionize_ingest_value(src, cfg, lo),
                    @extschema@.sessionize_ingest_value(src, cfg, hi), marked,
                    CASE WHEN touched IS NULL THEN ''
                         ELSE pg_catalog.format(' AND e.%I = ANY (%L::%s[])', cfg->>'user_column',
                                                touched, cfg->>'user_type') END)))),
            -- (bounded below by lo - reach, so that the index on the
            -- start finds them without reading the partition's older
            -- sessions)
            ('joined', @extschema@.sessionize_fill($s$
                UPDATE {state} s SET refreshed = -{n}
                FROM {stage} c
                WHERE s.user_pseudo_id = c.user_pseudo_id AND s.platform IS NOT DISTINCT FROM c.platform
                  AND s.session_start <= c.hi_t AND s.session_end >= c.lo_t AND s.session_start >= c.lo_r
                  {only_s}{only_c}$s$,
                pieces)),
            ('merged', @extschema@.sessionize_fill($s$
                INSERT INTO {stage} (user_pseudo_id, platform, lo, hi, lo_t, hi_t, lo_r, state, events, merged)
                SELECT g.user_key, g.platform, pg_catalog.min(g.lo), pg_catalog.max(g.hi), '-infinity', 'infinity', '-infinity',
                       {ext}.session_merge(g.state), pg_catalog.sum(g.events), true
                FROM (SELECT w.*, pg_catalog.sum(w.starts) OVER (PARTITION BY w.user_key, w.platform
                                                                 ORDER BY w.lo, w.hi ROWS UNBOUNDED PRECEDING) AS grp
                      FROM (SELECT u.*,
                                   CASE WHEN u.lo <= pg_catalog.max(u.hi_t) OVER (PARTITION BY u.user_key, u.platform ORDER BY u.lo, u.hi
                                                                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                                        THEN 0 ELSE 1 END AS starts
                            FROM (SELECT c.user_pseudo_id AS user_key, c.platform, c.lo, c.hi, c.hi_t, c.state, c.events
                                  FROM {stage} c WHERE NOT c.merged{only_c}
                                  UNION ALL
                                  SELECT s.user_pseudo_id, s.platform, s.session_start, s.session_end,
                                         CASE WHEN EXTRACT(epoch FROM s.session_end) + EXTRACT(epoch FROM {timeout}) < 9224318016000
                                              THEN s.session_end + {timeout} ELSE 'infinity' END,
                                         s.state, s.events
                                  FROM {state} s WHERE s.refreshed = -{n}{only_s}) u) w) g
                GROUP BY g.user_key, g.platform, g.grp$s$, pieces)),
            ('replaced', @extschema@.sessionize_fill($s$
                DELETE FROM {session} t USING {state} s
                WHERE s.refreshed = -{n} AND t.user_pseudo_id = s.user_pseudo_id
                  AND t.session_id = {ext}.sessionize_session_id(s.user_pseudo_id::text, s.session_start)
                  AND t.platform IS NOT DISTINCT FROM s.platform{only_s}{only_t}$s$, pieces)),
            ('replaced', @extschema@.sessionize_fill('DELETE FROM {state} s WHERE s.refreshed = -{n}{only_s}', pieces)),
            ('stored', @extschema@.sessionize_fill($s$
                INSERT INTO {state} (user_pseudo_id, platform, session_start, session_end, state, events, refreshed)
                SELECT c.user_pseudo_id, c.platform, c.lo, c.hi, c.state, c.events, {n}
                FROM {stage} c WHERE c.merged{only_c}$s$, pieces));
    END IF;
    RETURN QUERY VALUES
        ('rows', @extschema@.sessionize_fill($s$
            INSERT INTO {session}
            SELECT {columns}
            FROM (SELECT t.user_pseudo_id AS user_key, t.user_pseudo_id::text AS user_pseudo_id,
                         t.platform, t.state
                  FROM {state} t WHERE t.refreshed = {n}{only_t}) g
            CROSS JOIN LATERAL {ext}.sessions(g.state) s$s$, pieces));
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_distributed_sql(regclass, text, text, regclass, jsonb, bigint, timestamptz, timestamptz, text[], interval, text[]) IS
    'Internal: the statements of a refresh of a session table distributed with Citus, in order.';

-- A refresh of a distributed session table (refresh_session_table() calls
-- it under its locks, with the table's parts and configuration checked):
-- moves the watermark, consumes the marks, runs the statements above, and
-- returns the events processed (those that arrived, and all those of the
-- recomputed users).  Rows committed while it runs with an ingest value
-- within the watermark are read by at most one statement (those of a marked
-- user by its recomputation, the others by the chains), so 37_ingest.sql's
-- guarantee holds as on one server.  The configuration keeps the longest
-- stored session (reach, above), which only a rebuild lowers.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_refresh_distributed(session_table regclass,
    state_table text, stage_table text, dirty_table text, config_table text, src regclass, cfg jsonb)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    lo timestamptz := (cfg->>'ingest_watermark')::timestamptz;
    hi timestamptz;
    n bigint;
    rebuild boolean;
    users text[];
    touched text[];
    q record;
    processed bigint;
    longest interval;
BEGIN
    hi := GREATEST(pg_catalog.now() - (cfg->>'ingest_settle')::interval, lo);
    EXECUTE pg_catalog.format('SELECT refreshes + 1 FROM %s', config_table) INTO n;
    EXECUTE pg_catalog.format(
        'WITH m AS (DELETE FROM %s RETURNING user_pseudo_id, everything) '
        'SELECT coalesce(pg_catalog.bool_or(m.everything), false), '
        '       coalesce(pg_catalog.array_agg(DISTINCT m.user_pseudo_id) FILTER (WHERE m.user_pseudo_id IS NOT NULL), ''{}'') '
        'FROM m', dirty_table) INTO rebuild, users;
    IF rebuild THEN
        lo := NULL;
    ELSE
        -- the users whose rows arrived, when at most 1,000 (one round of
        -- tasks on every shard): the statements then name them
        EXECUTE pg_catalog.format(
            'SELECT pg_catalog.array_agg(x.u) FROM (SELECT DISTINCT e.%1$I::text AS u FROM %2$s e '
            'WHERE e.%3$I > %4$s AND e.%3$I <= %5$s LIMIT 1001) x',
            cfg->>'user_column', src, cfg->>'ingest_column',
            @extschema@.sessionize_ingest_value(src, cfg, lo), @extschema@.sessionize_ingest_value(src, cfg, hi))
            INTO touched;
        touched := CASE WHEN pg_catalog.cardinality(touched) > 1000 THEN NULL
                        ELSE coalesce(touched, '{}') || users END;
    END IF;
    -- (nothing arrived and nothing marked: nothing to do)
    FOR q IN SELECT * FROM @extschema@.sessionize_distributed_sql(session_table, state_table, stage_table, src, cfg,
                 n, lo, hi, users,
                 (cfg->>'timeout')::interval + coalesce((cfg->>'longest_session')::interval, interval '0'),
                 touched)
             WHERE touched IS DISTINCT FROM '{}' LOOP
        EXECUTE q.statement;
    END LOOP;
    -- the events processed: those of the chains and of recomputed users
    -- (before the stage is emptied)
    EXECUTE pg_catalog.format(
        'SELECT coalesce((SELECT pg_catalog.sum(c.events) FROM %1$s c WHERE NOT c.merged), 0)::bigint'
        '     + coalesce((SELECT pg_catalog.sum(s.events) FROM %2$s s WHERE s.refreshed = $1'
        '                    AND s.user_pseudo_id = ANY ($2::%3$s[])), 0)::bigint, '
        '       (SELECT pg_catalog.max(s.session_end - s.session_start) FROM %2$s s WHERE s.refreshed = $1)',
        stage_table, state_table, cfg->>'user_type') INTO processed, longest USING n, users;
    EXECUTE pg_catalog.format('DELETE FROM %s', stage_table);
    IF lo IS NULL THEN
        EXECUTE pg_catalog.format('SELECT coalesce(pg_catalog.sum(s.events), 0)::bigint FROM %s s', state_table)
            INTO processed;
        cfg := cfg - 'longest_session';
        -- plans on these tables need their real sizes
        EXECUTE pg_catalog.format('ANALYZE %s', state_table);
        EXECUTE pg_catalog.format('ANALYZE %s', session_table);
    END IF;
    EXECUTE pg_catalog.format('UPDATE %s SET config = config || pg_catalog.jsonb_build_object(%L, $1, %L, $2)',
                              config_table, 'ingest_watermark', 'longest_session') USING hi,
        GREATEST(longest, (cfg->>'longest_session')::interval, interval '0');
    RETURN processed;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_refresh_distributed(regclass, text, text, text, text, regclass, jsonb) IS
    'Internal: the refresh of a session table distributed with Citus, run on the workers.';


------------------------------------------------------------------------------
-- The live-session (webinar) report: Kaltura's session analytics as views
-- over a table of viewer events (heartbeats and interactions).
------------------------------------------------------------------------------

-- Descriptive headers and comments of the live report's columns.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_live_columns(OUT col text, OUT header text, OUT description text)
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
CREATE OR REPLACE FUNCTION @extschema@.sessionize_column_sql(col text, typ text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN col IS NULL THEN pg_catalog.format('NULL::%s', typ)
                ELSE pg_catalog.format('e.%I::%s', col, typ) END
$$;
COMMENT ON FUNCTION @extschema@.sessionize_column_sql(text, text) IS
    'Internal: a mapped column of a source cast to a type, or NULL of that type.';

-- The report's rule for impossible times: events before valid_from, or more
-- than future_slack after the time of the query, come from clients with a
-- wrong clock and are left out (docs/live-report.md).
CREATE OR REPLACE FUNCTION @extschema@.sessionize_live_valid_from() RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT timestamptz '2000-01-01 00:00:00+00'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_live_valid_from() IS
    'Internal: the live report leaves out events before this time.';
CREATE OR REPLACE FUNCTION @extschema@.sessionize_live_future_slack() RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT interval '1 day'
$$;
COMMENT ON FUNCTION @extschema@.sessionize_live_future_slack() IS
    'Internal: the live report leaves out events more than this after now().';

-- The last bucket number of a live session's timeline from lo to hi, at
-- most sessionize_live_max_buckets(): a session spanning more (a stray
-- heartbeat weeks away) is named in an error rather than filled with
-- millions of empty buckets.
CREATE OR REPLACE FUNCTION @extschema@.sessionize_live_buckets(live_session_id text,
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

CREATE OR REPLACE FUNCTION @extschema@.sessionize_create_live_session_report(default_nsp name,
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
CREATE OR REPLACE FUNCTION @extschema@.create_live_session_report(
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

-- Comments of the objects defined in C, as 0.2.0 words them.
COMMENT ON FUNCTION @extschema@.session_number(timestamptz, interval, interval, text, text, boolean, boolean) IS
    'Session number (1, 2, 3 ...) of each event within its window partition; NULL for excluded events and NULL timestamps.';
COMMENT ON FUNCTION @extschema@.session_number(timestamp, interval, interval, text, text, boolean, boolean) IS
    'Session number (1, 2, 3 ...) of each event within its window partition; NULL for excluded events and NULL timestamps. Timestamp without time zone is read as UTC.';
COMMENT ON FUNCTION @extschema@.session_number(bigint, interval, interval, text, text, boolean, boolean) IS
    'Session number (1, 2, 3 ...) of each event within its window partition; NULL for excluded events and NULL timestamps. Timestamps are epoch milliseconds.';
COMMENT ON FUNCTION @extschema@.session_start(timestamptz, interval, interval, text, text, boolean, boolean) IS
    'Time of the first counted event of the session each event belongs to; NULL for excluded events and NULL timestamps.';
COMMENT ON FUNCTION @extschema@.session_start(timestamp, interval, interval, text, text, boolean, boolean) IS
    'Time of the first counted event of the session each event belongs to; NULL for excluded events and NULL timestamps. Timestamp without time zone is read as UTC.';
COMMENT ON FUNCTION @extschema@.session_start(bigint, interval, interval, text, text, boolean, boolean) IS
    'Time of the first counted event of the session each event belongs to; NULL for excluded events and NULL timestamps. Epoch milliseconds in, epoch milliseconds out.';
COMMENT ON FUNCTION @extschema@.session_id(text, timestamptz, interval, interval, text, text, boolean, boolean) IS
    'Session id <key>-YYYYMMDD-HH24MISSMS of the session start in UTC for each event; NULL for excluded events, NULL timestamps and a NULL key.';
COMMENT ON FUNCTION @extschema@.session_id(text, timestamp, interval, interval, text, text, boolean, boolean) IS
    'Session id <key>-YYYYMMDD-HH24MISSMS of the session start in UTC for each event; NULL for excluded events, NULL timestamps and a NULL key. Timestamp without time zone is read as UTC.';
COMMENT ON FUNCTION @extschema@.session_id(text, bigint, interval, interval, text, text, boolean, boolean) IS
    'Session id <key>-YYYYMMDD-HH24MISSMS of the session start in UTC for each event; NULL for excluded events, NULL timestamps and a NULL key. Timestamps are epoch milliseconds.';
COMMENT ON FUNCTION @extschema@.session_split_reason(timestamptz, interval, interval, text, text, boolean, boolean) IS
    'Why the session starts (first, timeout, max_duration, day, key, start_event) on the event that starts it; NULL on the others.';
COMMENT ON FUNCTION @extschema@.session_split_reason(timestamp, interval, interval, text, text, boolean, boolean) IS
    'Why the session starts (first, timeout, max_duration, day, key, start_event) on the event that starts it; NULL on the others. Timestamp without time zone is read as UTC.';
COMMENT ON FUNCTION @extschema@.session_split_reason(bigint, interval, interval, text, text, boolean, boolean) IS
    'Why the session starts (first, timeout, max_duration, day, key, start_event) on the event that starts it; NULL on the others. Timestamps are epoch milliseconds.';
COMMENT ON FUNCTION @extschema@.sessionize_session_id(text, timestamptz) IS
    'Internal: key || ''-YYYYMMDD-HH24MISSMS'' of a session start in UTC, as session_id() makes it.';
COMMENT ON TYPE @extschema@.sessionstate IS
    'The sessions of one partition with their metrics, under one set of rules: built by session_agg, merged by session_merge, read by sessions(). Text form: hexadecimal.';
COMMENT ON FUNCTION @extschema@.sessionize_state_from_bytea(bytea) IS
    'Cast support: validates bytes as a session state.';
COMMENT ON TYPE @extschema@.sessionrules IS
    'Session rules for session_agg beyond the timeout; build it with session_rules().';
COMMENT ON FUNCTION @extschema@.session_rules(interval, text, interval, integer) IS
    'Rules for session_agg: maximum session length, time zone whose midnight splits sessions, and the engaged-session thresholds (duration greater than engaged_duration, or at least engaged_views views).';
COMMENT ON FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamptz, interval) IS 'session_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamptz, interval, text, bigint) IS 'session_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamptz, interval, text, bigint, text, @extschema@.sessionrules) IS 'session_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamptz, interval, text, bigint, text, @extschema@.sessionrules, text, boolean) IS 'session_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamp, interval) IS 'session_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamp, interval, text, bigint) IS 'session_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamp, interval, text, bigint, text, @extschema@.sessionrules) IS 'session_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamp, interval, text, bigint, text, @extschema@.sessionrules, text, boolean) IS 'session_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_merge_transfn(internal, @extschema@.sessionstate) IS 'session_merge support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_combinefn(internal, internal) IS 'session_agg support: combines partial states of parallel workers.';
COMMENT ON FUNCTION @extschema@.sessionize_merge_combinefn(internal, internal) IS 'session_merge support: combines partial states of parallel workers.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_serialfn(internal) IS 'session_agg and session_merge support: state to bytes for parallel workers.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_deserialfn(bytea, internal) IS 'session_agg and session_merge support: bytes to state, validated.';
COMMENT ON FUNCTION @extschema@.sessionize_agg_finalfn(internal) IS 'session_agg and session_merge support: the storable sessionstate.';
COMMENT ON FUNCTION @extschema@.sessionstate_in(cstring) IS 'sessionstate text input (hexadecimal), validated.';
COMMENT ON FUNCTION @extschema@.sessionstate_out(@extschema@.sessionstate) IS 'sessionstate text output (hexadecimal).';
COMMENT ON FUNCTION @extschema@.sessionstate_recv(internal) IS 'sessionstate binary input, validated.';
COMMENT ON FUNCTION @extschema@.sessionstate_send(@extschema@.sessionstate) IS 'sessionstate binary output.';
COMMENT ON AGGREGATE @extschema@.session_agg(timestamptz, interval) IS
    'Sessions of the aggregated events (one partition) under an inactivity timeout, as a mergeable sessionstate.';
COMMENT ON AGGREGATE @extschema@.session_agg(timestamptz, interval, text, bigint) IS
    'Sessions with view and engagement metrics: a non-NULL view_name marks a page/screen view; NULL engagement_ms counts as 0.';
COMMENT ON AGGREGATE @extschema@.session_agg(timestamptz, interval, text, bigint, text, @extschema@.sessionrules) IS
    'Sessions under session_rules() (max_duration, day_boundary, engaged thresholds); event_id breaks ties of equal timestamps for entry and exit views.';
COMMENT ON AGGREGATE @extschema@.session_agg(timestamptz, interval, text, bigint, text, @extschema@.sessionrules, text, boolean) IS
    'Sessions under every rule: also a new session when split_key changes or on a start_event. Keeps the events (memory grows with them).';
COMMENT ON AGGREGATE @extschema@.session_agg(timestamp, interval) IS
    'Sessions of the aggregated events (one partition) under an inactivity timeout, as a mergeable sessionstate. Timestamp without time zone is read as UTC.';
COMMENT ON AGGREGATE @extschema@.session_agg(timestamp, interval, text, bigint) IS
    'Sessions with view and engagement metrics: a non-NULL view_name marks a page/screen view; NULL engagement_ms counts as 0. Timestamp without time zone is read as UTC.';
COMMENT ON AGGREGATE @extschema@.session_agg(timestamp, interval, text, bigint, text, @extschema@.sessionrules) IS
    'Sessions under session_rules() (max_duration, day_boundary, engaged thresholds); event_id breaks ties of equal timestamps for entry and exit views. Timestamp without time zone is read as UTC.';
COMMENT ON AGGREGATE @extschema@.session_agg(timestamp, interval, text, bigint, text, @extschema@.sessionrules, text, boolean) IS
    'Sessions under every rule: also a new session when split_key changes or on a start_event. Keeps the events (memory grows with them). Timestamp without time zone is read as UTC.';
COMMENT ON AGGREGATE @extschema@.session_merge(@extschema@.sessionstate) IS
    'Merge session states of one partition: the sessions of the union of their events (late events extend or bridge sessions).';
COMMENT ON FUNCTION @extschema@.session_merge(@extschema@.sessionstate, @extschema@.sessionstate) IS
    'The sessions of the union of both states'' events; NULL on one side returns the other.';
COMMENT ON FUNCTION @extschema@.sessions(@extschema@.sessionstate) IS
    'One row per session of the state, in start order, with its metrics (docs/semantics.md, Metrics).';
COMMENT ON FUNCTION @extschema@.session_split(@extschema@.sessionstate) IS
    'One row per session of the state, in start order: its start, end, event count, and a state holding that session alone (under the same rules).';
COMMENT ON FUNCTION @extschema@.session_count(@extschema@.sessionstate) IS
    'Number of sessions in the state.';
COMMENT ON FUNCTION @extschema@.session_event_count(@extschema@.sessionstate) IS
    'Number of counted events in the state.';
COMMENT ON TYPE @extschema@.viewingstate IS
    'The time covered by one viewer''s heartbeats, and the part covered by engaged heartbeats, as sorted disjoint spans: built by viewing_agg, merged by viewing_merge. Text form: hexadecimal.';
COMMENT ON FUNCTION @extschema@.viewingstate_in(cstring) IS 'viewingstate text input (hexadecimal), validated.';
COMMENT ON FUNCTION @extschema@.viewingstate_out(@extschema@.viewingstate) IS 'viewingstate text output (hexadecimal).';
COMMENT ON FUNCTION @extschema@.viewingstate_recv(internal) IS 'viewingstate binary input, validated.';
COMMENT ON FUNCTION @extschema@.viewingstate_send(@extschema@.viewingstate) IS 'viewingstate binary output.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_from_bytea(bytea) IS
    'Cast support: validates bytes as a viewing state.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_transfn(internal, timestamptz, interval, boolean) IS 'viewing_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_transfn(internal, timestamp, interval, boolean) IS 'viewing_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_merge_transfn(internal, @extschema@.viewingstate) IS 'viewing_merge support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_combinefn(internal, internal) IS 'viewing_agg and viewing_merge support: combines partial states of parallel workers.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_serialfn(internal) IS 'viewing_agg and viewing_merge support: state to bytes for parallel workers.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_deserialfn(bytea, internal) IS 'viewing_agg and viewing_merge support: bytes to state, validated.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_finalfn(internal) IS 'viewing_agg and viewing_merge support: the storable viewingstate.';
COMMENT ON AGGREGATE @extschema@.viewing_agg(timestamptz, interval, boolean) IS
    'Viewing time of heartbeats: each covers [ts, ts + heartbeat); the union of covered time, and the union covered by engaged heartbeats (NULL engaged counts as not engaged). NULL ts skips the row.';
COMMENT ON AGGREGATE @extschema@.viewing_agg(timestamp, interval, boolean) IS
    'Viewing time of heartbeats; timestamp without time zone is read as UTC.';
COMMENT ON AGGREGATE @extschema@.viewing_merge(@extschema@.viewingstate) IS
    'Merge viewing states: the viewing time of the union of their heartbeats.';
COMMENT ON FUNCTION @extschema@.viewing_merge(@extschema@.viewingstate, @extschema@.viewingstate) IS
    'The viewing time of the union of both states'' heartbeats; NULL on one side returns the other.';
COMMENT ON FUNCTION @extschema@.viewing_seconds(@extschema@.viewingstate) IS
    'Seconds of viewing time: the measure of the union of the heartbeats'' spans.';
COMMENT ON FUNCTION @extschema@.engaged_seconds(@extschema@.viewingstate) IS
    'Seconds of engaged time: the measure of the union of the engaged heartbeats'' spans.';
COMMENT ON FUNCTION @extschema@.viewing_start(@extschema@.viewingstate) IS
    'First instant of viewing time (the earliest heartbeat).';
COMMENT ON FUNCTION @extschema@.viewing_end(@extschema@.viewingstate) IS
    'End of viewing time: the latest heartbeat plus its period.';
COMMENT ON FUNCTION @extschema@.viewing_buckets(@extschema@.viewingstate, timestamptz, interval) IS
    'Viewing and engaged seconds per time bucket of the given width, aligned on origin as date_bin() aligns; only buckets with viewing time, in time order.';

-- Session tables made by 0.1.0.  Their capture functions were executable by
-- PUBLIC, which let any role run them from a trigger of its own (issue 11):
-- PUBLIC loses that right here (REVOKE runs no code of the tables' owners;
-- this script writes no user table, whose triggers would run as the
-- superuser updating the extension).  They keep capturing as before.  An
-- extension script cannot replace objects the extension does not own, so
-- their guarded capture functions, their configuration in 0.2.0's form and
-- the unique key come with upgrade_session_table(), which the warning below
-- names and which their next refresh runs by itself.  A session table is
-- found by its <name>_config table of the shape create_session_table() made.
DO $upgrade$
DECLARE
    t record;
    op text;
BEGIN
    FOR t IN
        SELECT s.oid::regclass AS session_table, c.oid::regclass AS config_table, n.nspname, s.relname
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_class s
          ON s.relnamespace = c.relnamespace AND c.relname = s.relname || '_config' AND s.relkind = 'r'
        JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace
        WHERE c.relkind = 'r'
          AND (SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
              = ARRAY['source', 'config', 'created', 'last_refresh', 'refreshes', 'events_processed']
    LOOP
        FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
            IF pg_catalog.to_regprocedure(pg_catalog.format('%I.%I()', t.nspname, t.relname || '_capture_' || op)) IS NOT NULL THEN
                EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %I.%I() FROM PUBLIC', t.nspname, t.relname || '_capture_' || op);
            END IF;
        END LOOP;
        RAISE WARNING 'session table % was made by sessionize 0.1.0', t.session_table
            USING HINT = pg_catalog.format('Run SELECT upgrade_session_table(%L) as its owner to guard its capture functions and give it a unique key.',
                                           t.session_table::text);
    END LOOP;
END $upgrade$;
