#!/usr/bin/env bash
# test/ubsan.sh: the whole test suite against a build of the extension with
# gcc's UndefinedBehaviorSanitizer (out-of-range shift exponents, null and
# misaligned accesses, pointer overflow, out-of-range bool and enum values,
# ...), about 2 minutes.  PostgreSQL builds with -fwrapv, which makes signed
# overflow defined: that and overflowing or negative left shifts are not
# reported.
#
#   test/ubsan.sh                  # every file of test/schedule
#   test/ubsan.sh agg_log fuzz_state
#
# Copies the working tree to a scratch directory, builds it there with
# -fsanitize=undefined, installs it into a private copy of the server
# (SZ_PREFIX, so the system's installation is left alone) without its JIT
# bitcode (code inlined by the JIT would not be checked), runs test/check.sh
# against it, then fails when the sanitizer reported anything in the logs
# of that run: the server's log (every backend's stderr) and the script
# tests' logs.  (UBSAN_OPTIONS=log_path cannot send the reports elsewhere:
# the postmaster overwrites its original environment with its process title
# before a backend loads the sanitizer.)  The scratch directories are
# removed when everything passed, kept and named otherwise.  The
# sanitizer's runtime, libubsan, comes with gcc on Debian.  Not part of
# .ci/run, which tests the optimized build users install.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/sessionize-ubsan.XXXXXX)
chmod 755 "$W"
export SZ_PREFIX=$W/prefix
# shellcheck source=test/lib.sh
. "$ROOT/test/lib.sh"
kept=
ok=0
cleanup() {
	if [ "$ok" = 1 ] && [ "${SZ_KEEP:-0}" != 1 ]; then
		rm -rf "$W"
		[ -z "$kept" ] || rm -rf "$kept"
	else
		echo "kept $W${kept:+ and $kept}" >&2
	fi
}
trap cleanup EXIT

sz_install_deps
CFLAGS_UB="-fsanitize=undefined -fno-omit-frame-pointer"
sz_log "building with $CFLAGS_UB in $W/tree"
mkdir "$W/tree"
(cd "$ROOT" && tar --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - .) |
	tar -C "$W/tree" -xf -
make -C "$W/tree" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
make -C "$W/tree" -s PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$CFLAGS_UB" >/dev/null
make -C "$W/tree" -s PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$CFLAGS_UB" \
	DESTDIR="$SZ_PREFIX" install >/dev/null
pkglib=$SZ_PREFIX$("$PG_CONFIG" --pkglibdir)
rm -rf "$pkglib/bitcode/sessionize" "$pkglib/bitcode/sessionize.index.bc"
libs=$(ldd "$pkglib/sessionize.so")
case $libs in
*libubsan*) ;;
*)
	echo "$pkglib/sessionize.so is not linked with libubsan: the sanitizer would not run" >&2
	exit 1
	;;
esac

[ "$(id -u)" = 0 ] && chown -R postgres: "$W/tree"
set +e
SZ_SKIP_BUILD=1 SZ_KEEP=1 "$W/tree/test/check.sh" "$@" 2>&1 | tee "$W/check.out"
status=${PIPESTATUS[0]}
set -e
# check.sh keeps its directory (SZ_KEEP=1) and says where
kept=$(sed -n 's|^test outputs kept in \(/tmp/sessionize\.[A-Za-z0-9]*\)/out .*|\1|p' "$W/check.out" | tail -1)
if [ -z "$kept" ] || [ ! -d "$kept" ]; then
	kept=
	echo "test/check.sh exited with $status without naming its directory (its output: $W/check.out)" >&2
	exit 1
fi

set +e
grep -rn --include='*.log' 'runtime error:' "$kept" >"$W/reports"
found=$?
set -e
if [ "$found" -gt 1 ]; then
	echo "could not read the logs in $kept" >&2
	exit 1
fi
if [ "$found" = 0 ]; then
	echo "UndefinedBehaviorSanitizer reported $(wc -l <"$W/reports") runtime error(s):" >&2
	grep -rn --include='*.log' -A3 'runtime error:' "$kept" >&2
	echo "ubsan: $(wc -l <"$W/reports") report(s)"
	exit 1
fi
echo "ubsan: no reports"
[ "$status" = 0 ] && ok=1
exit "$status"
