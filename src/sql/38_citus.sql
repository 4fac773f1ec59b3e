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
CREATE FUNCTION @extschema@.sessionize_is_distributed(cfg jsonb) RETURNS boolean
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
CREATE FUNCTION @extschema@.sessionize_distributed_config(src regclass, cfg jsonb) RETURNS jsonb
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
CREATE FUNCTION @extschema@.sessionize_create_distributed(session_table text, state_table text,
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
CREATE FUNCTION @extschema@.sessionize_distributed_sql(session_table regclass, state_table text,
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
CREATE FUNCTION @extschema@.sessionize_refresh_distributed(session_table regclass,
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
