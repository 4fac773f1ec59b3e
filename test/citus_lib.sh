# A throwaway Citus cluster for tests and benchmarks (sourced after test/lib.sh):
#
#   sz_citus_setup            build and install Citus once (test/citus_build.sh);
#                             returns 3 and sets SZ_CITUS_SKIP to why when
#                             Citus cannot be had here (no vendor folder,
#                             PostgreSQL 18)
#   sz_citus_start DIR [conf lines...]
#                             a coordinator and two workers as the postgres OS
#                             user, data in DIR/coord, DIR/w1, DIR/w2, all
#                             listening on Unix sockets in DIR only (no TCP);
#                             sets SZ_CITUS_PORT (coordinator), the workers on
#                             the next two ports; database "citus" on each,
#                             with the citus extension; the workers added
#   sz_citus_stop DIR         stop the three servers
#   sz_citus_psql DIR [psql args...]   psql on the coordinator's database
#
# The nodes reach each other through the socket directory: Citus's node name
# is DIR, which libpq reads as a Unix socket directory (citus.node_conninfo
# sslmode=disable; SSL is never used over Unix sockets anyway).

sz_citus_setup() {
	local rc=0
	SZ_CITUS_SKIP=$(bash "$SZ_ROOT/test/citus_build.sh") || rc=$?
	return $rc
}

# three free ports in a row, starting near SZ_PORT + 100
sz_citus_ports() {
	local p=$(( ${SZ_PORT:-50000} + 100 )) i free
	while :; do
		free=true
		for i in 0 1 2; do
			if [ -e "/tmp/.s.PGSQL.$((p + i))" ] || ss -ltn 2>/dev/null | grep -q ":$((p + i)) "; then
				free=false
			fi
		done
		$free && break
		p=$((p + 3))
	done
	echo "$p"
}

sz_citus_start() {
	local dir=$1 n port
	shift
	SZ_CITUS_PORT=$(sz_citus_ports)
	SZ_CITUS_DIR=$dir
	port=$SZ_CITUS_PORT
	for n in coord w1 w2; do
		sz_as_pg mkdir -p "$dir/$n"
		sz_start_server "$dir/$n" "$port" \
			"unix_socket_directories = '$dir'" \
			"shared_preload_libraries = 'citus'" \
			"citus.node_conninfo = 'sslmode=disable'" \
			"max_connections = 200" \
			"max_worker_processes = 20" \
			"timezone = 'UTC'" \
			"$@"
		port=$((port + 1))
	done
	SZ_CITUS_PIDS=()
	for n in coord w1 w2; do
		SZ_CITUS_PIDS+=("$(head -1 "$dir/$n/data/postmaster.pid")")
	done
	port=$SZ_CITUS_PORT
	for n in coord w1 w2; do
		sz_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
			-c "CREATE DATABASE citus" >/dev/null
		sz_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d citus \
			-c "SET client_min_messages = warning" -c "CREATE EXTENSION citus" >/dev/null
		port=$((port + 1))
	done
	sz_citus_psql "$dir" -At \
		-c "SELECT citus_set_coordinator_host('$dir', $SZ_CITUS_PORT)" \
		-c "SELECT citus_add_node('$dir', $((SZ_CITUS_PORT + 1)))" \
		-c "SELECT citus_add_node('$dir', $((SZ_CITUS_PORT + 2)))" >/dev/null
	sz_log "Citus $(sz_citus_psql "$dir" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'"): coordinator on port $SZ_CITUS_PORT, workers on $((SZ_CITUS_PORT + 1)) and $((SZ_CITUS_PORT + 2)), sockets in $dir"
}

sz_citus_stop() {
	local dir=$1 n pid
	for n in coord w1 w2; do
		if [ -f "$dir/$n/data/postmaster.pid" ]; then
			sz_as_pg "$PG_BIN/pg_ctl" -D "$dir/$n/data" -m fast -w stop >/dev/null 2>&1 || true
		fi
	done
	# a data directory removed under a running server: stop it by pid
	for pid in "${SZ_CITUS_PIDS[@]:-}"; do
		[ -n "$pid" ] || continue
		if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
			kill -INT "$pid" 2>/dev/null || true
		fi
	done
}

# sz_citus_psql DIR [psql args...]: the coordinator's database "citus"
sz_citus_psql() {
	local dir=$1
	shift
	sz_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$SZ_CITUS_PORT" -U postgres -d citus "$@"
}

# sz_citus_worker_psql DIR N [psql args...]: worker N (1 or 2)
sz_citus_worker_psql() {
	local dir=$1 n=$2
	shift 2
	sz_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$((SZ_CITUS_PORT + n))" -U postgres -d citus "$@"
}
