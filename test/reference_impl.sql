-- A second, independent implementation of the session rules, in plain SQL and
-- PL/pgSQL, written from docs/semantics.md (Rules, Excluded events and NULLs,
-- Session ids) and the window
-- functions' documented choices only, never from the C sources.  Tests load it
-- with \i test/reference_impl.sql (between \set ECHO none and \set ECHO all,
-- so that its text stays out of the expected output) and compare the C window
-- functions with it, printing only the rows where they disagree.
--
--   ref_sessionize(events text)
--       events is a query returning, in this order:
--         part         text         partition (user); NULL is a partition too
--         id           bigint       tie-break: events are ordered by (ts, id)
--         ts           timestamptz  NULL: the event is excluded
--         timeout      interval     may differ per event
--         max_duration interval     NULL: no maximum
--         day_boundary text         time zone of the day rule; NULL: no day rule
--         split_key    text         compared as bytes, IS DISTINCT FROM
--         start_event  boolean      NULL counts as false
--         counted      boolean      false or NULL: the event is excluded
--         id_key       text         key of session_id, read on a session's first event
--       and returns one row per event: part, id, session_number,
--       session_start, session_id, split_reason.
--
--   ref_sessionize_lag(events text)
--       the same input and output, computed set-based with lag() and
--       count() OVER; valid only when max_duration is NULL (an error
--       otherwise) and the timeout is the same for all events of a partition:
--       then every rule compares an event with the previous counted one only.
--       A cross-check of the first.
--
-- Timestamp arithmetic is done in exact integer microseconds (numeric), never
-- with timestamptz + interval, so that a day counts as 24 hours whatever the
-- session time zone; intervals with months are rejected.  The timestamp and
-- epoch-millisecond overloads are compared by converting their input to
-- timestamptz (timestamp read as UTC, epoch + ms) in the events query.

