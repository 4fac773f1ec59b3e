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
CREATE FUNCTION @extschema@.sessionize_fill(template text, pieces jsonb) RETURNS text
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
CREATE FUNCTION @extschema@.sessionize_longest_suffix() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '_sessionize_truncate'::text
$$;
COMMENT ON FUNCTION @extschema@.sessionize_longest_suffix() IS
    'Internal: the longest suffix of an object name made from a session table''s.';

-- The names of the companion objects of a session table nsp.rel, each
-- checked to fit 63 bytes (sessionize_name).
CREATE FUNCTION @extschema@.sessionize_table_names(nsp name, rel name,
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
CREATE FUNCTION @extschema@.sessionize_capture_names(nsp name, rel name, op text,
    OUT trigger_name name, OUT function_name text)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT @extschema@.sessionize_name(rel, '_sessionize_' || op, @extschema@.sessionize_longest_suffix()),
           pg_catalog.format('%I.%I', nsp, @extschema@.sessionize_name(rel, '_capture_' || op, @extschema@.sessionize_longest_suffix()))
$$;
COMMENT ON FUNCTION @extschema@.sessionize_capture_names(name, name, text) IS
    'Internal: the capture trigger and function of one operation of a session table.';

-- Schema, name and bookkeeping tables of an existing relation (whether or
-- not it is a session table).
CREATE FUNCTION @extschema@.sessionize_parts(session_table regclass,
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
CREATE FUNCTION @extschema@.sessionize_session_parts(session_table regclass,
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
CREATE FUNCTION @extschema@.sessionize_column_types(src regclass, cfg jsonb) RETURNS jsonb
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
CREATE FUNCTION @extschema@.sessionize_check_column_types(src regclass, cfg jsonb) RETURNS void
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
CREATE FUNCTION @extschema@.sessionize_capture_guard(src regclass, cfg jsonb,
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
CREATE FUNCTION @extschema@.sessionize_check_source(src regclass) RETURNS void
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
CREATE FUNCTION @extschema@.sessionize_revoke_grants(kind text, obj text) RETURNS void
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
CREATE FUNCTION @extschema@.sessionize_make_unique_key(session_table regclass) RETURNS void
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
CREATE FUNCTION @extschema@.sessionize_make_delta_index(delta_table regclass) RETURNS void
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
CREATE FUNCTION @extschema@.sessionize_install_capture(session_table regclass, replace boolean DEFAULT false)
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
CREATE FUNCTION @extschema@.sessionize_comment_state(state_table text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('COMMENT ON TABLE %s IS %L', state_table,
        'sessionize bookkeeping: the mergeable state of each session, by (user_pseudo_id, platform) and start.');
END $$;
COMMENT ON FUNCTION @extschema@.sessionize_comment_state(text) IS
    'Internal: comments the state table of a session table.';

-- Whether the state table has this release's layout (one row per session;
-- releases before 0.2.0 kept one row per user and platform).
CREATE FUNCTION @extschema@.sessionize_state_is_current(state_table regclass) RETURNS boolean
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
CREATE FUNCTION @extschema@.sessionize_migrate_state(session_table regclass) RETURNS void
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
CREATE FUNCTION @extschema@.upgrade_session_table(session_table regclass) RETURNS void
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

CREATE FUNCTION @extschema@.sessionize_create_session_table(default_nsp name,
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

CREATE FUNCTION @extschema@.create_session_table(
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
