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
-- then build from part of the source).
CREATE FUNCTION @extschema@.sessionize_session_table(session_table regclass,
    OUT nsp name, OUT rel name, OUT state_table text, OUT delta_table text,
    OUT dirty_table text, OUT config_table text, OUT src regclass, OUT cfg jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    now_types jsonb;
    k text;
BEGIN
    SELECT p.* INTO nsp, rel, state_table, delta_table, dirty_table, config_table
    FROM @extschema@.sessionize_parts(session_table) p;
    IF nsp IS NULL OR pg_catalog.to_regclass(config_table) IS NULL THEN
        RAISE EXCEPTION '% is not a session table', session_table
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create one with create_session_table().';
    END IF;
    SELECT c.relname INTO k FROM pg_catalog.pg_class c
    WHERE c.oid IN (session_table, pg_catalog.to_regclass(state_table), pg_catalog.to_regclass(delta_table),
                    pg_catalog.to_regclass(dirty_table), pg_catalog.to_regclass(config_table))
      AND c.relowner <> (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)
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
    PERFORM @extschema@.sessionize_check_source(src);
    SELECT pg_catalog.string_agg(n.trigger_name, ', ') INTO k
    FROM pg_catalog.unnest(ARRAY['insert', 'update', 'delete', 'truncate']) o(op)
    CROSS JOIN LATERAL @extschema@.sessionize_capture_names(nsp, rel, o.op) n
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
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
    IF pg_catalog.row_security_active(src) THEN
        RAISE EXCEPTION 'row-level security hides rows of % from role %', src, CURRENT_USER
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'A refresh must read every row of the source, or the session table would silently lose sessions.',
                  HINT = 'Refresh as the owner of the source or a role with BYPASSRLS; put policies on the session table itself.';
    END IF;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_session_table(regclass) IS
    'Internal: the bookkeeping, source and configuration of a session table, checked for a refresh.';

-- The sessionize version recorded in a session table's configuration (NULL
-- for one made by 0.1.0, which recorded none).
CREATE FUNCTION @extschema@.sessionize_made_by(session_table regclass) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record;
    v text;
BEGIN
    SELECT * INTO p FROM @extschema@.sessionize_parts(session_table);
    IF p.nsp IS NULL OR pg_catalog.to_regclass(p.config_table) IS NULL THEN
        RAISE EXCEPTION '% is not a session table', session_table
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create one with create_session_table().';
    END IF;
    EXECUTE pg_catalog.format('SELECT config->>%L FROM %s', 'version', p.config_table) INTO v;
    RETURN v;
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_made_by(regclass) IS
    'Internal: the sessionize version that made a session table (NULL: 0.1.0).';

CREATE FUNCTION @extschema@.refresh_session_table(session_table regclass)
RETURNS bigint LANGUAGE plpgsql
-- JIT compiles every statement whose estimated cost is high, which a
-- refresh's statements easily are while processing a handful of events.
SET jit = off
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t record;
    pieces jsonb;
    rebuild boolean;
    processed bigint;
