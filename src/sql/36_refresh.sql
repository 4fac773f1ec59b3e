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
CREATE FUNCTION @extschema@.sessionize_session_table(session_table regclass, checks boolean DEFAULT true,
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
CREATE FUNCTION @extschema@.sessionize_made_by(session_table regclass) RETURNS text
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
CREATE FUNCTION @extschema@.sessionize_key_sql(user_expr text, platform_expr text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format(
        '(pg_catalog.hashtextextended(coalesce(%s, '''') COLLATE "C", 0) '
        'OPERATOR(pg_catalog.#) pg_catalog.hashtextextended(coalesce(%s, '''') COLLATE "C", 1))',
        user_expr, platform_expr)
$$;
COMMENT ON FUNCTION @extschema@.sessionize_key_sql(text, text) IS
    'Internal: the expression of the key of a partition in a session table''s state table.';

CREATE FUNCTION @extschema@.sessionize_key_check() RETURNS text
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
CREATE FUNCTION @extschema@.sessionize_interval_sql(i interval) RETURNS text
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
CREATE FUNCTION @extschema@.sessionize_refresh_sql(pieces jsonb, with_dirty boolean) RETURNS text
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
CREATE FUNCTION @extschema@.sessionize_refresh_local(session_table regclass,
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

CREATE FUNCTION @extschema@.refresh_session_table(session_table regclass)
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
