-- Stored states of every released format stay readable.  The samples in
-- test/formats/VERSION/ were written by that release of sessionize and are
-- never regenerated (test/formats/README.md); this reads each back through
-- both input paths (text and the bytea cast) and prints what it holds, so
-- that a change of the stored format cannot silently reinterpret them.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\set sessions_views `cat test/formats/0.1.0/sessions_views.hex`
\set sessions_empty `cat test/formats/0.1.0/sessions_empty.hex`
\set sessions_one_event `cat test/formats/0.1.0/sessions_one_event.hex`
\set sessions_day_timeout_per_row `cat test/formats/0.1.0/sessions_day_timeout_per_row.hex`
\set events_key_rules `cat test/formats/0.1.0/events_key_rules.hex`
\set events_max_duration `cat test/formats/0.1.0/events_max_duration.hex`
\set sessions_merged `cat test/formats/0.1.0/sessions_merged.hex`
\set viewing `cat test/formats/0.1.0/viewing.hex`
\set viewing_not_engaged `cat test/formats/0.1.0/viewing_not_engaged.hex`
\set viewing_merged `cat test/formats/0.1.0/viewing_merged.hex`
CREATE TEMP TABLE s010 (name text, hex text);
INSERT INTO s010 VALUES
 ('sessions_views', :'sessions_views'),
 ('sessions_empty', :'sessions_empty'),
 ('sessions_one_event', :'sessions_one_event'),
 ('sessions_day_timeout_per_row', :'sessions_day_timeout_per_row'),
 ('events_key_rules', :'events_key_rules'),
 ('events_max_duration', :'events_max_duration'),
 ('sessions_merged', :'sessions_merged');
CREATE TEMP TABLE v010 (name text, hex text);
INSERT INTO v010 VALUES
 ('viewing', :'viewing'),
 ('viewing_not_engaged', :'viewing_not_engaged'),
 ('viewing_merged', :'viewing_merged');

-- 0.1.0 session states: the text input and the bytea cast read the same
-- state; `unchanged`: written back byte for byte (true while the stored
-- format is 0.1.0's; a new format may rewrite them, but must read them as
-- below)
SELECT name, length(hex) / 2 AS bytes,
       hex::sessionstate::text = decode(hex, 'hex')::sessionstate::text AS same_both_ways,
       hex::sessionstate::text = hex AS unchanged,
       session_count(hex::sessionstate) AS sessions,
       session_event_count(hex::sessionstate) AS events
FROM s010 ORDER BY name;
SELECT t.name, s.*
FROM s010 t, LATERAL sessions(decode(t.hex, 'hex')::sessionstate) s
ORDER BY t.name, s.session_number;

-- a 0.1.0 state merged with one built now: the 15:20 event joins the third
-- session of sessions_views (its exit view moves to /c), the 17:00 event
-- opens a fourth
SELECT s.*
FROM sessions(session_merge(:'sessions_views'::sessionstate,
    (SELECT session_agg(ts, '30 min', view, eng, eid, session_rules())
     FROM (VALUES ('2026-09-01 15:20:00+00'::timestamptz, '/c', 700::bigint, 'e08'),
                  ('2026-09-01 17:00:00+00', '/d', 800, 'e09')) AS v(ts, view, eng, eid)))) s;
-- 0.1.0 states merged with each other: the empty one gives the other back
SELECT name,
       session_merge(hex::sessionstate, :'sessions_empty'::sessionstate)::text = hex AS empty_is_neutral
FROM s010 WHERE name IN ('sessions_views', 'sessions_one_event', 'sessions_merged')
ORDER BY name;
-- sessions_views then sessions_merged: six sessions, the fourth after a
-- timeout (two days later)
SELECT s.*
FROM sessions(session_merge(:'sessions_views'::sessionstate,
                            :'sessions_merged'::sessionstate)) s;

-- 0.1.0 viewing states
SELECT name, length(hex) / 2 AS bytes,
       hex::viewingstate::text = decode(hex, 'hex')::viewingstate::text AS same_both_ways,
       hex::viewingstate::text = hex AS unchanged,
       viewing_seconds(hex::viewingstate) AS viewing_s,
       engaged_seconds(hex::viewingstate) AS engaged_s,
       viewing_start(hex::viewingstate) AS viewing_start,
       viewing_end(hex::viewingstate) AS viewing_end
FROM v010 ORDER BY name;
SELECT t.name, b.*
FROM v010 t, LATERAL viewing_buckets(decode(t.hex, 'hex')::viewingstate,
                                     '2026-09-01 00:00:00+00', '1 hour') b
ORDER BY t.name, b.bucket_start;
-- a 0.1.0 viewing state merged with one built now
SELECT viewing_seconds(m), engaged_seconds(m), viewing_start(m), viewing_end(m)
FROM (SELECT viewing_merge(:'viewing'::viewingstate,
             (SELECT viewing_agg(ts, '10 s', true)
              FROM (VALUES ('2026-09-01 10:00:30+00'::timestamptz),
                           ('2026-09-01 10:00:40+00')) AS v(ts))) AS m) s;
