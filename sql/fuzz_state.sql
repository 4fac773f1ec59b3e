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

\set ECHO none
\i test/fuzz_mutate.sql
\set ECHO all

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
        b := pg_temp.fuzz_mutate(seeds[1 + (i % array_length(seeds, 1))]);
        IF i % 5 = 0 THEN b := pg_temp.fuzz_mutate(b); END IF;
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
