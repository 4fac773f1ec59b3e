-- Randomized robustness test of every way a session state enters from
-- outside: valid states of both modes are mutated (flipped bytes, truncated,
-- extended, counts and lengths rewritten) and fed to the bytea cast and the
-- text input.  Each input must either be rejected with a data error or be
-- accepted and then readable (sessions, session_count, session_merge).  A
-- crash would end the backend and fail the test.  Deterministic (setseed).
SET timezone = 'UTC';
SELECT setseed(0.4242);

CREATE TEMP TABLE fz_events AS
SELECT (g % 7)::text AS u, g::text AS eid,
       timestamptz '2026-03-01' + (g * 97 % 5000) * interval '37 s' AS ts,
       CASE WHEN g % 3 = 0 THEN '/page/' || (g % 5) END AS view,
       CASE WHEN g % 4 = 0 THEN g * 10 END AS eng,
       'tab' || (g % 2) AS tab
FROM generate_series(1, 300) g;

-- seeds: states of every kind
CREATE TEMP TABLE fz_seeds AS
SELECT session_agg(ts, '30 min', view, eng)::bytea AS b FROM fz_events GROUP BY u
UNION ALL
SELECT session_agg(ts, '20 min', view, eng, eid, session_rules(day_boundary => 'Europe/Paris'))::bytea
FROM fz_events GROUP BY u
UNION ALL
SELECT session_agg(ts, '20 min', view, eng, eid, session_rules(max_duration => '1 hour'))::bytea
FROM fz_events GROUP BY u
UNION ALL
SELECT session_agg(ts, '30 min', view, eng, eid, NULL, tab, view = '/page/1')::bytea
FROM fz_events GROUP BY u;

CREATE FUNCTION fz_mutate(b bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
    n int := length(b);
    kind int := floor(random() * 6)::int;
    pos int;
    k int;
BEGIN
    IF n = 0 THEN RETURN b; END IF;
    pos := floor(random() * n)::int;
    CASE kind
    WHEN 0 THEN   -- flip one to four random bytes
        FOR k IN 1 .. 1 + floor(random() * 4)::int LOOP
            b := set_byte(b, floor(random() * n)::int, floor(random() * 256)::int);
        END LOOP;
    WHEN 1 THEN   -- truncate
        b := substring(b FROM 1 FOR pos);
    WHEN 2 THEN   -- append garbage
        b := b || decode(md5(random()::text), 'hex');
    WHEN 3 THEN   -- overwrite 4 bytes with an extreme int32 (lengths, counts)
        IF pos + 4 <= n THEN
            b := overlay(b PLACING (CASE floor(random() * 4)::int
                 WHEN 0 THEN '\x7fffffff'::bytea WHEN 1 THEN '\xffffffff'::bytea
                 WHEN 2 THEN '\x80000000'::bytea ELSE '\x00000000'::bytea END) FROM pos + 1 FOR 4);
        END IF;
    WHEN 4 THEN   -- overwrite 8 bytes with an extreme int64 (times, counts)
        IF pos + 8 <= n THEN
            b := overlay(b PLACING (CASE floor(random() * 3)::int
                 WHEN 0 THEN '\x7fffffffffffffff'::bytea WHEN 1 THEN '\x8000000000000000'::bytea
                 ELSE '\x0000000000000001'::bytea END) FROM pos + 1 FOR 8);
        END IF;
    ELSE          -- duplicate a slice
        k := floor(random() * (n - pos))::int;
        b := substring(b FROM 1 FOR pos + k) || substring(b FROM pos + 1);
    END CASE;
    RETURN b;
END $$;

CREATE TEMP TABLE fz_result (accepted int, rejected int, unexpected text[]);

DO $$
DECLARE
    seeds bytea[] := ARRAY(SELECT b FROM fz_seeds);
    b bytea;
    s sessionstate;
    acc int := 0;
    rej int := 0;
    bad text[] := '{}';
    i int;
    r record;
BEGIN
    FOR i IN 1 .. 6000 LOOP
        b := fz_mutate(seeds[1 + (i % array_length(seeds, 1))]);
        IF i % 5 = 0 THEN b := fz_mutate(b); END IF;
        BEGIN
            IF i % 2 = 0 THEN
                s := b::sessionstate;
            ELSE
                s := encode(b, 'hex')::sessionstate;
            END IF;
            -- accepted: it must be usable
            PERFORM count(*) FROM sessions(s);
            PERFORM session_count(s), session_event_count(s);
            PERFORM session_merge(s, s);
            acc := acc + 1;
        EXCEPTION
            -- rejected, or accepted with sums that overflow when read
            WHEN invalid_binary_representation OR invalid_text_representation
                 OR invalid_parameter_value OR numeric_value_out_of_range THEN
                rej := rej + 1;
            WHEN OTHERS THEN
                bad := bad || (SQLSTATE || ': ' || SQLERRM);
        END;
    END LOOP;
    INSERT INTO fz_result VALUES (acc, rej, bad);
END $$;

SELECT accepted + rejected AS handled, accepted > 0 AS some_accepted,
       rejected > 4000 AS most_rejected, unexpected
FROM fz_result;

-- unmutated seeds all pass both entry points
SELECT count(*) AS seeds,
       bool_and(b::sessionstate::text = encode(b, 'hex')) AS text_round_trip,
       bool_and(encode(b, 'hex')::sessionstate::bytea = b) AS bytea_round_trip
FROM fz_seeds;
DROP FUNCTION fz_mutate(bytea);
