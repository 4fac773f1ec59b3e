-- session_agg + sessions(): the worked example of docs/semantics.md and
-- every metric (its section Metrics), checked by hand; empty inputs; the readers
-- session_count / session_event_count; the text, bytea and binary (COPY)
-- forms of a state.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\pset null '(null)'

-- 1. The worked example (timeout 30 min, user u1), with engagement times.
-- Excluded events are filtered with FILTER; a NULL timestamp is skipped.
CREATE TEMP TABLE worked (id int, u text, ts timestamptz, name text, view text,
                          counted boolean, eng bigint);
INSERT INTO worked VALUES
 (1, 'u1', '2026-09-01 10:00:00', '_session_start',    NULL,    true,  NULL),
 (2, 'u1', '2026-09-01 10:00:05', '_page_view',        '/home', true,  1500),
 (3, 'u1', '2026-09-01 10:10:00', 'Notification Sent', NULL,    false, 999),
 (4, 'u1', '2026-09-01 10:30:05', '_page_view',        '/cart', true,  NULL),
 (5, 'u1', '2026-09-01 11:00:06', '_page_view',        '/pay',  true,  2500),
 (6, 'u1', NULL,                  '_click',            NULL,    true,  700);
-- Session 1: 10:00:00 .. 10:30:05 (the 30:00 gap stays), 1805000 ms, 3 events,
-- 2 views, 1500 ms engaged time (NULL counts 0, the excluded 999 and the
-- NULL-ts 700 do not count), /home -> /cart, engaged.  Session 2: /pay alone,
-- 0 ms, not engaged (bounced), split by timeout (gap 30:01).
SELECT s.*
FROM (SELECT session_agg(ts, '30 min', view, eng) FILTER (WHERE counted) AS st
      FROM worked) a, sessions(a.st) s
ORDER BY s.session_number;
-- The two-argument overload: no views, no engagement; engaged by duration only.
SELECT s.*
FROM (SELECT session_agg(ts, '30 min') FILTER (WHERE counted) AS st
      FROM worked) a, sessions(a.st) s
ORDER BY s.session_number;
-- Without the FILTER the notification at 10:10 is counted: same sessions,
-- one more event, its engagement added.
SELECT s.session_number, s.events, s.views, s.engagement_ms, s.split_reason
FROM (SELECT session_agg(ts, '30 min', view, eng) AS st FROM worked) a,
     sessions(a.st) s
ORDER BY s.session_number;
-- Counters: 2 sessions, 4 counted events (the NULL ts is not one).
SELECT session_count(st), session_event_count(st)
FROM (SELECT session_agg(ts, '30 min', view, eng) FILTER (WHERE counted) AS st
      FROM worked) a;

