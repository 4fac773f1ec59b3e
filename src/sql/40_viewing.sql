
------------------------------------------------------------------------------
-- Viewing time from player heartbeats (live sessions, webinars)
--
-- A heartbeat at ts covers [ts, ts + heartbeat).  Viewing time is the union
-- of the covered time, engaged time the union covered by engaged heartbeats:
-- duplicated and jittered heartbeats never count twice.
------------------------------------------------------------------------------

CREATE TYPE @extschema@.viewingstate;

CREATE FUNCTION @extschema@.viewingstate_in(cstring) RETURNS @extschema@.viewingstate
AS 'MODULE_PATHNAME', 'sessionize_viewing_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.viewingstate_out(@extschema@.viewingstate) RETURNS cstring
AS 'MODULE_PATHNAME', 'sessionize_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.viewingstate_recv(internal) RETURNS @extschema@.viewingstate
AS 'MODULE_PATHNAME', 'sessionize_viewing_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.viewingstate_send(@extschema@.viewingstate) RETURNS bytea
AS 'MODULE_PATHNAME', 'sessionize_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.viewingstate (
    INPUT = @extschema@.viewingstate_in,
    OUTPUT = @extschema@.viewingstate_out,
    RECEIVE = @extschema@.viewingstate_recv,
    SEND = @extschema@.viewingstate_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.viewingstate IS
    'The time covered by one viewer''s heartbeats, and the part covered by engaged heartbeats, as sorted disjoint spans: built by viewing_agg, merged by viewing_merge. Text form: hexadecimal.';
COMMENT ON FUNCTION @extschema@.viewingstate_in(cstring) IS 'viewingstate text input (hexadecimal), validated.';
COMMENT ON FUNCTION @extschema@.viewingstate_out(@extschema@.viewingstate) IS 'viewingstate text output (hexadecimal).';
COMMENT ON FUNCTION @extschema@.viewingstate_recv(internal) IS 'viewingstate binary input, validated.';
COMMENT ON FUNCTION @extschema@.viewingstate_send(@extschema@.viewingstate) IS 'viewingstate binary output.';

CREATE FUNCTION @extschema@.sessionize_viewing_from_bytea(bytea) RETURNS @extschema@.viewingstate
AS 'MODULE_PATHNAME', 'sessionize_viewing_from_bytea' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sessionize_viewing_from_bytea(bytea) IS
    'Cast support: validates bytes as a viewing state.';
CREATE CAST (bytea AS @extschema@.viewingstate)
    WITH FUNCTION @extschema@.sessionize_viewing_from_bytea(bytea);
CREATE CAST (@extschema@.viewingstate AS bytea) WITHOUT FUNCTION;

CREATE FUNCTION @extschema@.sessionize_viewing_transfn(internal, timestamptz, interval, boolean)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_viewing_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_viewing_transfn(internal, timestamp, interval, boolean)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_viewing_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_viewing_merge_transfn(internal, @extschema@.viewingstate)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_viewing_merge_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_viewing_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_viewing_combinefn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_viewing_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'sessionize_viewing_serialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_viewing_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'sessionize_viewing_deserialfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sessionize_viewing_finalfn(internal)
RETURNS @extschema@.viewingstate AS 'MODULE_PATHNAME', 'sessionize_viewing_finalfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sessionize_viewing_transfn(internal, timestamptz, interval, boolean) IS 'viewing_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_transfn(internal, timestamp, interval, boolean) IS 'viewing_agg support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_merge_transfn(internal, @extschema@.viewingstate) IS 'viewing_merge support: transition function.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_combinefn(internal, internal) IS 'viewing_agg and viewing_merge support: combines partial states of parallel workers.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_serialfn(internal) IS 'viewing_agg and viewing_merge support: state to bytes for parallel workers.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_deserialfn(bytea, internal) IS 'viewing_agg and viewing_merge support: bytes to state, validated.';
COMMENT ON FUNCTION @extschema@.sessionize_viewing_finalfn(internal) IS 'viewing_agg and viewing_merge support: the storable viewingstate.';

