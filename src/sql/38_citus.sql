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
-- distributed tables.  The states are kept per (user, platform), as the
-- README's "store the states, merge late events" pattern does: the rows
-- that arrived are aggregated per partition on the workers and merged into
-- the stored state with session_merge (an INSERT ... ON CONFLICT), and the
-- session rows of the partitions that changed are written again.  A refresh
-- thus costs the new events plus the whole history of the partitions they
-- touch (one state per session, as on one server, needs index probes and
-- ctid-addressed writes that Citus does not plan across shards).
------------------------------------------------------------------------------

-- The distribution column of a table distributed by hash with Citus, or NULL
-- (no Citus, or another kind of table).  Citus's catalog is read only when it
-- exists.
CREATE FUNCTION @extschema@.sessionize_distribution_column(src regclass) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    col text;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) '
            'FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1 AND p.partmethod = ''h'''
        INTO col USING src;
    RETURN col;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_distribution_column(regclass) IS
    'Internal: the distribution column of a table distributed by hash with Citus (NULL otherwise).';

-- Whether a session table's configuration is of a distributed one.
CREATE FUNCTION @extschema@.sessionize_is_distributed(cfg jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(cfg->>'layout' = 'distributed', false)
$$;
COMMENT ON FUNCTION @extschema@.sessionize_is_distributed(jsonb) IS
    'Internal: whether a session table is distributed with Citus (its configuration says so).';

-- Checks that a session table can be made over a distributed source, and
-- returns the configuration's additions: the layout and the type of the
-- user column (the session table's user_pseudo_id gets it, to be co-located).
CREATE FUNCTION @extschema@.sessionize_distributed_config(src regclass, cfg jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    dist text := @extschema@.sessionize_distribution_column(src);
BEGIN
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

-- The session table and the state table of a distributed session table:
-- created, distributed by user_pseudo_id and co-located with the source.
-- Citus requires a unique index to hold the distribution column, so the key
-- is (user_pseudo_id, session_id, platform), which a session id (made of
-- the user and the start) makes no weaker.
CREATE FUNCTION @extschema@.sessionize_create_distributed(session_table text, state_table text,
    src regclass, cfg jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE TABLE %s (%s)', session_table,
                              @extschema@.sessionize_columns_ddl(cfg->>'user_type'));
    EXECUTE pg_catalog.format($s$
        CREATE TABLE %s (user_pseudo_id %s NOT NULL, platform text, state %I.sessionstate NOT NULL,
                         added bigint NOT NULL, refreshed bigint NOT NULL)$s$,
        state_table, cfg->>'user_type', @extschema@.sessionize_schema());
    EXECUTE pg_catalog.format('SELECT pg_catalog.create_distributed_table(%L, %L, colocate_with => %L)',
                              session_table, 'user_pseudo_id', src::text);
    EXECUTE pg_catalog.format('SELECT pg_catalog.create_distributed_table(%L, %L, colocate_with => %L)',
                              state_table, 'user_pseudo_id', src::text);
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (user_pseudo_id, platform)', session_table);
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (session_date)', session_table);
    EXECUTE pg_catalog.format(
        'CREATE UNIQUE INDEX ON %s (user_pseudo_id, session_id, platform) NULLS NOT DISTINCT', session_table);
    -- the arbiter of the merge of new states (platform may be NULL)
    EXECUTE pg_catalog.format('CREATE UNIQUE INDEX ON %s (user_pseudo_id, platform) NULLS NOT DISTINCT', state_table);
    -- the partitions a refresh changed, whose session rows it writes again
    EXECUTE pg_catalog.format('CREATE INDEX ON %s (refreshed)', state_table);
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', state_table,
        'sessionize bookkeeping: the mergeable state of each (user_pseudo_id, platform), distributed with the source.');
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_create_distributed(text, text, regclass, jsonb) IS
    'Internal: creates the session table and state table of a distributed session table, co-located with its source.';

-- The statements of a refresh of a distributed session table, in order, as
-- (step, statement) rows; refresh number n, watermarks lo (NULL for a
-- rebuild) and hi, users marked for recomputation.  Each is run by Citus on
-- the workers (test/citus_checks.sql EXPLAINs them):
--   marked: users marked by rebuild_session_users(): their states and
--      session rows deleted, their states recomputed from the source (up to
--      the watermark hi);
--   arrived: the rows that arrived in (lo, hi], of the other users,
--      aggregated per (user, platform) and merged into the stored states;
--   stale: the session rows of the partitions changed by the above deleted;
--   rows: the session rows of those partitions written again.
-- A rebuild (lo NULL) deletes everything and aggregates the whole source
-- instead.  Every statement stamps the states it writes with this
-- refresh's number (refreshed), through which the last two find them.
CREATE FUNCTION @extschema@.sessionize_distributed_sql(session_table regclass, state_table text,
    src regclass, cfg jsonb, n bigint, lo timestamptz, hi timestamptz, users text[])
RETURNS TABLE (step text, statement text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- e.<user column> = ANY (<the marked users>): Citus prunes the shards
    marked text := pg_catalog.format('e.%I = ANY (%L::%s[])', cfg->>'user_column', users, cfg->>'user_type');
    pieces jsonb := pg_catalog.jsonb_build_object(
        'state', state_table, 'session', session_table::text, 'n', n,
        'ext', pg_catalog.quote_ident(@extschema@.sessionize_schema()),
        'agg', @extschema@.sessionize_agg_sql(cfg, (cfg->>'timeout')::interval),
        'input', @extschema@.sessionize_input_sql(src, cfg),
        -- (the source up to the watermark hi)
        'source', @extschema@.sessionize_ingest_source(src, cfg || pg_catalog.jsonb_build_object('ingest_watermark', hi)),
        'users', pg_catalog.format('%L::%s[]', users, cfg->>'user_type'),
        'columns', @extschema@.sessionize_columns_sql(cfg, 'computed', 'g.user_key'));
    merge_sql text := $s$
        INSERT INTO {state} AS t (user_pseudo_id, platform, state, added, refreshed)
        SELECT i.user_key, i.platform, {agg}, pg_catalog.count(*), {n}
        FROM (SELECT {input} FROM {source} e WHERE {filter}) i
        WHERE i.counted AND i.ts IS NOT NULL
        GROUP BY i.user_key, i.platform$s$;
BEGIN
    IF lo IS NULL THEN
        RETURN QUERY VALUES
            ('rebuild', @extschema@.sessionize_fill('DELETE FROM {state}', pieces)),
            ('rebuild', @extschema@.sessionize_fill('DELETE FROM {session}', pieces)),
            ('rebuild', @extschema@.sessionize_fill(merge_sql, pieces || '{"filter": "true"}'));
    ELSE
        IF users <> '{}' THEN
            RETURN QUERY VALUES
                ('marked', @extschema@.sessionize_fill('DELETE FROM {state} WHERE user_pseudo_id = ANY ({users})', pieces)),
                ('marked', @extschema@.sessionize_fill('DELETE FROM {session} WHERE user_pseudo_id = ANY ({users})', pieces)),
                ('marked', @extschema@.sessionize_fill(merge_sql, pieces || pg_catalog.jsonb_build_object('filter', marked)));
        END IF;
        RETURN QUERY VALUES
            ('arrived', @extschema@.sessionize_fill(merge_sql || $s$
                ON CONFLICT (user_pseudo_id, platform) DO UPDATE
                SET state = {ext}.session_merge(t.state, excluded.state), added = excluded.added,
                    refreshed = excluded.refreshed$s$,
                pieces || pg_catalog.jsonb_build_object('filter', pg_catalog.format(
                    'e.%1$I > %2$s AND e.%1$I <= %3$s AND NOT %4$s', cfg->>'ingest_column',
                    @extschema@.sessionize_ingest_value(src, cfg, lo),
                    @extschema@.sessionize_ingest_value(src, cfg, hi), marked)))),
            ('stale', @extschema@.sessionize_fill($s$
                DELETE FROM {session} s USING {state} g
                WHERE g.refreshed = {n} AND s.user_pseudo_id = g.user_pseudo_id
                  AND s.platform IS NOT DISTINCT FROM g.platform$s$, pieces));
    END IF;
    RETURN QUERY VALUES
        ('rows', @extschema@.sessionize_fill($s$
            INSERT INTO {session}
            SELECT {columns}
            FROM (SELECT t.user_pseudo_id AS user_key, t.user_pseudo_id::text AS user_pseudo_id,
                         t.platform, t.state
                  FROM {state} t WHERE t.refreshed = {n}) g
            CROSS JOIN LATERAL {ext}.sessions(g.state) s$s$, pieces));
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_distributed_sql(regclass, text, regclass, jsonb, bigint, timestamptz, timestamptz, text[]) IS
    'Internal: the statements of a refresh of a session table distributed with Citus, in order.';

-- A refresh of a distributed session table (refresh_session_table() calls
-- it under its locks, with the table's parts and configuration checked):
-- moves the watermark, consumes the marks, runs the statements above, and
-- returns the events processed (those that arrived, and all those of the
-- recomputed users).  Rows committed while it runs with an ingest value
-- within the watermark are read by at most one statement (those of a marked
-- user by its recomputation, the others by the merge of what arrived), so
-- 37_ingest.sql's guarantee holds as on one server.
CREATE FUNCTION @extschema@.sessionize_refresh_distributed(session_table regclass,
    state_table text, dirty_table text, config_table text, src regclass, cfg jsonb)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    lo timestamptz := (cfg->>'ingest_watermark')::timestamptz;
    hi timestamptz;
    n bigint;
    rebuild boolean;
    users text[];
    q record;
    processed bigint;
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
    END IF;
    FOR q IN SELECT * FROM @extschema@.sessionize_distributed_sql(session_table, state_table, src, cfg,
                                                                 n, lo, hi, users) LOOP
        EXECUTE q.statement;
    END LOOP;
    EXECUTE pg_catalog.format('SELECT coalesce(pg_catalog.sum(t.added), 0)::bigint FROM %s t WHERE t.refreshed = $1',
                              state_table) INTO processed USING n;
    IF lo IS NULL THEN
        -- plans on these tables need their real sizes
        EXECUTE pg_catalog.format('ANALYZE %s', state_table);
        EXECUTE pg_catalog.format('ANALYZE %s', session_table);
    END IF;
    EXECUTE pg_catalog.format('UPDATE %s SET config = config || pg_catalog.jsonb_build_object(%L, $1)',
                              config_table, 'ingest_watermark') USING hi;
    RETURN processed;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_refresh_distributed(regclass, text, text, text, regclass, jsonb) IS
    'Internal: the refresh of a session table distributed with Citus, run on the workers.';