-- 2. The metrics one case at a time (one user per case, timeout 30 min).
CREATE TEMP TABLE m (u text, ts timestamptz, view text, eng bigint);
INSERT INTO m VALUES
 -- duration_ms is whole milliseconds rounded down (999.999 ms -> 999)
 ('a_sub_ms',     '2026-09-01 12:00:00.000999', NULL, NULL),
 ('a_sub_ms',     '2026-09-01 12:00:01.000998', NULL, NULL),
 -- 1000 us across a millisecond boundary -> 1
 ('b_sub_ms',     '2026-09-01 12:00:00.0005',   NULL, NULL),
 ('b_sub_ms',     '2026-09-01 12:00:00.0015',   NULL, NULL),
 -- 200 us across a millisecond boundary -> 0
 ('c_sub_ms',     '2026-09-01 12:00:00.0009',   NULL, NULL),
 ('c_sub_ms',     '2026-09-01 12:00:00.0011',   NULL, NULL),
 -- across the PostgreSQL epoch (negative to positive internal value): 900 us -> 0
 ('d_epoch',      '1999-12-31 23:59:59.9995',   NULL, NULL),
 ('d_epoch',      '2000-01-01 00:00:00.0004',   NULL, NULL),
 -- engaged by duration: 10000 ms exactly is not engaged (> 10000 needed)
 ('e_10000',      '2026-09-01 12:00:00',        NULL, NULL),
 ('e_10000',      '2026-09-01 12:00:10',        NULL, NULL),
 -- 10000.999 ms rounds down to 10000: not engaged
 ('f_10000_999',  '2026-09-01 12:00:00',        NULL, NULL),
 ('f_10000_999',  '2026-09-01 12:00:10.000999', NULL, NULL),
 -- 10001 ms: engaged
 ('g_10001',      '2026-09-01 12:00:00',        NULL, NULL),
 ('g_10001',      '2026-09-01 12:00:10.001',    NULL, NULL),
 -- two views within one second: engaged by views
 ('h_two_views',  '2026-09-01 12:00:00',        '/a', NULL),
 ('h_two_views',  '2026-09-01 12:00:01',        '/b', NULL),
 -- one view and one other event: not engaged, entry = exit
 ('i_one_view',   '2026-09-01 12:00:00',        NULL, NULL),
 ('i_one_view',   '2026-09-01 12:00:01',        '/a', NULL),
 -- no view at all: entry and exit NULL
 ('j_no_view',    '2026-09-01 12:00:00',        NULL, 10),
 ('j_no_view',    '2026-09-01 12:00:01',        NULL, 20),
 -- the empty string is a view name (non-NULL): views 1, entry = exit = ''
 ('k_empty_view', '2026-09-01 12:00:00',        '',   NULL),
 -- engagement: NULLs count 0
 ('l_eng_nulls',  '2026-09-01 12:00:00',        NULL, NULL),
 ('l_eng_nulls',  '2026-09-01 12:00:01',        NULL, 5),
 ('l_eng_nulls',  '2026-09-01 12:00:02',        NULL, NULL),
 ('l_eng_nulls',  '2026-09-01 12:00:03',        NULL, 0),
 -- entry/exit skip the events without a view at either end
 ('m_entry_exit', '2026-09-01 12:00:00',        NULL, NULL),
 ('m_entry_exit', '2026-09-01 12:00:01',        '/a', NULL),
 ('m_entry_exit', '2026-09-01 12:00:02',        NULL, NULL),
 ('m_entry_exit', '2026-09-01 12:00:03',        '/b', NULL),
 ('m_entry_exit', '2026-09-01 12:00:04',        NULL, NULL),
 -- one event
 ('n_one_event',  '2026-09-01 12:00:00',        '/x', 42),
 -- a large engagement sum stays exact
 ('o_eng_big',    '2026-09-01 12:00:00',        NULL, 4611686018427387903),
 ('o_eng_big',    '2026-09-01 12:00:01',        NULL, 4611686018427387904),
 -- non-ASCII view names are kept as they are
 ('p_utf8',       '2026-09-01 12:00:00',        U&'/caf\00E9', NULL),
 ('p_utf8',       '2026-09-01 12:00:01',        U&'/\65E5\672C', NULL);
SELECT a.u, s.*
FROM (SELECT u, session_agg(ts, '30 min', view, eng) AS st FROM m GROUP BY u) a,
     sessions(a.st) s
ORDER BY a.u, s.session_number;

-- The empty view name is a value, not NULL.
SELECT a.u, s.entry_view IS NULL AS entry_is_null, s.entry_view = '' AS entry_is_empty
FROM (SELECT u, session_agg(ts, '30 min', view, eng) AS st FROM m
      WHERE u = 'k_empty_view' GROUP BY u) a, sessions(a.st) s;

