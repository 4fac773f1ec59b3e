#!/usr/bin/env bash
# test/pgbuild.sh MAJOR: a PostgreSQL MAJOR server built from Debian's source
# package (the upstream tarball of postgresql-MAJOR in Debian's `sid`;
# configured with ICU, as the suite's nondeterministic collations need, and
# without readline and zlib), with pg_cron built against it, installed into a
# cache outside the checkout:
#
#   ${SZ_PG_CACHE:-/var/cache/sessionize}/pg-MAJOR/
#       install/      the installation (--prefix), readable by everyone;
#                     test/lib.sh uses install/bin when PG_MAJOR is not 15
#       version       the key of what install/ holds (the upstream versions
#                     and configure's options) and where pg_cron came from,
#                     written when the build succeeded
#       build.log     the output of the last build
#
# pg_cron comes from Debian's source package pg-cron when the mirror serves
# it.  When it does not (its binary packages are built for a newer glibc
# than Debian 12's), the installation has no pg_cron, and test/check.sh
# skips the scheduled-refresh test on that major: no third-party source is
# kept in the repository.
#
# The cache is keyed by the versions: when apt's index of `sid` sources shows
# the versions already built, this is a no-op (well under a second).  The
# first run writes /etc/apt/sources.list.d/sessionize-src.list (a deb-src
# line for sid on the Debian mirror this machine's apt sources already use)
# and runs apt-get update; SZ_PG_UPDATE=1 runs apt-get update again to pick
# up a newer upstream release.  Build dependencies (bison, flex, gcc, make,
# libicu-dev, ...) are installed with apt-get when missing.  A build takes 2
# to 8 minutes on 2 cores.  Prints the installation's directory on stdout.
#
# Runs as root (sudo otherwise).  Nothing is written to the checkout.
set -euo pipefail

MAJOR=${1:?usage: test/pgbuild.sh MAJOR}
case $MAJOR in
*[!0-9]*) echo "pgbuild.sh: MAJOR must be a number, got '$MAJOR'" >&2; exit 2 ;;
esac
CACHE=${SZ_PG_CACHE:-/var/cache/sessionize}/pg-$MAJOR
PREFIX=$CACHE/install
SRC_LIST=/etc/apt/sources.list.d/sessionize-src.list
JOBS=${SZ_PG_JOBS:-$(nproc 2>/dev/null || echo 2)}

log() { printf '== pgbuild %s: %s\n' "$MAJOR" "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_get() {
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"
}

# The Debian mirror this machine's apt sources use (deb822 .sources files
# and one-line .list files): the first URI whose path ends in /debian.
mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$SRC_LIST" ] || continue
		case $f in
		*.sources) sed -n 's/^[[:space:]]*URIs:[[:space:]]*//p' "$f" | tr ' \t' '\n\n' ;;
		*) sed -n 's/^[[:space:]]*deb\(-src\)\{0,1\}[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\3/p' "$f" ;;
		esac
	done | grep -E '^[a-z+]+://[^/]+/(.*/)?debian/?$' | head -1 | sed 's|/*$||'
}

ensure_source_list() {
	local uri line
	uri=$(mirror)
	if [ -z "$uri" ]; then
		echo "pgbuild.sh: no Debian mirror (a URI ending in /debian) in /etc/apt/sources.list*" >&2
		exit 1
	fi
	line="deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main"
	if [ ! -f "$SRC_LIST" ] || [ "$(grep -v '^#' "$SRC_LIST")" != "$line" ]; then
		log "adding $line to $SRC_LIST"
		printf '# written by sessionize test/pgbuild.sh: sources of Debian sid for a\n# PostgreSQL built from source (no binary packages come from here)\n%s\n' "$line" |
			as_root tee "$SRC_LIST" >/dev/null
		return 1 # apt's index must be updated
	fi
}

