#!/usr/bin/env bash
# test/ubsan.sh: the whole test suite against a build of the extension with
# gcc's UndefinedBehaviorSanitizer (signed overflow, shifts, misaligned or
# null accesses, out-of-range enum and bool values, ...), about 3 minutes.
#
#   test/ubsan.sh                  # every file of test/schedule
#   test/ubsan.sh agg_log fuzz_state
#
# Copies the working tree to a scratch directory, builds it there with
# -fsanitize=undefined, installs it into a private copy of the server
# (SZ_PREFIX, so the system's installation is left alone), runs
# test/check.sh against it, then fails when the sanitizer reported anything
# in the logs of the servers and scripts of that run.  (The reports go to
# the server's log, which is stderr: UBSAN_OPTIONS=log_path has no effect in
# a backend, whose original environment the postmaster overwrites with its
# process title before the sanitizer reads it.)
# The sanitizer's runtime, libubsan, comes with gcc on Debian.  Not part of
# .ci/run: the suite there runs the optimized build users install.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/sessionize-ubsan.XXXXXX)
chmod 755 "$W"
export SZ_PREFIX=$W/prefix
# shellcheck source=test/lib.sh
. "$ROOT/test/lib.sh"
cleanup() {
	if [ "${SZ_KEEP:-0}" = 1 ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT

sz_install_deps
sz_log "building with -fsanitize=undefined in $W/tree"
mkdir "$W/tree"
(cd "$ROOT" && tar --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - .) |
	tar -C "$W/tree" -xf -
make -C "$W/tree" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
make -C "$W/tree" -s PG_CONFIG="$PG_CONFIG" \
	PG_CFLAGS="-fsanitize=undefined -fno-omit-frame-pointer" >/dev/null
make -C "$W/tree" -s PG_CONFIG="$PG_CONFIG" DESTDIR="$SZ_PREFIX" install >/dev/null
so=$SZ_PREFIX$("$PG_CONFIG" --pkglibdir)/sessionize.so
if ! ldd "$so" | grep -q libubsan; then
	echo "$so is not linked with libubsan: the sanitizer would not run" >&2
	exit 1
fi

[ "$(id -u)" = 0 ] && chown -R postgres: "$W/tree"
set +e
SZ_SKIP_BUILD=1 SZ_KEEP=1 "$W/tree/test/check.sh" "$@" 2>&1 | tee "$W/check.out"
status=${PIPESTATUS[0]}
set -e
# check.sh keeps its directory (SZ_KEEP=1) and says where
kept=$(sed -n 's|^test outputs kept in \(/tmp/sessionize\.[A-Za-z0-9]*\)/out .*|\1|p' "$W/check.out" | tail -1)
if [ -z "$kept" ] || [ ! -d "$kept" ]; then
	echo "could not find the directory of the test run in its output" >&2
	exit 1
fi
[ "${SZ_KEEP:-0}" = 1 ] || trap 'cleanup; rm -rf "$kept"' EXIT
if grep -rn --include='*.log' 'runtime error:' "$kept" >"$W/reports" 2>/dev/null; then
	echo "UndefinedBehaviorSanitizer reported $(wc -l <"$W/reports") runtime error(s):" >&2
	grep -rn --include='*.log' -A3 'runtime error:' "$kept" >&2
	echo "ubsan: $(wc -l <"$W/reports") report(s)"
	exit 1
fi
echo "ubsan: no reports"
exit "$status"