BEGIN
    -- a session table made by 0.1.0 (its configuration has no version) is
    -- first made as this release makes it (guarded capture functions)
    IF @extschema@.sessionize_made_by(session_table) IS NULL THEN
        RAISE NOTICE 'session table % was made by sessionize 0.1.0: upgrading it first', session_table;
        PERFORM @extschema@.upgrade_session_table(session_table);
    END IF;
    SELECT * INTO t FROM @extschema@.sessionize_session_table(session_table);
    -- one refresh at a time per table; readers are not blocked
    EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.state_table);
    -- read again under the lock
    SELECT * INTO t FROM @extschema@.sessionize_session_table(session_table);

    pieces := pg_catalog.jsonb_build_object(
        'session', session_table::text, 'state', t.state_table,
        'delta', t.delta_table, 'dirty', t.dirty_table, 'source', t.src::text,
        'ext', pg_catalog.quote_ident(@extschema@.sessionize_schema()),
        'agg', @extschema@.sessionize_agg_sql(t.cfg, (t.cfg->>'timeout')::interval),
        'input', @extschema@.sessionize_input_sql(t.src, t.cfg),
        'user_column', pg_catalog.quote_ident(t.cfg->>'user_column'),
        'timeout', pg_catalog.quote_literal(t.cfg->>'timeout') || '::interval',
        'columns', @extschema@.sessionize_columns_sql(t.cfg),
        'windows', 'pg_temp.sessionize_refresh_windows');

    -- the session rows to replace, and the states to read the new ones
    -- from, pass from the statement that consumes the captured changes to
    -- the two that delete and insert session rows (in that order, so that a
    -- unique key on the session table holds at every step)
    -- (made anew at every refresh: a table of that name made earlier in the
    -- session could carry triggers of whoever made it)
    IF pg_catalog.to_regclass('pg_temp.sessionize_refresh_windows') IS NOT NULL THEN
        DROP TABLE pg_temp.sessionize_refresh_windows;
    END IF;
    EXECUTE @extschema@.sessionize_fill($s$
        CREATE TEMP TABLE sessionize_refresh_windows (
            user_pseudo_id text, platform text, del boolean NOT NULL,
            lo bigint, hi bigint, lo_ts timestamptz, hi_ts timestamptz,
            state {ext}.sessionstate) ON COMMIT DROP$s$, pieces);

    -- merge the new events into the stored states and recompute the
    -- partitions with updated or deleted events from the source.  One
    -- statement, so one snapshot: the captured events and marks it consumes
    -- are exactly those it reads, and the rebuild marks it checks first
    -- (guard) are those of that snapshot.  The stored states of the touched
    -- partitions are found key by key (LATERAL with LIMIT), since they are
    -- few, whatever the statistics of fresh tables say.
    EXECUTE @extschema@.sessionize_fill($s$
        WITH guard AS (
            -- a TRUNCATE's mark, or events without a user (matched by IS
            -- NOT DISTINCT FROM, which no index helps), ask for a rebuild:
            -- then nothing below reads or consumes anything
            SELECT EXISTS (SELECT 1 FROM {dirty} WHERE everything OR user_pseudo_id IS NULL)
                   OR EXISTS (SELECT 1 FROM {delta} WHERE user_pseudo_id IS NULL) AS rebuild),
        consumed AS (DELETE FROM {delta} WHERE NOT (SELECT rebuild FROM guard)),
        dirty AS (DELETE FROM {dirty} WHERE NOT (SELECT rebuild FROM guard)
                  RETURNING user_pseudo_id, platform),
        dirty_keys AS (SELECT DISTINCT user_pseudo_id, platform FROM dirty),
        recomputed AS (
            SELECT i.user_pseudo_id, i.platform, {agg} FILTER (WHERE i.counted) AS state,
                   pg_catalog.max(i.ts) FILTER (WHERE i.counted) AS last_event
            FROM (SELECT {input} FROM {source} e
                  WHERE e.{user_column}::text IN (SELECT user_pseudo_id FROM dirty_keys)) i
            WHERE i.ts IS NOT NULL
              AND EXISTS (SELECT 1 FROM dirty_keys k
                          WHERE k.user_pseudo_id = i.user_pseudo_id
                            AND k.platform IS NOT DISTINCT FROM i.platform)
            GROUP BY i.user_pseudo_id, i.platform),
        -- the captured events (those the DELETE above consumes: same
        -- snapshot) of partitions not recomputed
        added AS (
            SELECT i.user_pseudo_id, i.platform, {agg} AS state, pg_catalog.count(*) AS n,
                   pg_catalog.min(i.ts) AS first_event, pg_catalog.max(i.ts) AS last_event
            FROM {delta} i
            WHERE NOT (SELECT rebuild FROM guard)
              AND NOT EXISTS (SELECT 1 FROM dirty_keys k
                              WHERE k.user_pseudo_id = i.user_pseudo_id
                                AND k.platform IS NOT DISTINCT FROM i.platform)
            GROUP BY i.user_pseudo_id, i.platform),
        -- the window of time the new events can change: a session that
        -- ends more than the timeout before the first new event, or starts
        -- more than the timeout after the last one, stays as it is (NULL:
        -- no bound, where the time would be out of range)
        windows AS (
            SELECT a.*,
                   CASE WHEN EXTRACT(epoch FROM a.first_event) - EXTRACT(epoch FROM {timeout}) > -210000000000
                        THEN a.first_event - {timeout} END AS since,
                   CASE WHEN EXTRACT(epoch FROM a.last_event) + EXTRACT(epoch FROM {timeout}) < 9200000000000
                        THEN a.last_event + {timeout} END AS until
            FROM added a),
        -- merged with the stored state.  The session rows to replace are
        -- those with session_start_timestamp + session_duration >= lo and
        -- session_start_timestamp <= hi: the window in the unit of these
        -- columns (whole ms, rounded down: 1 ms of margin); lo_ts and hi_ts,
        -- a second wider, are a cheap first test on the sessions of the
        -- state.  The table has such rows of the user only if the stored
        -- last event is at or after lo_ts (has_rows).  If it has none, the
        -- new events are more than the timeout after every stored event:
        -- the sessions in the window are those of the new events alone
        -- (added_state, smaller to read out).
        merged AS (
            SELECT a.user_pseudo_id, a.platform, a.n, s.tid,
                   pg_catalog.floor(EXTRACT(epoch FROM a.since) * 1000)::bigint - 1 AS lo,
                   pg_catalog.floor(EXTRACT(epoch FROM a.until) * 1000)::bigint + 1 AS hi,
                   a.since - interval '1 second' AS lo_ts,
                   a.until + interval '1 second' AS hi_ts,
                   s.tid IS NOT NULL AND (a.since IS NULL OR s.last_event >= a.since - interval '1 second') AS has_rows,
                   GREATEST(s.last_event, a.last_event) AS last_event,
                   a.state AS added_state,
                   {ext}.session_merge(s.state, a.state) AS state
            FROM windows a
            LEFT JOIN LATERAL (
                SELECT s.ctid AS tid, s.state, s.last_event FROM {state} s
                WHERE s.pkey = ROW(a.user_pseudo_id, a.platform)::text LIMIT 1) s ON true),
        updated AS (
            UPDATE {state} s SET state = m.state, last_event = m.last_event
            FROM merged m WHERE s.ctid = m.tid),
        inserted AS (
            INSERT INTO {state} AS s (pkey, user_pseudo_id, platform, state, last_event)
            SELECT ROW(m.user_pseudo_id, m.platform)::text, m.user_pseudo_id, m.platform, m.state, m.last_event
            FROM merged m WHERE m.tid IS NULL
            UNION ALL
            SELECT ROW(r.user_pseudo_id, r.platform)::text, r.user_pseudo_id, r.platform, r.state, r.last_event
            FROM recomputed r WHERE r.state IS NOT NULL
            ON CONFLICT (pkey) DO UPDATE SET state = EXCLUDED.state, last_event = EXCLUDED.last_event),
        vanished AS (
            DELETE FROM {state} s USING dirty_keys k
            WHERE s.pkey = ROW(k.user_pseudo_id, k.platform)::text
              AND NOT EXISTS (SELECT 1 FROM recomputed r
                              WHERE r.state IS NOT NULL
                                AND r.user_pseudo_id = k.user_pseudo_id
                                AND r.platform IS NOT DISTINCT FROM k.platform)),
        -- for the next statements: the rows to delete (del: in the window
        -- [lo, hi] for merged users, all for recomputed ones) and the state
        -- whose sessions in that window are the new rows
        staged AS (
            INSERT INTO {windows}
            SELECT m.user_pseudo_id, m.platform, m.has_rows,
                   CASE WHEN m.has_rows THEN m.lo END, CASE WHEN m.has_rows THEN m.hi END,
                   CASE WHEN m.has_rows THEN m.lo_ts END, CASE WHEN m.has_rows THEN m.hi_ts END,
                   CASE WHEN m.has_rows THEN m.state ELSE m.added_state END
            FROM merged m
            UNION ALL
            SELECT k.user_pseudo_id, k.platform, true, NULL, NULL, NULL, NULL, r.state
            FROM dirty_keys k
            LEFT JOIN recomputed r ON r.user_pseudo_id = k.user_pseudo_id
                                  AND r.platform IS NOT DISTINCT FROM k.platform)
        SELECT (SELECT rebuild FROM guard),
               coalesce((SELECT pg_catalog.sum(m.n) FROM merged m), 0)
               + coalesce((SELECT pg_catalog.sum({ext}.session_event_count(r.state)) FROM recomputed r), 0)$s$,
        pieces) INTO rebuild, processed;

    IF NOT rebuild THEN
        -- the session rows of the staged windows, found through the index
        -- on (user_pseudo_id, platform) whatever the planner thinks of a
        -- fresh temporary table
        EXECUTE @extschema@.sessionize_fill($s$
            DELETE FROM {session} t
            WHERE t.ctid = ANY (ARRAY(
                SELECT x.tid FROM {windows} k
                CROSS JOIN LATERAL (
                    SELECT t.ctid AS tid FROM {session} t
                    WHERE t.user_pseudo_id = k.user_pseudo_id
                      AND t.platform IS NOT DISTINCT FROM k.platform
                      AND (k.lo IS NULL OR t.session_start_timestamp + t.session_duration >= k.lo)
                      AND (k.hi IS NULL OR t.session_start_timestamp <= k.hi)
                    OFFSET 0) x
                WHERE k.del))$s$, pieces);
        EXECUTE @extschema@.sessionize_fill($s$
            INSERT INTO {session}
            SELECT {columns}
            FROM {windows} g CROSS JOIN LATERAL {ext}.sessions(g.state) s
            WHERE (g.lo IS NULL
                   OR (s.session_end > g.lo_ts
                       AND pg_catalog.floor(EXTRACT(epoch FROM s.session_start) * 1000)::bigint + s.duration_ms >= g.lo))
              AND (g.hi IS NULL
                   OR (s.session_start < g.hi_ts
                       AND pg_catalog.floor(EXTRACT(epoch FROM s.session_start) * 1000)::bigint <= g.hi))$s$,
            pieces);
    ELSE
        -- rebuild from the source.  The states go first (the lock keeps
        -- other refreshes out); then one statement, so one snapshot: the
        -- captured events and marks it consumes are exactly those whose
        -- source rows it reads.
        EXECUTE @extschema@.sessionize_fill('DELETE FROM {state}', pieces);
        EXECUTE @extschema@.sessionize_fill($s$
            WITH consumed AS (DELETE FROM {delta}), marks AS (DELETE FROM {dirty}),
            ins AS (
                INSERT INTO {state} (pkey, user_pseudo_id, platform, state, last_event)
                SELECT ROW(g.user_pseudo_id, g.platform)::text, g.user_pseudo_id, g.platform, g.state, g.last_event
                FROM (SELECT i.user_pseudo_id, i.platform, {agg} FILTER (WHERE i.counted) AS state,
                             pg_catalog.max(i.ts) FILTER (WHERE i.counted) AS last_event
                      FROM (SELECT {input} FROM {source} e) i
                      WHERE i.ts IS NOT NULL
                      GROUP BY i.user_pseudo_id, i.platform) g
                WHERE g.state IS NOT NULL
                RETURNING state)
            SELECT coalesce(pg_catalog.sum({ext}.session_event_count(state)), 0)::bigint FROM ins$s$,
            pieces) INTO processed;
        EXECUTE @extschema@.sessionize_fill('DELETE FROM {session}', pieces);
        EXECUTE @extschema@.sessionize_fill(
            'INSERT INTO {session} SELECT {columns} FROM {state} g CROSS JOIN LATERAL {ext}.sessions(g.state) s',
            pieces);
        -- plans of later refreshes need the tables' real sizes
        EXECUTE @extschema@.sessionize_fill('ANALYZE {state}', pieces);
        EXECUTE @extschema@.sessionize_fill('ANALYZE {session}', pieces);
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
CREATE FUNCTION @extschema@.sessionize_drop_session_table(session_table regclass,
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
        IF src IS NOT NULL THEN
            EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', c.trigger_name, src);
        END IF;
        EXECUTE pg_catalog.format('DROP FUNCTION IF EXISTS %s()', c.function_name);
    END LOOP;
    EXECUTE pg_catalog.format('DROP TABLE IF EXISTS %I.%I, %s, %s, %s, %s CASCADE', q.nsp, q.rel,
        n.state_table, n.delta_table, n.dirty_table, n.config_table);
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_drop_session_table(regclass, text, name) IS
    'Internal: drops a session table and everything made with it.';

CREATE FUNCTION @extschema@.drop_session_table(session_table regclass)
RETURNS void LANGUAGE sql AS $$
    SELECT @extschema@.sessionize_drop_session_table(session_table, NULL, NULL)
$$;
COMMENT ON FUNCTION @extschema@.drop_session_table(regclass) IS
    'Drops a session table with its dashboards, bookkeeping tables and the capture triggers on its source.';

-- By name: also cleans up after a DROP TABLE of the session table, or of its
-- source.  A name resolves against the caller's search_path.
CREATE FUNCTION @extschema@.drop_session_table(session_table text)
RETURNS void LANGUAGE sql AS $$
    SELECT @extschema@.sessionize_drop_session_table(pg_catalog.to_regclass(session_table),
                                                     session_table, pg_catalog.current_schema())
$$;
COMMENT ON FUNCTION @extschema@.drop_session_table(text) IS
    'Drops a session table by name with everything made with it; works when the table or its source was already dropped.';
