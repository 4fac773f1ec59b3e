-- The storable session state and its aggregates
------------------------------------------------------------------------------

CREATE TYPE @extschema@.sessionstate;

CREATE FUNCTION @extschema@.sessionstate_in(cstring) RETURNS @extschema@.sessionstate
AS 'MODULE_PATHNAME', 'sessionize_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionstate_out(@extschema@.sessionstate) RETURNS cstring
AS 'MODULE_PATHNAME', 'sessionize_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionstate_recv(internal) RETURNS @extschema@.sessionstate
AS 'MODULE_PATHNAME', 'sessionize_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionstate_send(@extschema@.sessionstate) RETURNS bytea
AS 'MODULE_PATHNAME', 'sessionize_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.sessionstate (
    INPUT = @extschema@.sessionstate_in,
    OUTPUT = @extschema@.sessionstate_out,
    RECEIVE = @extschema@.sessionstate_recv,
    SEND = @extschema@.sessionstate_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.sessionstate IS
    'The sessions of one partition with their metrics, under one set of rules: built by session_agg, merged by session_merge, read by sessions(). Text form: hexadecimal.';

CREATE FUNCTION @extschema@.sessionize_state_from_bytea(bytea) RETURNS @extschema@.sessionstate
AS 'MODULE_PATHNAME', 'sessionize_state_from_bytea' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sessionize_state_from_bytea(bytea) IS
    'Cast support: validates bytes as a session state.';
CREATE CAST (bytea AS @extschema@.sessionstate)
    WITH FUNCTION @extschema@.sessionize_state_from_bytea(bytea);
CREATE CAST (@extschema@.sessionstate AS bytea) WITHOUT FUNCTION;

CREATE TYPE @extschema@.sessionrules AS (
    max_duration interval,
    day_boundary text,
    engaged_duration interval,
    engaged_views integer
);
COMMENT ON TYPE @extschema@.sessionrules IS
    'Session rules for session_agg beyond the timeout; build it with session_rules().';

CREATE FUNCTION @extschema@.session_rules(max_duration interval DEFAULT NULL,
    day_boundary text DEFAULT NULL,
    engaged_duration interval DEFAULT '10 seconds',
    engaged_views integer DEFAULT 2)
RETURNS @extschema@.sessionrules
AS 'MODULE_PATHNAME', 'sessionize_rules' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_rules(interval, text, interval, integer) IS
    'Rules for session_agg: maximum session length, time zone whose midnight splits sessions, and the engaged-session thresholds (duration greater than engaged_duration, or at least engaged_views views).';

-- transition, combine, serialize, deserialize and final functions
CREATE FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamptz, interval, text, bigint)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamptz, interval, text, bigint,
    text, @extschema@.sessionrules)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamptz, interval, text, bigint,
    text, @extschema@.sessionrules, text, boolean)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamp, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamp, interval, text, bigint)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamp, interval, text, bigint,
    text, @extschema@.sessionrules)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_transfn(internal, timestamp, interval, text, bigint,
    text, @extschema@.sessionrules, text, boolean)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_merge_transfn(internal, @extschema@.sessionstate)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_merge_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_merge_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_merge_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'sessionize_agg_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_agg_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_agg_finalfn(internal)
RETURNS @extschema@.sessionstate AS 'MODULE_PATHNAME', 'sessionize_agg_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

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

