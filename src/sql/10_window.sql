-- sessionize 0.1.0: sessionization of clickstream events.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION sessionize" to load this file. \quit

------------------------------------------------------------------------------
-- Session window functions
--
--   f(ts, timeout [, max_duration, day_boundary, split_key, start_event, counted])
--     OVER (PARTITION BY user ORDER BY ts [, tiebreak])
--
-- Rules (docs/semantics.md, Rules), in precedence order: timeout (a gap greater
-- than the timeout; a gap equal to it stays in the session), max_duration,
-- day (local midnight in the day_boundary time zone), key (split_key IS
-- DISTINCT FROM the previous counted event's), start_event.  counted = false
-- or NULL excludes an event (it gets NULL and takes no part in the rules).
-- One overload per timestamp kind: timestamptz, timestamp (read as UTC) and
-- bigint epoch milliseconds.
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.session_number(ts timestamptz, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS bigint
AS 'MODULE_PATHNAME', 'sessionize_session_number_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_number(timestamptz, interval, interval, text, text, boolean, boolean) IS
    'Session number (1, 2, 3 ...) of each event within its window partition; NULL for excluded events and NULL timestamps.';

CREATE FUNCTION @extschema@.session_number(ts timestamp, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS bigint
AS 'MODULE_PATHNAME', 'sessionize_session_number_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_number(timestamp, interval, interval, text, text, boolean, boolean) IS
    'Session number (1, 2, 3 ...) of each event within its window partition; NULL for excluded events and NULL timestamps. Timestamp without time zone is read as UTC.';

CREATE FUNCTION @extschema@.session_number(ts bigint, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS bigint
AS 'MODULE_PATHNAME', 'sessionize_session_number_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_number(bigint, interval, interval, text, text, boolean, boolean) IS
    'Session number (1, 2, 3 ...) of each event within its window partition; NULL for excluded events and NULL timestamps. Timestamps are epoch milliseconds.';

CREATE FUNCTION @extschema@.session_start(ts timestamptz, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'sessionize_session_start_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_start(timestamptz, interval, interval, text, text, boolean, boolean) IS
    'Time of the first counted event of the session each event belongs to; NULL for excluded events and NULL timestamps.';

CREATE FUNCTION @extschema@.session_start(ts timestamp, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS timestamp
AS 'MODULE_PATHNAME', 'sessionize_session_start_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_start(timestamp, interval, interval, text, text, boolean, boolean) IS
    'Time of the first counted event of the session each event belongs to; NULL for excluded events and NULL timestamps. Timestamp without time zone is read as UTC.';

CREATE FUNCTION @extschema@.session_start(ts bigint, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS bigint
AS 'MODULE_PATHNAME', 'sessionize_session_start_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_start(bigint, interval, interval, text, text, boolean, boolean) IS
    'Time of the first counted event of the session each event belongs to; NULL for excluded events and NULL timestamps. Epoch milliseconds in, epoch milliseconds out.';

CREATE FUNCTION @extschema@.session_id(key text, ts timestamptz, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'sessionize_session_id_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_id(text, timestamptz, interval, interval, text, text, boolean, boolean) IS
    'Session id <key>-YYYYMMDD-HH24MISSMS of the session start in UTC for each event; NULL for excluded events, NULL timestamps and a NULL key.';

CREATE FUNCTION @extschema@.session_id(key text, ts timestamp, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'sessionize_session_id_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_id(text, timestamp, interval, interval, text, text, boolean, boolean) IS
    'Session id <key>-YYYYMMDD-HH24MISSMS of the session start in UTC for each event; NULL for excluded events, NULL timestamps and a NULL key. Timestamp without time zone is read as UTC.';

CREATE FUNCTION @extschema@.session_id(key text, ts bigint, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'sessionize_session_id_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_id(text, bigint, interval, interval, text, text, boolean, boolean) IS
    'Session id <key>-YYYYMMDD-HH24MISSMS of the session start in UTC for each event; NULL for excluded events, NULL timestamps and a NULL key. Timestamps are epoch milliseconds.';

CREATE FUNCTION @extschema@.session_split_reason(ts timestamptz, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'sessionize_session_split_reason_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_split_reason(timestamptz, interval, interval, text, text, boolean, boolean) IS
    'Why the session starts (first, timeout, max_duration, day, key, start_event) on the event that starts it; NULL on the others.';

CREATE FUNCTION @extschema@.session_split_reason(ts timestamp, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'sessionize_session_split_reason_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_split_reason(timestamp, interval, interval, text, text, boolean, boolean) IS
    'Why the session starts (first, timeout, max_duration, day, key, start_event) on the event that starts it; NULL on the others. Timestamp without time zone is read as UTC.';

CREATE FUNCTION @extschema@.session_split_reason(ts bigint, timeout interval,
    max_duration interval DEFAULT NULL, day_boundary text DEFAULT NULL,
    split_key text DEFAULT NULL, start_event boolean DEFAULT false,
    counted boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'sessionize_session_split_reason_window'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.session_split_reason(bigint, interval, interval, text, text, boolean, boolean) IS
    'Why the session starts (first, timeout, max_duration, day, key, start_event) on the event that starts it; NULL on the others. Timestamps are epoch milliseconds.';

------------------------------------------------------------------------------

-- The id session_id() gives the session of key that starts at start; the
-- generated session views and tables use it, so that their ids are the
-- window function's (dates BC included).
CREATE FUNCTION @extschema@.sessionize_session_id(key text, start timestamptz) RETURNS text
AS 'MODULE_PATHNAME', 'sessionize_session_id_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sessionize_session_id(text, timestamptz) IS
    'Internal: key || ''-YYYYMMDD-HH24MISSMS'' of a session start in UTC, as session_id() makes it.';
