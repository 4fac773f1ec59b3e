
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