-- Microseconds since 1970-01-01 UTC, exactly.
CREATE FUNCTION ref_us(ts timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
RETURN extract(epoch FROM ts) * 1000000;

-- Length of an interval in microseconds, a day counting as 24 hours.
CREATE FUNCTION ref_interval_us(what text, i interval) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF i IS NULL THEN
        RAISE EXCEPTION 'reference: % is NULL', what USING ERRCODE = '22023';
    END IF;
    IF extract(year FROM i) * 12 + extract(month FROM i) <> 0 THEN
        RAISE EXCEPTION 'reference: % has months: %', what, i USING ERRCODE = '22023';
    END IF;
    IF extract(epoch FROM i) < 0 THEN
        RAISE EXCEPTION 'reference: % is negative: %', what, i USING ERRCODE = '22023';
    END IF;
    RETURN extract(epoch FROM i) * 1000000;
END
$$;

-- <key>-YYYYMMDD-HH24MISSMS of a session start in UTC, milliseconds rounded
-- down (the first three of the six microsecond digits).
CREATE FUNCTION ref_session_id(key text, start timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN key || '-' || to_char(start AT TIME ZONE 'UTC', 'YYYYMMDD-HH24MISS')
    || substr(to_char(start AT TIME ZONE 'UTC', 'US'), 1, 3);

CREATE FUNCTION ref_sessionize(events text)
RETURNS TABLE (part text, id bigint, session_number bigint,
               session_start timestamptz, session_id text, split_reason text)
LANGUAGE plpgsql AS $$
DECLARE
    e record;
    started boolean := false;  -- any row read yet
    cur_part text;
    have_session boolean;      -- a counted event seen in this partition
    n bigint;                  -- current session number
    s_ts timestamptz;          -- current session start
    s_us numeric;
    s_key text;                -- id_key of the session's first event
    expiry numeric;            -- max(ts_k + timeout_k) over the session, in us
    prev_ts timestamptz;       -- previous counted event
    prev_key text;
    ts_us numeric;
    reason text;
BEGIN
    FOR e IN EXECUTE format(
        'SELECT q.* FROM (%s) AS q(part, id, ts, timeout, max_duration, day_boundary,'
        ' split_key, start_event, counted, id_key) ORDER BY 1, 3, 2', events)
    LOOP
        IF NOT started OR e.part IS DISTINCT FROM cur_part THEN
            started := true;
            cur_part := e.part;
            have_session := false;
            n := 0;
        END IF;

        part := e.part;
        id := e.id;
        IF e.ts IS NULL OR e.counted IS NOT TRUE THEN
            -- excluded: NULL values, no part in the rules (section 3)
            session_number := NULL;
            session_start := NULL;
            session_id := NULL;
            split_reason := NULL;
            RETURN NEXT;
            CONTINUE;
        END IF;

        ts_us := ref_us(e.ts);
        IF NOT have_session THEN
            reason := 'first';
        ELSIF ts_us > expiry THEN
            reason := 'timeout';
        ELSIF e.max_duration IS NOT NULL
              AND ts_us - s_us > ref_interval_us('max_duration', e.max_duration) THEN
            reason := 'max_duration';
        ELSIF e.day_boundary IS NOT NULL
              AND (e.ts AT TIME ZONE e.day_boundary)::date
                  <> (prev_ts AT TIME ZONE e.day_boundary)::date THEN
            reason := 'day';
        ELSIF convert_to(e.split_key, 'UTF8') IS DISTINCT FROM convert_to(prev_key, 'UTF8') THEN
            reason := 'key';
        ELSIF coalesce(e.start_event, false) THEN
            reason := 'start_event';
        ELSE
            reason := NULL;
        END IF;

        IF reason IS NOT NULL THEN
            have_session := true;
            n := n + 1;
            s_ts := e.ts;
            s_us := ts_us;
            s_key := e.id_key;
            expiry := ts_us + ref_interval_us('timeout', e.timeout);
        ELSE
            expiry := greatest(expiry, ts_us + ref_interval_us('timeout', e.timeout));
        END IF;
        prev_ts := e.ts;
        prev_key := e.split_key;

        session_number := n;
        session_start := s_ts;
        session_id := ref_session_id(s_key, s_ts);
        split_reason := reason;
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE FUNCTION ref_error(msg text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', msg;
END
$$;

CREATE FUNCTION ref_sessionize_lag(events text)
RETURNS TABLE (part text, id bigint, session_number bigint,
               session_start timestamptz, session_id text, split_reason text)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH e AS (
            SELECT * FROM (%s) AS q(part, id, ts, timeout, max_duration, day_boundary,
                                    split_key, start_event, counted, id_key)
        ), c AS (          -- the counted events, each with the previous one
            SELECT e.*,
                   lag(ts) OVER w AS prev_ts,
                   lag(convert_to(split_key, 'UTF8')) OVER w AS prev_key,
                   row_number() OVER w AS rn
            FROM e
            WHERE ts IS NOT NULL AND counted
            WINDOW w AS (PARTITION BY part ORDER BY ts, id)
        ), r AS (
            SELECT c.*,
                   CASE
                   WHEN rn = 1 THEN 'first'
                   WHEN ref_us(ts) - ref_us(prev_ts) > ref_interval_us('timeout', timeout)
                       THEN 'timeout'
                   WHEN max_duration IS NOT NULL
                       THEN ref_error('ref_sessionize_lag: max_duration is not supported')
                   WHEN day_boundary IS NOT NULL
                        AND (ts AT TIME ZONE day_boundary)::date
                            <> (prev_ts AT TIME ZONE day_boundary)::date THEN 'day'
                   WHEN convert_to(split_key, 'UTF8') IS DISTINCT FROM prev_key THEN 'key'
                   WHEN start_event THEN 'start_event'
                   END AS reason
            FROM c
        ), s AS (
            SELECT r.*,
                   count(reason) OVER w AS n
            FROM r
            WINDOW w AS (PARTITION BY part ORDER BY ts, id)
        )
        SELECT e.part, e.id, s.n,
               first_value(s.ts) OVER p,
               ref_session_id(first_value(s.id_key) OVER p, first_value(s.ts) OVER p),
               s.reason
        FROM e LEFT JOIN s ON s.part IS NOT DISTINCT FROM e.part AND s.id = e.id
        WINDOW p AS (PARTITION BY e.part, s.n ORDER BY s.ts, s.id)
    $q$, events);
END
$$;
