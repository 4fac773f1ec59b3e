-- The worked example of docs/semantics.md (timeout 30 min, user u1).
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE TEMP TABLE worked (id int, u text, ts timestamptz, name text, view text, counted boolean);
INSERT INTO worked VALUES
 (1, 'u1', '2026-09-01 10:00:00', '_session_start',    NULL,    true),
 (2, 'u1', '2026-09-01 10:00:05', '_page_view',        '/home', true),
 (3, 'u1', '2026-09-01 10:10:00', 'Notification Sent', NULL,    false),
 (4, 'u1', '2026-09-01 10:30:05', '_page_view',        '/cart', true),
 (5, 'u1', '2026-09-01 11:00:06', '_page_view',        '/pay',  true),
 (6, 'u1', NULL,                  '_click',            NULL,    true);
SELECT id, ts, name,
       session_number(ts, '30 min', counted => counted) OVER w AS n,
       session_start(ts, '30 min', counted => counted) OVER w AS start,
       session_id(u, ts, '30 min', counted => counted) OVER w AS sid,
       session_split_reason(ts, '30 min', counted => counted) OVER w AS reason
FROM worked
WINDOW w AS (PARTITION BY u ORDER BY ts, id)
ORDER BY id;
