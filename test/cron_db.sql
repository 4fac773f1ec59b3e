-- make installcheck-cron: the database of the cron test (psql -v db=NAME,
-- the server's cron.database_name).  pg_cron's launcher stays connected to
-- it, so pg_regress could not drop and recreate it: it is created once, with
-- the settings pg_regress gives its databases, then reset (schema public and
-- the extensions anew) for each run, which uses it as it is (--use-existing).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT format('CREATE DATABASE %I TEMPLATE template0', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
\c :db
SET client_min_messages = warning;
SELECT format('ALTER DATABASE %I SET %s TO %L', current_database(), name, value)
FROM (VALUES ('lc_messages', 'C'), ('lc_monetary', 'C'), ('lc_numeric', 'C'),
             ('lc_time', 'C'), ('bytea_output', 'hex'),
             ('timezone_abbreviations', 'Default')) AS s(name, value) \gexec
DROP EXTENSION IF EXISTS pg_cron CASCADE;
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
CREATE EXTENSION sessionize;
