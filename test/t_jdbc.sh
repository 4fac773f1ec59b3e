#!/usr/bin/env bash
# The generated views through a real BI client: the PostgreSQL JDBC driver
# (Debian's libpostgresql-jdbc-java, with a headless JDK), as Metabase's sync
# and QuickSight read them (docs/clickstream.md, "BI tools over JDBC").
#
# JDBC needs TCP and the suite's server (SZ_DIR, SZ_PORT; see test/check.sh)
# listens on a Unix socket only, so this script starts its own throwaway
# cluster on 127.0.0.1 and a free port (same server binaries, the extension
# installed there), with trust auth for loopback, and stops it at exit.
#
# Data: bench/generate.sql (400 users, 10 days, Web/Android/iOS); a session
# view and a session table over it (UTC), and one of each in
# America/New_York, all with dashboards; a batch of late events, refreshed
# into the tables.  test/jdbc/SessionizeJdbc.java (compiled into a scratch
# directory) checks the catalog (getTables/getColumns: a comment on every
# view and column, plain JDBC types), reads every view, and runs the KPI
# queries a BI tool runs for a date range and a platform, with bound
# parameters.  This script compares its numbers with plain SQL over the
# 13 columns of each session view or table, and its row counts with psql's.
#
# Installs what is missing with apt-get; fails when java or javac cannot be
# had; skips (exit 0) only when the packages are not in the registry.
. "$(dirname "$0")/lib.sh"

DB=sz_jdbc
FROM=2025-06-03
TO=2025-06-07
PLATFORM=Android
NY=America/New_York
failures=0


