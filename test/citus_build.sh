#!/usr/bin/env bash
# test/citus_build.sh: Citus 13.2.2, a test dependency, built from the vendored
# source (../shared/vendor/citus-13.2.2.tar.gz beside the checkout; see its
# SOURCE.md) and installed into the system's PostgreSQL 15 (`make install` as
# root; with SZ_PREFIX, into that private copy of the installation).
#
#   ${SZ_CITUS_CACHE:-/var/cache/sessionize}/citus-13.2.2/
#       build/     the configured and built source tree (kept: a reinstall
#                  after an upgrade of the server package is a `make install`)
#       version    the key of what build/ holds: Citus's version, the
#                  tarball's SHA-256, the server's `pg_config --version`,
#                  whether the PostgreSQL 15.18 patch was applied and
#                  configure's options; written when the build succeeded
#       build.log  the output of the last build
#
# A second run is a no-op (well under a second) when the key matches and
# citus.so is installed.  The first build takes about 6 minutes on 2 cores.
# The patch citus-13.2.2-pg15.18.patch (PostgreSQL 15.18 exports
# have_createdb_privilege()) is applied only when the server's
# commands/dbcommands.h declares that function and the patch applies.
# Build dependencies (SOURCE.md) are installed with apt-get when missing.
#
# Nothing is copied into the checkout.  When the vendor folder is absent (or
# PG_MAJOR is not 15), it prints why on stdout (one line, nothing else goes
# to stdout) and exits with status 3, which callers treat as a skip; other
# failures exit 1, progress and errors go to stderr.
#
#   PG_MAJOR     only 15 is built here (Citus 13.2 supports 15-17; the
#                suite's other major, 18, is not supported: status 3)
set -euo pipefail

CITUS_VERSION=13.2.2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENDOR=${SZ_CITUS_VENDOR:-$(cd "$ROOT/.." && pwd)/shared/vendor}
TARBALL=$VENDOR/citus-$CITUS_VERSION.tar.gz
PATCH=$VENDOR/citus-$CITUS_VERSION-pg15.18.patch
CACHE=${SZ_CITUS_CACHE:-/var/cache/sessionize}/citus-$CITUS_VERSION
PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
SZ_PREFIX=${SZ_PREFIX:-}
JOBS=${SZ_CITUS_JOBS:-$(nproc 2>/dev/null || echo 2)}
CONFIGURE_OPTS=(--without-libcurl)

log() { printf '== citus %s: %s\n' "$CITUS_VERSION" "$*" >&2; }
skip() { echo "$*"; exit 3; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

case $PG_MAJOR in
15) ;;
16 | 17) skip "this script builds Citus for the system's PostgreSQL 15 only (PG_MAJOR=$PG_MAJOR)" ;;
*) skip "Citus $CITUS_VERSION supports PostgreSQL 15, 16 and 17, not $PG_MAJOR" ;;
esac
[ -f "$TARBALL" ] || skip "no $TARBALL (the vendor folder beside the checkout is absent)"
[ -x "$PG_CONFIG" ] || { echo "citus_build.sh: no $PG_CONFIG" >&2; exit 1; }

pkglibdir=$SZ_PREFIX$("$PG_CONFIG" --pkglibdir)
sharedir=$SZ_PREFIX$("$PG_CONFIG" --sharedir)
installed() { [ -f "$pkglibdir/citus.so" ] && [ -f "$sharedir/extension/citus.control" ]; }

# Is the patch needed?  The server's header declares the function from 15.18.
needs_patch=false
if grep -q 'have_createdb_privilege' "$("$PG_CONFIG" --includedir-server)/commands/dbcommands.h" 2>/dev/null; then
	needs_patch=true
fi
tar_sha=$(sha256sum "$TARBALL" | cut -d' ' -f1)
key="citus $CITUS_VERSION $tar_sha"$'\n'"$("$PG_CONFIG" --version)"$'\n'"pg15.18 patch: $needs_patch"$'\n'"configure ${CONFIGURE_OPTS[*]}"

as_root mkdir -p "$CACHE"
as_root chmod 755 "$CACHE" "$(dirname "$CACHE")"
# one build at a time: a second run waits, then finds the build done
exec 9>>"$CACHE/lock"
flock 9

have=$(cat "$CACHE/version" 2>/dev/null || true)
if [ "$have" = "$key" ] && [ -d "$CACHE/build" ]; then
	if installed; then
		exit 0
	fi
	log "reinstalling from $CACHE/build"
	as_root make -C "$CACHE/build" install DESTDIR="$SZ_PREFIX" >>"$CACHE/build.log" 2>&1 ||
		{ log "make install failed (log: $CACHE/build.log)"; exit 1; }
	exit 0
fi

# Build dependencies (SOURCE.md), and the server's headers
need=()
for p in libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libssl-dev libselinux1-dev \
	libxslt1-dev libpam0g-dev libreadline-dev zlib1g-dev gcc make patch "postgresql-server-dev-$PG_MAJOR"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi

as_root rm -f "$CACHE/version"
as_root rm -rf "$CACHE/build"
as_root mkdir -p "$CACHE/build"
as_root truncate -s 0 "$CACHE/build.log" 2>/dev/null || as_root touch "$CACHE/build.log"
fail() { log "failed: $* (log: $CACHE/build.log)"; exit 1; }
{
	echo "$(date -u '+%F %T UTC'): build of Citus $CITUS_VERSION for $("$PG_CONFIG" --version)"
	as_root tar -xzf "$TARBALL" -C "$CACHE/build" --strip-components=1
} >>"$CACHE/build.log" 2>&1 || fail "unpacking $TARBALL"
cd "$CACHE/build"
if $needs_patch; then
	if [ ! -f "$PATCH" ]; then
		fail "the server declares have_createdb_privilege() but $PATCH is missing"
	elif as_root patch -p1 --dry-run <"$PATCH" >>"$CACHE/build.log" 2>&1; then
		log "applying $(basename "$PATCH")"
		as_root patch -p1 <"$PATCH" >>"$CACHE/build.log" 2>&1 || fail "patch"
	else
		log "$(basename "$PATCH") does not apply: building without it"
	fi
fi
log "building into $("$PG_CONFIG" --version) (about 6 minutes on 2 cores; log: $CACHE/build.log)"
as_root ./configure PG_CONFIG="$PG_CONFIG" "${CONFIGURE_OPTS[@]}" >>"$CACHE/build.log" 2>&1 || fail "configure"
as_root make -j"$JOBS" >>"$CACHE/build.log" 2>&1 || fail "make"
as_root make install DESTDIR="$SZ_PREFIX" >>"$CACHE/build.log" 2>&1 || fail "make install"
printf '%s\n' "$key" | as_root tee "$CACHE/version" >/dev/null
log "done: $(sed -n 's/^default_version *= *//p' "$sharedir/extension/citus.control") in $pkglibdir"
