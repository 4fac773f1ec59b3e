-- bench/generate.sql: a synthetic clickstream in the shape of AWS Clickstream's
-- event_v2 table (the columns sessionize reads; see docs/clickstream.md).
--
--   psql -v users=1000 -v seed=0.42 -f bench/generate.sql
--
-- Variables (all optional):
--   users  number of users (user_pseudo_id), default 1000 (about 20 events each)
--   seed   setseed() argument in [-1, 1], default 0.42: the same seed on the
--          same PostgreSQL major version gives the same table
--   days   length of the observed period, default 30
--   start  first day of the period (UTC), default 2025-06-01
--
-- It (re)creates the table "events" in the first schema of search_path.
--
-- The shape, per user:
--   * one platform: Web (50 %), Android (30 %), iOS (20 %);
--   * SDK sessions: 1 + floor(lognormal(0, 1.2)) (median 2, long tail, at most
--     200), spread over the whole period by lognormal gaps (sigma 1) scaled
--     per user: hours to days apart, a few under 30 minutes (which a
--     30-minute timeout merges; heavy users have more of them);
--   * each SDK session: a _session_start, then 1 + floor(lognormal(ln 3, 1))
--     events (at most 300) with lognormal gaps (median 20 s, sigma 1.9: about
--     1 % of gaps exceed 30 minutes), 1 % same-millisecond ties, and a landing
--     view 0-300 ms after the _session_start;
--   * event mix: _page_view (Web) or _screen_view (apps) 45 %,
--     _user_engagement 15 %, _click 18 %, _scroll 12 %, _search 5 %,
--     Notification Sent 5 % (server-side: half of them without session_id),
--     App Installed right after the first _session_start of app users;
--   * 20 page titles / screen names, skewed towards the first ones;
--   * session_id: the SDK's '<last 8 chars of user_pseudo_id>-yyyyMMdd-
--     HHmmssSSS' (UTC start of the SDK session); 0.2 % NULL, 0.2 % ''.
-- Rows are stored in time order (event_time_msec, event_id), as ingested.
--
-- Generation is set-based and runs in one process (random() sequences are
-- per process): 30-60 s for 3.3 million events (users=200000) on two cores.

\if :{?users}
\else
\set users 1000
\endif
\if :{?seed}
\else
\set seed 0.42
\endif
\if :{?days}
\else
\set days 30
\endif
\if :{?start}
\else
\set start 2025-06-01
\endif

BEGIN;