-- 3. Custom engaged thresholds: duration > 1 minute or at least 3 views.
CREATE TEMP TABLE t (u text, ts timestamptz, view text);
INSERT INTO t VALUES
 ('a_60000', '2026-09-01 12:00:00',     NULL),   -- 60000 ms: not engaged
 ('a_60000', '2026-09-01 12:01:00',     NULL),
 ('b_60001', '2026-09-01 12:00:00',     NULL),   -- 60001 ms: engaged
 ('b_60001', '2026-09-01 12:01:00.001', NULL),
 ('c_2views', '2026-09-01 12:00:00',    '/a'),   -- 2 views: not engaged now
 ('c_2views', '2026-09-01 12:00:01',    '/b'),
 ('d_3views', '2026-09-01 12:00:00',    '/a'),   -- 3 views: engaged
 ('d_3views', '2026-09-01 12:00:01',    '/b'),
 ('d_3views', '2026-09-01 12:00:02',    '/a'),
 ('e_single', '2026-09-01 12:00:00',    NULL),   -- one event, no view
 ('f_1ms',    '2026-09-01 12:00:00',    NULL),   -- 1 ms, no view
 ('f_1ms',    '2026-09-01 12:00:00.001', NULL);
SELECT session_rules(engaged_duration => '1 minute', engaged_views => 3);
SELECT a.u, s.duration_ms, s.views, s.engaged AS engaged_1min_3views,
       s0.engaged AS engaged_views_0, sz.engaged AS engaged_duration_0
FROM (SELECT u,
             session_agg(ts, '30 min', view, NULL::bigint, NULL::text,
                         session_rules(engaged_duration => '1 minute', engaged_views => 3)) AS st,
             session_agg(ts, '30 min', view, NULL::bigint, NULL::text,
                         session_rules(engaged_views => 0)) AS st0,
             session_agg(ts, '30 min', view, NULL::bigint, NULL::text,
                         session_rules(engaged_duration => '0')) AS stz
      FROM t GROUP BY u) a,
     sessions(a.st) s, sessions(a.st0) s0, sessions(a.stz) sz
ORDER BY a.u;

-- 4. Nothing to aggregate.  No row (or every row filtered out): the state is
-- NULL, sessions() returns no row, the counters return NULL.
SELECT session_agg(ts, '30 min') IS NULL AS no_rows,
       session_count(session_agg(ts, '30 min')) AS n,
       session_event_count(session_agg(ts, '30 min')) AS events
FROM worked WHERE false;
SELECT session_agg(ts, '30 min') FILTER (WHERE false) IS NULL AS all_filtered
FROM worked;
SELECT count(*) AS sessions_of_null FROM sessions(NULL::sessionstate);
-- Rows whose timestamps are all NULL: an empty (non-NULL) state.
SELECT st IS NULL AS is_null, session_count(st) AS n, session_event_count(st) AS events,
       (SELECT count(*) FROM sessions(st)) AS rows
FROM (SELECT session_agg(ts, '30 min') AS st FROM worked WHERE ts IS NULL) a;
-- One event.
SELECT s.*
FROM (SELECT session_agg(ts, '30 min', view, eng) AS st FROM worked WHERE id = 2) a,
     sessions(a.st) s;
-- GROUP BY: one state per user.
SELECT u, session_count(st), session_event_count(st)
FROM (SELECT u, session_agg(ts, '30 min') AS st FROM m GROUP BY u) a
ORDER BY u;