# The newest Debian version of a source package in apt's index (empty if none).
src_version() {
	apt-cache showsrc --only-source "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -1
}
# 1:18.1-2 -> 18.1
upstream() { local v=${1#*:}; echo "${v%-*}"; }

need_update=false
ensure_source_list || need_update=true
[ "${SZ_PG_UPDATE:-0}" = 1 ] && need_update=true
pg_src=postgresql-$MAJOR
if ! $need_update && { [ -z "$(src_version "$pg_src")" ] || [ -z "$(src_version pg-cron)" ]; }; then
	need_update=true
fi
if $need_update; then
	log "apt-get update"
	apt_get update -qq
fi
pg_deb=$(src_version "$pg_src")
cron_deb=$(src_version pg-cron)
if [ -z "$pg_deb" ] || [ -z "$cron_deb" ]; then
	echo "pgbuild.sh: apt knows no source package $pg_src or pg-cron in sid" >&2
	exit 1
fi
pg_ver=$(upstream "$pg_deb")
cron_ver=$(upstream "$cron_deb")


# configure's options: ICU for the suite's nondeterministic collations (as in
# Debian's own packages); no readline or zlib, which the tests do not use
CONFIGURE_OPTS=(--with-icu --without-readline --without-zlib)

# one build at a time: a second run waits, then finds the build done
as_root mkdir -p "$CACHE"
as_root chmod 755 "$CACHE" "$(dirname "$CACHE")"
exec 9>>"$CACHE/lock"
flock 9

# version: the key (what apt's index asked for, and how the server is
# configured), then how pg_cron was built
key="postgresql $pg_ver ${CONFIGURE_OPTS[*]}"$'\n'"pg-cron $cron_ver from Debian's source only"
have=$(head -2 "$CACHE/version" 2>/dev/null || true)
if [ "$have" = "$key" ] && [ -x "$PREFIX/bin/postgres" ]; then
	echo "$PREFIX"
	exit 0
fi

# Build dependencies
need=()
for p in dpkg-dev bison flex gcc make perl bzip2 xz-utils pkg-config libicu-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	$need_update || apt_get update -qq
	apt_get install -y -qq "${need[@]}" >/dev/null
fi

exec 3>&2 4>&1
as_root truncate -s 0 "$CACHE/build.log" 2>/dev/null || as_root touch "$CACHE/build.log"
# everything below goes to build.log; progress lines to the caller's stderr
exec >>"$CACHE/build.log" 2>&1
echo "$(date -u '+%F %T UTC'): build of postgresql $pg_deb / pg-cron $cron_deb"
log() {
	local m
	m=$(printf '== pgbuild %s: %s' "$MAJOR" "$*")
	echo "$m"
	echo "$m" >&3
}
fail() { log "failed: $* (log: $CACHE/build.log)"; exit 1; }

# Sources: the upstream tarballs (*.orig.tar.*), checked by apt against the
# signed index.
as_root rm -rf "$CACHE/src" "$CACHE/build"
as_root mkdir -p "$CACHE/src" "$CACHE/build"
cd "$CACHE/src"

rebuild_pg=true
if [ -x "$PREFIX/bin/postgres" ] && [ "$(head -1 <<<"$have")" = "$(head -1 <<<"$key")" ]; then
	rebuild_pg=false # only pg_cron changed
fi
if $rebuild_pg; then
	log "downloading $pg_src $pg_deb (log: $CACHE/build.log)"
	if ! as_root apt-get source -qq --download-only "$pg_src=$pg_deb" ||
		! pg_tar=$(ls "$CACHE/src/${pg_src}_$pg_ver".orig.tar.*); then
		# a newer version in the index than on the mirror: keep the build
		# there is, if any
		if [ -n "$have" ] && [ -x "$PREFIX/bin/postgres" ]; then
			log "could not download $pg_src $pg_deb: keeping the build of $(head -1 <<<"$have")"
			as_root rm -rf "$CACHE/src" "$CACHE/build"
			echo "$PREFIX" >&4
			exit 0
		fi
		fail "apt-get source $pg_src=$pg_deb"
	fi
	as_root rm -f "$CACHE/version"
	log "building PostgreSQL $pg_ver into $PREFIX (a few minutes on 2 cores)"
	as_root rm -rf "$PREFIX"
	as_root mkdir -p "$CACHE/build/pg"
	as_root tar -xf "$pg_tar" -C "$CACHE/build/pg" --strip-components=1
	cd "$CACHE/build/pg"
	as_root ./configure --prefix="$PREFIX" "${CONFIGURE_OPTS[@]}" ||
		fail "configure"
	as_root make -j"$JOBS" || fail "make"
	as_root make install || fail "make install"
	cd "$CACHE/src"
fi
pg_regress=$(dirname "$("$PREFIX/bin/pg_config" --pgxs)")/../test/regress/pg_regress
if [ ! -x "$pg_regress" ]; then
	as_root make -C "$CACHE/build/pg/src/test/regress" install || fail "pg_regress is missing from $PREFIX"
fi

as_root rm -f "$CACHE/version"
if as_root apt-get source -qq --download-only "pg-cron=$cron_deb" &&
	cron_tar=$(ls "$CACHE/src/pg-cron_$cron_ver".orig.tar.*); then
	cron_from="pg_cron $cron_ver from Debian's source package pg-cron $cron_deb"
	log "building $cron_from"
	as_root rm -rf "$CACHE/build/cron"
	as_root mkdir -p "$CACHE/build/cron"
	as_root tar -xf "$cron_tar" -C "$CACHE/build/cron" --strip-components=1
	cd "$CACHE/build/cron"
	as_root make -j"$JOBS" PG_CONFIG="$PREFIX/bin/pg_config" || fail "make of pg_cron"
	as_root make install PG_CONFIG="$PREFIX/bin/pg_config" || fail "make install of pg_cron"
else
	cron_from="no pg_cron (Debian's mirror does not serve the source of pg-cron $cron_deb)"
	log "$cron_from"
	# (an installation cached by an earlier version of this script may hold
	# one built otherwise: a fresh machine would not have it)
	pkglib=$("$PREFIX/bin/pg_config" --pkglibdir)
	share=$("$PREFIX/bin/pg_config" --sharedir)
	as_root rm -f "$pkglib/pg_cron.so" "$share"/extension/pg_cron*
	as_root rm -rf "$pkglib/bitcode/pg_cron" "$pkglib/bitcode/pg_cron.index.bc"
fi

cd "$CACHE"
as_root rm -rf "$CACHE/build" "$CACHE/src"
as_root chmod -R a+rX "$PREFIX"
printf '%s\n%s\n' "$key" "$cron_from" | as_root tee "$CACHE/version" >/dev/null
log "done: PostgreSQL $pg_ver and $cron_from in $PREFIX"
echo "$PREFIX" >&4
