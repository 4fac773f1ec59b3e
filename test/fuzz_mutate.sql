-- The mutator of the randomized state tests (fuzz_state, viewing_props),
-- included with \i: pg_temp.fuzz_mutate(b, span_at, span_len) returns b with
-- one random mutation.  With span_at and span_len (the offset of the first
-- fixed-size record and its length), int64 overwrites may also copy the
-- first 8 bytes of a random record (a nearby, plausible time).
CREATE FUNCTION pg_temp.fuzz_mutate(b bytea, span_at int DEFAULT NULL, span_len int DEFAULT NULL)
RETURNS bytea LANGUAGE plpgsql AS $$
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
                 WHEN 2 THEN '\x80000000'::bytea
                 ELSE CASE WHEN span_at IS NULL THEN '\x00000000'::bytea ELSE '\x00000001'::bytea END
                 END) FROM pos + 1 FOR 4);
        END IF;
    WHEN 4 THEN   -- overwrite 8 bytes with an extreme int64 (times, counts)
        IF pos + 8 <= n THEN
            b := overlay(b PLACING (CASE floor(random() * CASE WHEN span_at IS NULL THEN 3 ELSE 4 END)::int
                 WHEN 0 THEN '\x7fffffffffffffff'::bytea WHEN 1 THEN '\x8000000000000000'::bytea
                 WHEN 3 THEN substring(b FROM 1 + span_at
                                      + span_len * floor(random() * ((n - span_at) / span_len))::int FOR 8)
                 ELSE '\x0000000000000001'::bytea END) FROM pos + 1 FOR 8);
        END IF;
    ELSE          -- duplicate a slice
        k := floor(random() * (n - pos))::int;
        b := substring(b FROM 1 FOR pos + k) || substring(b FROM pos + 1);
    END CASE;
    RETURN b;
END $$;