########################################################################
# Java and the driver, from Debian's packages
JAR=/usr/share/java/postgresql.jar
need=()
[ -f "$JAR" ] || need+=(libpostgresql-jdbc-java)
command -v java >/dev/null || need+=(default-jre-headless)
command -v javac >/dev/null || need+=(default-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
	echo "== installing ${need[*]}"
	if ! sz_as_root apt-get -o DPkg::Lock::Timeout=300 update -qq; then
		echo "FAIL: apt-get update failed: cannot tell whether ${need[*]} can be had"
		exit 1
	fi
	for p in "${need[@]}"; do
		cand=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
		if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
			echo "skipped: package $p is not available from the apt registry"
			exit 0
		fi
	done
	if ! sz_as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${need[@]}" >/dev/null; then
		echo "FAIL: apt-get install ${need[*]} failed"
		exit 1
	fi
fi
for tool in java javac; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not found after installing its package"; exit 1; }
done
[ -f "$JAR" ] || { echo "FAIL: $JAR not found after installing libpostgresql-jdbc-java"; exit 1; }

########################################################################
# A server of our own on 127.0.0.1
port_free() {
	! (ss -ltnH 2>/dev/null | grep -q ":$1 ") && ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
PORT=$((40000 + RANDOM % 10000))
while ! port_free "$PORT"; do PORT=$((PORT + 1)); done

W=$(sz_workdir)
J=$(mktemp -d /tmp/sz_jdbc_classes.XXXXXX)
cleanup() {
	sz_stop_server "$W"
	rm -rf "$W" "$J"
}
trap cleanup EXIT

# (sz_start_server writes listen_addresses = '' first: the later line wins;
# initdb -A trust covers the host lines for 127.0.0.1)
sz_start_server "$W" "$PORT" "listen_addresses = '127.0.0.1'" "statement_timeout = '60s'"
[ "$(sz_psql "$W" "$PORT" -d postgres -Atc "SHOW listen_addresses")" = 127.0.0.1 ] ||
	{ echo "FAIL: the server does not listen on 127.0.0.1"; exit 1; }

q() { sz_psql "$W" "$PORT" -d "$DB" -At -c "$1"; }

sz_psql "$W" "$PORT" -d postgres -c "CREATE DATABASE $DB" >/dev/null
q "CREATE EXTENSION sessionize" >/dev/null
sz_psql "$W" "$PORT" -d "$DB" -v users=400 -v days=10 -v start=2025-06-01 -v seed=0.16 \
	-f - <"$SZ_ROOT/bench/generate.sql" >/dev/null
sz_psql "$W" "$PORT" -d "$DB" -At >/dev/null <<SQL
SET client_min_messages = warning;
SELECT create_session_view('events', 'sv');
SELECT create_session_view('events', 'sv_ny', time_zone => '$NY');
SELECT create_session_table('events', 'st');
SELECT create_session_table('events', 'st_ny', time_zone => '$NY');
-- late events: new users, and old users' events around the range's edges
INSERT INTO events (event_id, event_name, event_timestamp, event_time_msec, platform,
                    user_pseudo_id, session_id, page_view_page_title,
                    screen_view_screen_name, user_engagement_time_msec)
SELECT 'late-' || g, n,
       timestamp '2025-06-02 20:00' + g * interval '7 minutes 13.5 seconds',
       extract(epoch FROM timestamp '2025-06-02 20:00' + g * interval '7 minutes 13.5 seconds')::bigint * 1000,
       p, CASE WHEN g % 3 = 0 THEN u.user_pseudo_id ELSE 'late-user-' || g % 17 END, NULL,
       CASE WHEN n = '_page_view' THEN 'Home' END,
       CASE WHEN n = '_screen_view' THEN 'HomeScreen' END,
       CASE WHEN n = '_user_engagement' THEN 1000 + g * 37 END
FROM generate_series(1, 600) g
CROSS JOIN LATERAL (SELECT (ARRAY['Web', 'Android', 'iOS'])[1 + g % 3] AS p,
                           (ARRAY['_page_view', '_screen_view', '_user_engagement', '_click'])[1 + g % 4] AS n) x
CROSS JOIN LATERAL (SELECT user_pseudo_id FROM events WHERE platform = x.p
                    ORDER BY event_id OFFSET g % 50 LIMIT 1) u;
SELECT refresh_session_table('st');
SELECT refresh_session_table('st_ny');
ANALYZE;
SQL

for t in st st_ny; do
	v=${t/st/sv}
	check "session table $t equals session view $v after a refresh (rows differing)" 0 "$(q "
		SELECT (SELECT count(*) FROM (TABLE $v EXCEPT ALL TABLE $t) a)
		     + (SELECT count(*) FROM (TABLE $t EXCEPT ALL TABLE $v) b)")"
done
check "the data has the three platforms and sessions on each day of the range" "Android,Web,iOS|5" "$(q "
	SELECT string_agg(DISTINCT platform, ',' ORDER BY platform),
	       count(DISTINCT session_date) FILTER (WHERE session_date::date BETWEEN '$FROM' AND '$TO')
	FROM sv")"

########################################################################
# Through JDBC
timeout 120 javac -d "$J" -cp "$JAR" "$SZ_ROOT/test/jdbc/SessionizeJdbc.java" ||
	{ echo "FAIL: javac could not compile test/jdbc/SessionizeJdbc.java"; exit 1; }
URL="jdbc:postgresql://127.0.0.1:$PORT/$DB?user=postgres&connectTimeout=10&socketTimeout=120&ApplicationName=sessionize-t_jdbc"
set +e
timeout 180 java -cp "$J:$JAR" SessionizeJdbc "$URL" "$FROM" "$TO" "$PLATFORM" \
	sv:view st:table sv_ny:view st_ny:table >"$J/out" 2>&1
java_rc=$?
set -e
cat "$J/out"
failures=$((failures + $(grep -c '^FAIL' "$J/out" || true)))
check "the JDBC client ran to the end (exit status)" 0 "$java_rc"
grep -q '^done=1$' "$J/out" || { echo "FAIL: the JDBC client's output is incomplete"; failures=$((failures + 1)); }
# j KEY: a value the JDBC client printed
j() { sed -n "s/^$(printf '%s' "$1" | sed 's/[.]/[.]/g')=//p" "$J/out" | head -1; }

########################################################################
# The same numbers in plain SQL over the 13 columns
# every view read through JDBC has the row count psql sees
views=$(q "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'v' ORDER BY 1")
for v in $views; do
	check "$v: rows read through JDBC" "$(q "SELECT count(*) FROM $v")" "$(j "rows.$v")"
done
check "views read through JDBC (every view of the schema)" "$(echo $views | wc -w)" "$(j views)"

for rel in sv st sv_ny st_ny; do
	case $rel in *_ny) zone=$NY ;; *) zone=UTC ;; esac
	# the day of the session start in the relation's zone, from its start in ms
	day="((timestamptz 'epoch' + session_start_timestamp * interval '1 ms') AT TIME ZONE '$zone')::date"
	range="$day BETWEEN '$FROM' AND '$TO'"

	read -r sessions engaged views eng_s sess_s rate vps eps avg_s <<<"$(q "
		SELECT count(*), sum(engaged_session), sum(session_views),
		       round(sum(session_engagement_time) / 1000.0, 3), round(sum(session_duration) / 1000.0, 3),
		       round(avg(engaged_session), 4), round(sum(session_views)::numeric / count(*), 4),
		       round(sum(session_engagement_time) / 1000.0 / count(*), 3), round(avg(session_duration) / 1000.0, 3)
		FROM $rel WHERE $range AND platform = '$PLATFORM'" | tr '|' ' ')"
	k=engagement.$rel
	check "$rel: ${rel}_engagement filtered by JDBC: sessions" "$sessions" "$(j "$k.sessions")"
	check "$rel: ${rel}_engagement filtered by JDBC: engaged_sessions" "$engaged" "$(j "$k.engaged_sessions")"
	check "$rel: ${rel}_engagement filtered by JDBC: session_views" "$views" "$(j "$k.session_views")"
	check "$rel: ${rel}_engagement filtered by JDBC: total_engagement_seconds" "$eng_s" "$(j "$k.total_engagement_seconds")"
	check "$rel: ${rel}_engagement filtered by JDBC: total_session_seconds" "$sess_s" "$(j "$k.total_session_seconds")"
	check "$rel: ${rel}_engagement filtered by JDBC: engagement_rate from the sums" "$rate" "$(j "$k.engagement_rate")"
	check "$rel: ${rel}_engagement filtered by JDBC: avg_views_per_session from the sums" "$vps" "$(j "$k.avg_views_per_session")"
	check "$rel: ${rel}_engagement filtered by JDBC: avg_engagement_seconds_per_session from the sums" "$eps" "$(j "$k.avg_engagement_seconds_per_session")"
	check "$rel: ${rel}_engagement filtered by JDBC: avg_session_seconds from the sums" "$avg_s" "$(j "$k.avg_session_seconds")"

	check "$rel: ${rel}_daily summed over the range by JDBC: sessions" \
		"$(q "SELECT count(*) FROM $rel WHERE $range")" "$(j "daily.$rel.sessions")"
	check "$rel: ${rel}_daily summed over the range by JDBC: sessions on $PLATFORM" "$sessions" "$(j "daily.$rel.sessions_platform")"
	check "$rel: ${rel}_daily summed by JDBC, the range bound as timestamps: sessions on $PLATFORM" \
		"$sessions" "$(j "daily.$rel.sessions_platform_timestamps")"
	# each row of the _engagement view is session_kpis() of its day and platform
	check "$rel: ${rel}_engagement rows equal to session_kpis() of their day and platform" "$(q "SELECT count(*) FROM ${rel}_engagement")|0" "$(q "
		SELECT count(*), count(*) FILTER (WHERE (k.*) IS DISTINCT FROM (e.users, e.sessions, e.engaged_sessions,
		           e.session_views, e.total_engagement_seconds, e.total_session_seconds,
		           e.avg_engaged_sessions_per_user, e.avg_engagement_seconds_per_session,
		           e.avg_engagement_seconds_per_user, e.avg_views_per_session, e.avg_views_per_user,
		           e.engagement_rate, e.avg_session_seconds))
		FROM ${rel}_engagement e, session_kpis('$rel', e.session_date, e.session_date, e.platform) k")"

	# the other dashboards, summed over the range by JDBC
	read -r users entries exits <<<"$(q "
		SELECT count(DISTINCT user_pseudo_id), count(entry_view), count(exit_view)
		FROM $rel WHERE $range AND platform = '$PLATFORM'" | tr '|' ' ')"
	check "$rel: ${rel}_length_distribution summed over the range by JDBC: sessions" "$sessions" "$(j "range.$rel.length_distribution.sessions")"
	check "$rel: ${rel}_users summed over the range by JDBC: sessions" "$sessions" "$(j "range.$rel.users.sessions")"
	check "$rel: ${rel}_users over the range by JDBC: count(DISTINCT user_pseudo_id)" "$users" "$(j "range.$rel.users.users")"
	check "$rel: ${rel}_entry_exit summed over the range by JDBC: entries and exits" "$entries $exits" \
		"$(j "range.$rel.entry_exit.entry_sessions") $(j "range.$rel.entry_exit.exit_sessions")"
	if [ "${rel#sv}" != "$rel" ]; then
		check "$rel: ${rel}_pages summed over the range by JDBC: entries and exits" "$entries $exits" \
			"$(j "range.$rel.pages.entry_sessions") $(j "range.$rel.pages.exit_sessions")"
	fi
	check "$rel: ${rel}_concluded over the range by JDBC: sessions (all ended long ago)" "$sessions" "$(j "range.$rel.concluded.sessions")"

	# session_kpis(), on the platform and on all of them
	for which in platform all; do
		if [ $which = platform ]; then where="$range AND platform = '$PLATFORM'"; else where=$range; fi
		IFS='|' read -r users s e v es ss epu eps_ eu vps_ vpu rate_ avg_ <<<"$(q "
			SELECT count(DISTINCT user_pseudo_id), count(*), sum(engaged_session), sum(session_views),
			       round(sum(session_engagement_time) / 1000.0, 3), round(sum(session_duration) / 1000.0, 3),
			       round(sum(engaged_session)::numeric / count(DISTINCT user_pseudo_id), 4),
			       round(sum(session_engagement_time) / 1000.0 / count(*), 3),
			       round(sum(session_engagement_time) / 1000.0 / count(DISTINCT user_pseudo_id), 3),
			       round(sum(session_views)::numeric / count(*), 4),
			       round(sum(session_views)::numeric / count(DISTINCT user_pseudo_id), 4),
			       round(avg(engaged_session), 4), round(avg(session_duration) / 1000.0, 3)
			FROM $rel WHERE $where")"
		k=kpis.$rel.$which
		label="$rel: session_kpis($rel, $FROM, $TO, $([ $which = platform ] && echo "'$PLATFORM'" || echo NULL)) by JDBC"
		check "$label: users = count(DISTINCT user_pseudo_id)" "$users" "$(j "$k.users")"
		actual=""
		for c in sessions engaged_sessions session_views total_engagement_seconds total_session_seconds \
			avg_engaged_sessions_per_user avg_engagement_seconds_per_session avg_engagement_seconds_per_user \
			avg_views_per_session avg_views_per_user engagement_rate avg_session_seconds; do
			actual+="$(j "$k.$c") "
		done
		check "$label: the other 12 KPIs" "$s $e $v $es $ss $epu $eps_ $eu $vps_ $vpu $rate_ $avg_ " "$actual"
	done
	if [ -z "$(j "kpis.$rel.platform.users")" ] || [ "$(j "kpis.$rel.platform.users")" = "$(j "kpis.$rel.all.users")" ]; then
		echo "FAIL: $rel: session_kpis() gives the same users on $PLATFORM as on all platforms: the filter did nothing"
		failures=$((failures + 1))
	fi
done
check "the New York zone moves sessions between days (${FROM}'s sessions in sv and sv_ny differ)" t "$(q "
	SELECT (SELECT count(*) FROM sv WHERE session_date = '$FROM') <> (SELECT count(*) FROM sv_ny WHERE session_date = '$FROM')")"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