CREATE AGGREGATE @extschema@.viewing_agg(ts timestamptz, heartbeat interval, engaged boolean) (
    SFUNC = @extschema@.sessionize_viewing_transfn, STYPE = internal, SSPACE = 64,
    FINALFUNC = @extschema@.sessionize_viewing_finalfn,
    COMBINEFUNC = @extschema@.sessionize_viewing_combinefn,
    SERIALFUNC = @extschema@.sessionize_viewing_serialfn,
    DESERIALFUNC = @extschema@.sessionize_viewing_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.viewing_agg(timestamptz, interval, boolean) IS
    'Viewing time of heartbeats: each covers [ts, ts + heartbeat); the union of covered time, and the union covered by engaged heartbeats (NULL engaged counts as not engaged). NULL ts skips the row.';

CREATE AGGREGATE @extschema@.viewing_agg(ts timestamp, heartbeat interval, engaged boolean) (
    SFUNC = @extschema@.sessionize_viewing_transfn, STYPE = internal, SSPACE = 64,
    FINALFUNC = @extschema@.sessionize_viewing_finalfn,
    COMBINEFUNC = @extschema@.sessionize_viewing_combinefn,
    SERIALFUNC = @extschema@.sessionize_viewing_serialfn,
    DESERIALFUNC = @extschema@.sessionize_viewing_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.viewing_agg(timestamp, interval, boolean) IS
    'Viewing time of heartbeats; timestamp without time zone is read as UTC.';

CREATE AGGREGATE @extschema@.viewing_merge(state @extschema@.viewingstate) (
    SFUNC = @extschema@.sessionize_viewing_merge_transfn, STYPE = internal, SSPACE = 64,
    FINALFUNC = @extschema@.sessionize_viewing_finalfn,
    COMBINEFUNC = @extschema@.sessionize_viewing_combinefn,
    SERIALFUNC = @extschema@.sessionize_viewing_serialfn,
    DESERIALFUNC = @extschema@.sessionize_viewing_deserialfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.viewing_merge(@extschema@.viewingstate) IS
    'Merge viewing states: the viewing time of the union of their heartbeats.';

CREATE FUNCTION @extschema@.viewing_merge(a @extschema@.viewingstate, b @extschema@.viewingstate)
RETURNS @extschema@.viewingstate AS 'MODULE_PATHNAME', 'sessionize_viewing_merge2'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.viewing_merge(@extschema@.viewingstate, @extschema@.viewingstate) IS
    'The viewing time of the union of both states'' heartbeats; NULL on one side returns the other.';

CREATE FUNCTION @extschema@.viewing_seconds(state @extschema@.viewingstate) RETURNS double precision
AS 'MODULE_PATHNAME', 'sessionize_viewing_seconds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.viewing_seconds(@extschema@.viewingstate) IS
    'Seconds of viewing time: the measure of the union of the heartbeats'' spans.';

CREATE FUNCTION @extschema@.engaged_seconds(state @extschema@.viewingstate) RETURNS double precision
AS 'MODULE_PATHNAME', 'sessionize_engaged_seconds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.engaged_seconds(@extschema@.viewingstate) IS
    'Seconds of engaged time: the measure of the union of the engaged heartbeats'' spans.';

CREATE FUNCTION @extschema@.viewing_start(state @extschema@.viewingstate) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'sessionize_viewing_start' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.viewing_start(@extschema@.viewingstate) IS
    'First instant of viewing time (the earliest heartbeat).';

CREATE FUNCTION @extschema@.viewing_end(state @extschema@.viewingstate) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'sessionize_viewing_end' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.viewing_end(@extschema@.viewingstate) IS
    'End of viewing time: the latest heartbeat plus its period.';

CREATE FUNCTION @extschema@.viewing_buckets(state @extschema@.viewingstate,
    origin timestamptz, bucket interval,
    OUT bucket_start timestamptz, OUT viewed_seconds double precision,
    OUT engaged_seconds double precision)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'sessionize_viewing_buckets'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 60;
COMMENT ON FUNCTION @extschema@.viewing_buckets(@extschema@.viewingstate, timestamptz, interval) IS
    'Viewing and engaged seconds per time bucket of the given width, aligned on origin as date_bin() aligns; only buckets with viewing time, in time order.';