CREATE AGGREGATE @extschema@.session_agg(ts timestamptz, timeout interval) (
    SFUNC = @extschema@.sessionize_agg_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_agg_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_agg(timestamptz, interval) IS
    'Sessions of the aggregated events (one partition) under an inactivity timeout, as a mergeable sessionstate.';

CREATE AGGREGATE @extschema@.session_agg(ts timestamptz, timeout interval,
    view_name text, engagement_ms bigint) (
    SFUNC = @extschema@.sessionize_agg_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_agg_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_agg(timestamptz, interval, text, bigint) IS
    'Sessions with view and engagement metrics: a non-NULL view_name marks a page/screen view; NULL engagement_ms counts as 0.';

CREATE AGGREGATE @extschema@.session_agg(ts timestamptz, timeout interval,
    view_name text, engagement_ms bigint, event_id text, rules @extschema@.sessionrules) (
    SFUNC = @extschema@.sessionize_agg_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_agg_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_agg(timestamptz, interval, text, bigint, text, @extschema@.sessionrules) IS
    'Sessions under session_rules() (max_duration, day_boundary, engaged thresholds); event_id breaks ties of equal timestamps for entry and exit views.';

CREATE AGGREGATE @extschema@.session_agg(ts timestamptz, timeout interval,
    view_name text, engagement_ms bigint, event_id text, rules @extschema@.sessionrules,
    split_key text, start_event boolean) (
    SFUNC = @extschema@.sessionize_agg_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_agg_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_agg(timestamptz, interval, text, bigint, text, @extschema@.sessionrules, text, boolean) IS
    'Sessions under every rule: also a new session when split_key changes or on a start_event. Keeps the events (memory grows with them).';

CREATE AGGREGATE @extschema@.session_agg(ts timestamp, timeout interval) (
    SFUNC = @extschema@.sessionize_agg_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_agg_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_agg(timestamp, interval) IS
    'Sessions of the aggregated events (one partition) under an inactivity timeout, as a mergeable sessionstate. Timestamp without time zone is read as UTC.';

CREATE AGGREGATE @extschema@.session_agg(ts timestamp, timeout interval,
    view_name text, engagement_ms bigint) (
    SFUNC = @extschema@.sessionize_agg_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_agg_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_agg(timestamp, interval, text, bigint) IS
    'Sessions with view and engagement metrics: a non-NULL view_name marks a page/screen view; NULL engagement_ms counts as 0. Timestamp without time zone is read as UTC.';

CREATE AGGREGATE @extschema@.session_agg(ts timestamp, timeout interval,
    view_name text, engagement_ms bigint, event_id text, rules @extschema@.sessionrules) (
    SFUNC = @extschema@.sessionize_agg_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_agg_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_agg(timestamp, interval, text, bigint, text, @extschema@.sessionrules) IS
    'Sessions under session_rules() (max_duration, day_boundary, engaged thresholds); event_id breaks ties of equal timestamps for entry and exit views. Timestamp without time zone is read as UTC.';

CREATE AGGREGATE @extschema@.session_agg(ts timestamp, timeout interval,
    view_name text, engagement_ms bigint, event_id text, rules @extschema@.sessionrules,
    split_key text, start_event boolean) (
    SFUNC = @extschema@.sessionize_agg_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_agg_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_agg(timestamp, interval, text, bigint, text, @extschema@.sessionrules, text, boolean) IS
    'Sessions under every rule: also a new session when split_key changes or on a start_event. Keeps the events (memory grows with them). Timestamp without time zone is read as UTC.';

CREATE AGGREGATE @extschema@.session_merge(state @extschema@.sessionstate) (
    SFUNC = @extschema@.sessionize_merge_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.sessionize_agg_finalfn,
    COMBINEFUNC = @extschema@.sessionize_merge_combinefn,
    SERIALFUNC = @extschema@.sessionize_agg_serialfn,
    DESERIALFUNC = @extschema@.sessionize_agg_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.session_merge(@extschema@.sessionstate) IS
    'Merge session states of one partition: the sessions of the union of their events (late events extend or bridge sessions).';

CREATE FUNCTION @extschema@.session_merge(a @extschema@.sessionstate, b @extschema@.sessionstate)
RETURNS @extschema@.sessionstate AS 'MODULE_PATHNAME', 'sessionize_merge2'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_merge(@extschema@.sessionstate, @extschema@.sessionstate) IS
    'The sessions of the union of both states'' events; NULL on one side returns the other.';

CREATE FUNCTION @extschema@.sessions(state @extschema@.sessionstate,
    OUT session_number bigint, OUT session_start timestamptz, OUT session_end timestamptz,
    OUT duration_ms bigint, OUT events bigint, OUT views bigint, OUT engagement_ms bigint,
    OUT entry_view text, OUT exit_view text, OUT engaged boolean, OUT split_reason text)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'sessionize_sessions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.sessions(@extschema@.sessionstate) IS
    'One row per session of the state, in start order, with its metrics (docs/semantics.md, Metrics).';

-- One state per session of a state: what a session table stores for each
-- session after merging new events into a partition's sessions (value per
-- call; src/session_split.c).
CREATE FUNCTION @extschema@.session_split(state @extschema@.sessionstate,
    OUT session_start timestamptz, OUT session_end timestamptz, OUT events bigint,
    OUT state @extschema@.sessionstate)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'sessionize_session_split'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.session_split(@extschema@.sessionstate) IS
    'One row per session of the state, in start order: its start, end, event count, and a state holding that session alone (under the same rules).';

CREATE FUNCTION @extschema@.session_count(state @extschema@.sessionstate) RETURNS bigint
AS 'MODULE_PATHNAME', 'sessionize_session_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_count(@extschema@.sessionstate) IS
    'Number of sessions in the state.';

CREATE FUNCTION @extschema@.session_event_count(state @extschema@.sessionstate) RETURNS bigint
AS 'MODULE_PATHNAME', 'sessionize_session_event_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_event_count(@extschema@.sessionstate) IS
    'Number of counted events in the state.';

------------------------------------------------------------------------------
