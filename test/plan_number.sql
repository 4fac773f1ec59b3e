-- A helper of the memory and spill tests (agg_memory, agg_log), included
-- with \i: pg_temp.plan_number(q, pattern) runs EXPLAIN ANALYZE of query q
-- and returns the number that the regular expression pattern captures in the
-- first plan line it matches, e.g. 'Memory Usage: (\d+)kB'.
CREATE FUNCTION pg_temp.plan_number(q text, pattern text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF line ~ pattern THEN
            RETURN substring(line FROM pattern)::bigint;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'no "%" in the plan of %', pattern, q;
END $$;