-- (SET LOCAL: the caller's session settings are back after COMMIT)
SET LOCAL client_min_messages = warning;
-- random() must be drawn by one process in one order to be reproducible
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL work_mem = '256MB';

SELECT setseed(:seed) \g /dev/null

-- A standard normal draw (Box-Muller; 1 - random() is in (0, 1]).
CREATE FUNCTION pg_temp.sz_normal() RETURNS float8
LANGUAGE sql VOLATILE
AS $$ SELECT sqrt(-2.0 * ln(1.0 - random())) * cos(2.0 * pi() * random()) $$;

-- Users.  tail_gap: the (unmaterialised) lognormal gap after the last session,
-- used to scale the gaps of the user so that they fill the period.
CREATE TEMP TABLE gen_user ON COMMIT DROP AS
SELECT u,
       CASE WHEN r < 0.5 THEN 'Web' WHEN r < 0.8 THEN 'Android' ELSE 'iOS' END AS platform,
       md5(:'seed' || '/user/' || u)::uuid::text AS user_pseudo_id,
       least(200, 1 + floor(exp(1.2 * pg_temp.sz_normal())))::int AS nsess,
       exp(pg_temp.sz_normal()) AS tail_gap
FROM (SELECT u, random() AS r FROM generate_series(1, :users) AS u) AS x;

-- SDK sessions: number of events after the _session_start, and a relative
-- lognormal gap before the session (scaled later).
CREATE TEMP TABLE gen_session ON COMMIT DROP AS
SELECT gu.u, s.s, gu.platform, gu.user_pseudo_id, gu.tail_gap,
       least(300, 1 + floor(exp(ln(3.0) + pg_temp.sz_normal())))::int AS nev,
       exp(pg_temp.sz_normal()) AS gap
FROM gen_user AS gu, LATERAL generate_series(1, gu.nsess) AS s(s);

-- Events of each SDK session: gap in ms from the previous event, name, view
-- and engagement time.
CREATE TEMP TABLE gen_event ON COMMIT DROP AS
SELECT u, s, e, gap_ms,
       CASE WHEN e = 1 THEN '_session_start'
            WHEN e = 2 AND s = 1 AND platform <> 'Web' THEN 'App Installed'
            WHEN e = 2 OR r_name < 0.45 THEN
                CASE WHEN platform = 'Web' THEN '_page_view' ELSE '_screen_view' END
            WHEN r_name < 0.60 THEN '_user_engagement'
            WHEN r_name < 0.78 THEN '_click'
            WHEN r_name < 0.90 THEN '_scroll'
            WHEN r_name < 0.95 THEN '_search'
            ELSE 'Notification Sent'
       END AS event_name,
       1 + floor(20 * r_view * r_view)::int AS view_no,
       floor(exp(ln(8000.0) + eng_z))::bigint AS engagement_ms,
       r_sid
FROM (
    SELECT gs.u, gs.s, e.e, gs.platform,
           CASE WHEN e.e = 1 THEN 0
                WHEN e.e = 2 THEN floor(random() * 300)
                WHEN random() < 0.01 THEN 0
                ELSE least(43200000, floor(exp(ln(20000.0) + 1.9 * pg_temp.sz_normal())))
           END::bigint AS gap_ms,
           random() AS r_name, random() AS r_view, random() AS r_sid,
           pg_temp.sz_normal() AS eng_z
    FROM gen_session AS gs, LATERAL generate_series(1, gs.nev + 1) AS e(e)
) AS x;

-- Start of each SDK session: the gaps of the user, scaled so that gaps plus
-- session durations fill the period, accumulate with the earlier durations.
CREATE TEMP TABLE gen_start ON COMMIT DROP AS
SELECT u, s, platform, user_pseudo_id, start_ms,
       right(user_pseudo_id, 8) || '-' ||
       to_char(timestamp '1970-01-01' + start_ms * interval '1 millisecond',
               'YYYYMMDD-HH24MISSMS') AS sdk_session_id
FROM (
    SELECT u, s, platform, user_pseudo_id,
           (extract(epoch FROM :'start'::timestamp) * 1000)::bigint
           + floor(greatest(0, :days * 86400000.0 - sum(dur_ms) OVER u)
                   / (sum(gap) OVER u + tail_gap)
                   * sum(gap) OVER (u ORDER BY s))::bigint
           + coalesce(sum(dur_ms) OVER (u ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
           AS start_ms
    FROM gen_session
    JOIN (SELECT u, s, sum(gap_ms) AS dur_ms FROM gen_event GROUP BY u, s) AS d
      USING (u, s)
    WINDOW u AS (PARTITION BY u)
) AS x;

DROP TABLE IF EXISTS events;
CREATE TABLE events (
    event_id text NOT NULL,
    event_name text,
    event_timestamp timestamp,		-- UTC
    event_time_msec bigint,			-- the same instant, ms since 1970-01-01 UTC
    platform text,
    user_pseudo_id text NOT NULL,
    session_id text,				-- SDK session id
    page_view_page_title text,
    screen_view_screen_name text,
    user_engagement_time_msec bigint
);

INSERT INTO events
SELECT md5(:'seed' || '/event/' || ev.u || '/' || ev.s || '/' || ev.e)::uuid::text AS event_id,
       ev.event_name,
       timestamp '1970-01-01' + ev.ts_ms * interval '1 millisecond',
       ev.ts_ms,
       ev.platform,
       ev.user_pseudo_id,
       CASE WHEN ev.event_name = 'Notification Sent' AND ev.r_sid < 0.5 THEN NULL
            WHEN ev.r_sid < 0.002 THEN NULL
            WHEN ev.r_sid < 0.004 THEN ''
            ELSE ev.sdk_session_id
       END,
       CASE WHEN ev.event_name = '_page_view' THEN (ARRAY[
           'Home', 'Search results', 'Product detail', 'Category: Shoes',
           'Category: Jackets', 'Cart', 'Checkout', 'Payment', 'Order confirmation',
           'Sign in', 'Create account', 'My account', 'Order history', 'Wishlist',
           'Help center', 'Contact us', 'Store locator', 'Sale', 'New arrivals',
           'Blog'])[ev.view_no] END,
       CASE WHEN ev.event_name = '_screen_view' THEN (ARRAY[
           'HomeScreen', 'SearchScreen', 'ProductScreen', 'CategoryScreen',
           'DealsScreen', 'CartScreen', 'CheckoutScreen', 'PaymentScreen',
           'OrderConfirmationScreen', 'SignInScreen', 'SignUpScreen',
           'AccountScreen', 'OrdersScreen', 'WishlistScreen', 'HelpScreen',
           'ChatScreen', 'StoresScreen', 'SettingsScreen', 'NotificationsScreen',
           'OnboardingScreen'])[ev.view_no] END,
       CASE WHEN ev.event_name = '_user_engagement' THEN ev.engagement_ms END
FROM (
    SELECT ge.u, ge.s, ge.e, ge.event_name, ge.view_no, ge.engagement_ms, ge.r_sid,
           st.platform, st.user_pseudo_id, st.sdk_session_id,
           st.start_ms + sum(ge.gap_ms) OVER (PARTITION BY ge.u, ge.s ORDER BY ge.e) AS ts_ms
    FROM gen_event AS ge
    JOIN gen_start AS st USING (u, s)
) AS ev
ORDER BY ev.ts_ms, event_id;

ALTER TABLE events ADD PRIMARY KEY (event_id);

COMMIT;

ANALYZE events;
