# Shared shell functions of test/check.sh, test/demo.sh and bench/run.sh.
#
#   sz_setup       install what is missing (Debian), build and install the extension
#   sz_start_server DIR PORT [extra postgresql.conf lines...]
#                  start a throwaway cluster in DIR as the postgres OS user
#   sz_stop_server DIR
#   sz_psql ARGS   psql against the throwaway server, as the postgres OS user
#
# Everything runs on a stock Debian machine.  PG_MAJOR picks the server:
# 15 (the default) is Debian 12's own packages; any other major (18) is built
# from Debian's source package by test/pgbuild.sh into a cache outside the
# checkout (${SZ_PG_CACHE:-/var/cache/sessionize}/pg-MAJOR/install), with
# pg_cron, once; the extension is then installed into that installation.
#
# The extension is built in a scratch copy of the tree (never in the
# checkout, so that builds for two majors or two runs do not share objects),
# with -Werror unless SZ_WERROR=0.

set -euo pipefail

SZ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
export PG_MAJOR
# the major that comes from the system's packages; the others from source
SZ_SYSTEM_MAJOR=15
if [ "$PG_MAJOR" = "$SZ_SYSTEM_MAJOR" ]; then
	SZ_PG_SOURCE_BUILD=false
	# the installation's directories (the server finds its library and
	# share directories relative to its binary)
	SZ_PG_DIRS=("/usr/lib/postgresql/$PG_MAJOR" "/usr/share/postgresql/$PG_MAJOR")
else
	SZ_PG_SOURCE_BUILD=true
	SZ_PG_DIRS=("${SZ_PG_CACHE:-/var/cache/sessionize}/pg-$PG_MAJOR/install")
fi
PG_BIN=${SZ_PG_DIRS[0]}/bin
PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}
# SZ_PREFIX=DIR: a private copy of the server's installation under DIR, with
# the extension installed there instead of into the system directories (or
# the cache), so that several checkouts can build, test and benchmark side
# by side.
SZ_PREFIX=${SZ_PREFIX:-}
if [ -n "$SZ_PREFIX" ]; then
	PG_BIN=$SZ_PREFIX$PG_BIN
fi
# A port of our own, so that several runs can share a machine.
if [ -z "${SZ_PORT:-}" ]; then
	SZ_PORT=$((50000 + $$ % 10000))
	while [ -e "/tmp/.s.PGSQL.$SZ_PORT" ] || ss -ltn 2>/dev/null | grep -q ":$SZ_PORT "; do
		SZ_PORT=$((SZ_PORT + 1))
	done
fi

sz_log() { printf '== %s\n' "$*" >&2; }

# Run a command as root (we are root on CI; sudo elsewhere).
sz_as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Run a command as the OS user that owns the throwaway cluster.
sz_as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- env PATH="$PG_BIN:$PATH" "$@"
	else
		env PATH="$PG_BIN:$PATH" "$@"
	fi
}