-- 5. The stored forms.  A table of states: sessions mode (with and without
-- views, with a day_boundary time zone), events mode (max_duration, split
-- rules), an empty state and NULL.
CREATE TEMP TABLE states (k text, st sessionstate);
INSERT INTO states
SELECT 'worked', session_agg(ts, '30 min', view, eng) FILTER (WHERE counted) FROM worked
UNION ALL
SELECT 'worked_2args', session_agg(ts, '30 min') FROM worked
UNION ALL
SELECT 'm_' || u, session_agg(ts, '30 min', view, eng, u, session_rules(day_boundary => 'Europe/Paris'))
FROM m GROUP BY u
UNION ALL
SELECT 'max_duration', session_agg(ts, '30 min', view, eng, id::text, session_rules(max_duration => '20 min'))
FROM worked
UNION ALL
SELECT 'split', session_agg(ts, '30 min', view, eng, id::text, NULL, name, name = '_session_start')
FROM worked
UNION ALL
SELECT 'empty', session_agg(ts, '30 min') FROM worked WHERE ts IS NULL
UNION ALL
SELECT 'null', NULL;
SELECT count(*) AS states, count(st) AS non_null FROM states;
-- Text form: hexadecimal of the binary form; reading it back gives the same
-- state (sessionstate has no equality operator: compare the text forms).
SELECT k FROM states
WHERE st::text::sessionstate::text IS DISTINCT FROM st::text
   OR ('\x' || st::text)::sessionstate::text IS DISTINCT FROM st::text
   OR upper(st::text)::sessionstate::text IS DISTINCT FROM st::text
ORDER BY k;
SELECT k FROM states
WHERE st IS NOT NULL AND st::text !~ '^535a5354[0-9a-f]*$'
ORDER BY k;
-- bytea casts: the same bytes both ways.
SELECT k FROM states
WHERE st::bytea IS DISTINCT FROM decode(st::text, 'hex')
   OR st::bytea::sessionstate::text IS DISTINCT FROM st::text
ORDER BY k;
-- The sessions read back from the text form are the same.
SELECT count(*) AS differing_sessions FROM (
  (SELECT k, s.* FROM states, sessions(st) s
   EXCEPT ALL
   SELECT k, s.* FROM states, sessions(st::text::sessionstate) s)
  UNION ALL
  (SELECT k, s.* FROM states, sessions(st::text::sessionstate) s
   EXCEPT ALL
   SELECT k, s.* FROM states, sessions(st) s)) d;
