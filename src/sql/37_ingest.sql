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
CREATE FUNCTION @extschema@.sessionize_ingest_config(src regclass, col text, settle interval)
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
CREATE FUNCTION @extschema@.sessionize_ingest_value(src regclass, cfg jsonb, at timestamptz) RETURNS text
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
CREATE FUNCTION @extschema@.sessionize_ingest_source(src regclass, cfg jsonb) RETURNS text
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
CREATE FUNCTION @extschema@.sessionize_ingest_pull(session_table regclass, src regclass, cfg jsonb)
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
CREATE FUNCTION @extschema@.rebuild_session_users(session_table regclass, users text[] DEFAULT NULL)
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