# Install the Debian packages we need when something is missing; for a major
# built from source, build it (once: test/pgbuild.sh is a no-op when its
# cache holds the current version).
sz_install_deps() {
	local need=() d
	if $SZ_PG_SOURCE_BUILD; then
		bash "$SZ_ROOT/test/pgbuild.sh" "$PG_MAJOR" >/dev/null
	else
		# (the system's server: with SZ_PREFIX, PG_BIN is its copy, made below)
		[ -x "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ] || need+=("postgresql-$PG_MAJOR")
		# pgxs.mk alone is not enough: newer Debian packages ship it with the
		# client, without the server headers
		{ [ -f "$($PG_CONFIG --pgxs 2>/dev/null || echo /nonexistent)" ] &&
			[ -f "$($PG_CONFIG --includedir-server 2>/dev/null || echo /nonexistent)/postgres.h" ]; } ||
			need+=("postgresql-server-dev-$PG_MAJOR")
		[ -f "/usr/lib/postgresql/$PG_MAJOR/lib/pg_cron.so" ] || need+=("postgresql-$PG_MAJOR-cron")
	fi
	command -v make >/dev/null || need+=(make)
	command -v gcc >/dev/null || need+=(gcc)
	if [ ${#need[@]} -gt 0 ]; then
		sz_log "installing ${need[*]}"
		sz_as_root apt-get update -qq
		sz_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
	fi
	if [ -n "$SZ_PREFIX" ] && [ ! -x "$PG_BIN/postgres" ]; then
		sz_log "copying the PostgreSQL installation to $SZ_PREFIX"
		for d in "${SZ_PG_DIRS[@]}"; do
			mkdir -p "$SZ_PREFIX$d"
			cp -a "$d/." "$SZ_PREFIX$d/"
		done
		chmod 755 "$SZ_PREFIX"
	fi
}

# Build the extension in a scratch copy of the tree and install it into the
# server's directories (with SZ_PREFIX, into the private copy).
sz_build() {
	local b make_args
	sz_log "building sessionize for PostgreSQL $PG_MAJOR"
	b=$(mktemp -d /tmp/sessionize-build.XXXXXX)
	(cd "$SZ_ROOT" && tar --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		--exclude=./results --exclude=./log --exclude=./tmp_check --exclude=./bench/results -cf - .) | tar -C "$b" -xf -
	rm -f "$b"/sql/sessionize--"$(sed -n 's/^EXTVERSION *= *//p' "$b/Makefile")".sql
	make_args=(-C "$b" -s PG_CONFIG="$PG_CONFIG")
	[ "${SZ_WERROR:-1}" = 0 ] || make_args+=(COPT=-Werror)
	if ! make "${make_args[@]}" >/dev/null; then
		rm -rf "$b"
		return 1
	fi
	if [ -n "$SZ_PREFIX" ]; then
		make "${make_args[@]}" DESTDIR="$SZ_PREFIX" install >/dev/null
	else
		sz_as_root make "${make_args[@]}" install >/dev/null
	fi
	rm -rf "$b"
}

# SZ_SKIP_BUILD=1 uses the extension as installed already.
sz_setup() {
	sz_install_deps
	[ "${SZ_SKIP_BUILD:-0}" = 1 ] || sz_build
}

# A scratch directory the postgres OS user can write to.
sz_workdir() {
	local d
	d=$(mktemp -d /tmp/sessionize.XXXXXX)
	chmod 755 "$d"
	[ "$(id -u)" = 0 ] && chown postgres: "$d"
	echo "$d"
}

# sz_start_server DIR PORT [conf lines...]: initdb and start a cluster.
sz_start_server() {
	local dir=$1 port=$2
	shift 2
	sz_log "starting a throwaway server in $dir on port $port"
	sz_as_pg "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C >/dev/null
	{
		echo "port = $port"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "fsync = off"
		echo "max_parallel_workers_per_gather = 2"
		for line in "$@"; do echo "$line"; done
	} | sz_as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
	sz_as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
	SZ_POSTMASTER_PID=$(head -1 "$dir/data/postmaster.pid")
}

sz_stop_server() {
	local dir=$1
	if [ -f "$dir/data/postmaster.pid" ]; then
		sz_as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	elif [ -n "${SZ_POSTMASTER_PID:-}" ]; then
		# the data directory went away under a running server: stop it by pid
		kill -INT "$SZ_POSTMASTER_PID" 2>/dev/null || true
	fi
}

# sz_psql DIR PORT [psql args...]
sz_psql() {
	local dir=$1 port=$2
	shift 2
	sz_as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres "$@"
}

# For the script tests test/t_*.sh: check WHAT EXPECTED ACTUAL prints one
# "ok:" or "FAIL:" line and counts failures in $failures; sz_finish NAME
# prints the verdict and exits non-zero when a check failed.
failures=0
check() {
	if [ "$2" = "$3" ]; then
		echo "ok:   $1 ($3)"
	else
		echo "FAIL: $1: expected '$2', got '$3'"
		failures=$((failures + 1))
	fi
}
sz_finish() {
	if [ "$failures" -eq 0 ]; then
		echo "$1: all checks passed"
	else
		echo "$1: $failures check(s) failed"
		exit 1
	fi
}