-- Binary COPY (the type's send and receive functions) round trip.
\getenv abs_builddir PG_ABS_BUILDDIR
\set copyfile :abs_builddir '/results/agg_basic_states.bin'
COPY states TO :'copyfile' WITH (FORMAT binary);
CREATE TEMP TABLE states_copy (k text, st sessionstate);
COPY states_copy FROM :'copyfile' WITH (FORMAT binary);
SELECT count(*) AS copied,
       count(*) FILTER (WHERE c.st::text IS NOT DISTINCT FROM s.st::text) AS identical
FROM states s JOIN states_copy c USING (k);
-- A large state (3000 events kept by max_duration) is compressed and
-- stored out of line (TOAST) and reads back the same.
CREATE TEMP TABLE big (st sessionstate);
INSERT INTO big
SELECT session_agg(timestamptz '2026-01-01' + (g * 7919 % 3000) * interval '1 min', '30 min',
                   '/p' || g % 7, g, lpad(g::text, 6, '0'), session_rules(max_duration => '1 hour'))
FROM generate_series(1, 3000) g;
SELECT pg_column_size(st) < length(st::text) / 2 AS compressed,
       session_event_count(st) AS events, session_count(st) AS sessions,
       st::text = (SELECT session_agg(timestamptz '2026-01-01' + (g * 7919 % 3000) * interval '1 min',
                                      '30 min', '/p' || g % 7, g, lpad(g::text, 6, '0'),
                                      session_rules(max_duration => '1 hour'))
                   FROM generate_series(1, 3000) g)::text AS reads_back
FROM big;
-- The binary form of version 1 is stable: a state stored today (one event at
-- 2026-09-01 10:00:00 UTC, timeout 30 min, view /home, 5 ms, event id e1)
-- reads back the same in later releases.
-- The pinned bytes, field by field (big-endian): magic SZST, version 1,
-- mode 0 (sessions), flags 0, timeout 1800000000 us, max_duration -1 (none),
-- engaged_duration 10000 ms, engaged_views 2, time zone NULL (length -1),
-- 1 session: start = end = 841572000000000 us after 2000-01-01 (2026-09-01
-- 10:00:00 UTC), expiry = start + 30 min, day 0, 1 event, 1 view, 5 ms,
-- entry (ts, event id "e1", view "/home") and the same exit.
CREATE TEMP TABLE pinned (st sessionstate);
INSERT INTO pinned VALUES ((
  '535a5354' || '01' || '00' || '00' ||
  '000000006b49d200' || 'ffffffffffffffff' || '0000000000002710' || '00000002' ||
  'ffffffff' || '0000000000000001' ||
  '0002fd67c01ce800' || '0002fd67c01ce800' || '0002fd682b66ba00' || '00000000' ||
  '0000000000000001' || '0000000000000001' || '0000000000000005' ||
  '0002fd67c01ce800' || '00000002' || '6531' || '00000005' || '2f686f6d65' ||
  '0002fd67c01ce800' || '00000002' || '6531' || '00000005' || '2f686f6d65')::sessionstate);
SELECT s.* FROM pinned, sessions(pinned.st) s;
SELECT p.st::text = a.st::text AS built_today_is_pinned
FROM pinned p,
     (SELECT session_agg(ts, '30 min', '/home', 5, 'e1', NULL) AS st
      FROM (VALUES (timestamptz '2026-09-01 10:00:00')) v(ts)) a;
-- Long names.  A view candidate keeps up to 40 bytes of event id and view
-- name inside the state, longer ones in an allocation of their own, and
-- sessions() stores names of more than 126 bytes with a 4-byte header: the
-- same sessions whatever the input order, split or merge, and the entry and
-- exit views the plain SQL finds (order by ts, event id, view, bytewise).
CREATE TEMP TABLE longv AS
SELECT g % 3 AS u,
       timestamptz '2026-01-01' + (g * 7919 % 400 / 40) * interval '2 hours'
         + (g * 7919 % 40) * interval '1 min' AS ts,
       CASE WHEN g % 4 <> 0 THEN repeat(chr(97 + g % 26), g % 160) || 'é' || g END AS view,
       CASE WHEN g % 5 <> 0 THEN repeat('e', g % 50) || (g % 7) END AS eid
FROM generate_series(1, 1200) g;
CREATE TEMP TABLE longv_states AS
SELECT u, 'sorted' AS k,
       session_agg(ts, '30 min', view, 1, eid, NULL ORDER BY ts, eid, view) AS st
FROM longv GROUP BY u
UNION ALL
SELECT u, 'reversed', session_agg(ts, '30 min', view, 1, eid, NULL ORDER BY ts DESC, eid DESC, view DESC)
FROM longv GROUP BY u
UNION ALL
SELECT u, 'merged halves', session_merge(session_agg(ts, '30 min', view, 1, eid, NULL),
                                         (SELECT session_agg(l2.ts, '30 min', l2.view, 1, l2.eid, NULL)
                                          FROM longv l2 WHERE l2.u = l.u AND l2.ts >= '2026-01-01 09:00'))
FROM longv l WHERE ts < '2026-01-01 09:00' GROUP BY u
UNION ALL
SELECT u, 'text form', session_agg(ts, '30 min', view, 1, eid, NULL)::text::sessionstate
FROM longv GROUP BY u;
SELECT k, count(DISTINCT st::text) AS distinct_states,
       bool_and(st::text = (SELECT s2.st::text FROM longv_states s2
                            WHERE s2.u = s.u AND s2.k = 'sorted')) AS same_as_sorted
FROM longv_states s GROUP BY k ORDER BY k;
WITH p AS (
  SELECT u, sn,
         (array_agg(view ORDER BY ts, eid COLLATE "C" NULLS LAST, view COLLATE "C")
            FILTER (WHERE view IS NOT NULL))[1] AS entry_view,
         (array_agg(view ORDER BY ts DESC, eid COLLATE "C" DESC NULLS FIRST, view COLLATE "C" DESC)
            FILTER (WHERE view IS NOT NULL))[1] AS exit_view
  FROM (SELECT u, ts, view, eid,
               sum(CASE WHEN ts - prev <= interval '30 min' THEN 0 ELSE 1 END)
                 OVER (PARTITION BY u ORDER BY ts) AS sn
        FROM (SELECT *, lag(ts) OVER (PARTITION BY u ORDER BY ts) AS prev FROM longv) l) x
  GROUP BY u, sn
)
SELECT count(*) AS sessions,
       count(*) FILTER (WHERE length(o.entry_view) > 126 OR length(o.exit_view) > 126) AS long_names,
       count(*) FILTER (WHERE o.entry_view IS DISTINCT FROM p.entry_view
                           OR o.exit_view IS DISTINCT FROM p.exit_view) AS differing
FROM (SELECT s.u, x.* FROM longv_states s, sessions(s.st) x WHERE s.k = 'sorted') o
FULL JOIN p ON p.u = o.u AND p.sn = o.session_number;

-- session_split(): one state per session.  Each state reads as its session
-- (sessions()), is byte for byte what session_agg makes of that session's
-- events alone (fixed timeout), and merging them gives the input back; in
-- events mode too (max_duration); its first row under LIMIT; an empty state
-- gives no row, NULL none, a corrupt one an error.
CREATE TEMP TABLE sp (u text, ts timestamptz, v text, e bigint, id text);
INSERT INTO sp VALUES
 ('a', '2025-01-01 10:00', 'home', 5, 'e1'), ('a', '2025-01-01 10:10', NULL, 7, 'e2'),
 ('a', '2025-01-01 10:20', 'p2', 0, 'e3'), ('a', '2025-01-01 12:00', 'p3', 1, 'e4'),
 ('a', '2025-01-02 00:00', NULL, NULL, 'e5'), ('a', '2025-01-02 00:10', 'x', 3, 'e6');
WITH s AS (SELECT session_agg(ts, '30 min', v, e, id, session_rules()) st FROM sp)
SELECT x.session_start, x.session_end, x.events, q.*
FROM s, session_split(s.st) x, sessions(x.state) q;
WITH s AS (SELECT session_agg(ts, '30 min', v, e, id, session_rules()) st FROM sp),
     alone AS (SELECT session_agg(ts, '30 min', v, e, id, session_rules()) st
               FROM (SELECT sp.*, session_start(ts, '30 min') OVER (ORDER BY ts) c FROM sp) z GROUP BY c)
SELECT (SELECT array_agg(x.state::bytea ORDER BY x.session_start) FROM s, session_split(s.st) x)
     = (SELECT array_agg(st::bytea ORDER BY (SELECT q.session_start FROM sessions(st) q)) FROM alone) AS same_bytes,
       (SELECT session_merge(x.state) FROM s, session_split(s.st) x)::bytea = (SELECT st::bytea FROM s) AS merged_back;
WITH s AS (SELECT session_agg(ts, '30 min', v, e, id, session_rules(max_duration => '15 min'), NULL, false) st FROM sp)
SELECT x.session_start, x.session_end, x.events, session_event_count(x.state) AS stored_events, q.split_reason
FROM s, session_split(s.st) x, sessions(x.state) q;
WITH s AS (SELECT session_agg(ts, '30 min', v, e, id, session_rules(max_duration => '15 min'), NULL, false) st FROM sp)
SELECT (SELECT session_merge(x.state) FROM s, session_split(s.st) x)::bytea = (SELECT st::bytea FROM s) AS merged_back;
SELECT x.session_start FROM session_split((SELECT session_agg(ts, '30 min') FROM sp)) x LIMIT 1;
SELECT count(*) FROM session_split((SELECT session_agg(ts, '30 min') FROM sp WHERE false));
SELECT count(*) FROM session_split(NULL);
SELECT * FROM session_split('\x535a5354'::bytea::sessionstate);
