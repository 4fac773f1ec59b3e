#!/usr/bin/env bash
# Session tables captured by an ingest column (no triggers), on one server:
# the scenario of test/ingest_scenario.sh (late-committing transactions,
# updates, deletes, TRUNCATE).  Against the test server (SZ_DIR, SZ_PORT;
# see test/check.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ingest_scenario.sh"

: "${SZ_DIR:?set SZ_DIR to the server's socket directory}"
: "${SZ_PORT:?set SZ_PORT to the server's port}"

DB=sz_ingest
failures=0
cleanup() {
	[ -n "${bg_pid:-}" ] && kill "$bg_pid" 2>/dev/null
	sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
q() { sz_psql "$SZ_DIR" "$SZ_PORT" -d "$DB" -At -c "SET client_min_messages = warning" -c "$1"; }
qbg() { sz_psql "$SZ_DIR" "$SZ_PORT" -d "$DB" -f "$1" >/dev/null 2>&1 & bg_pid=$!; }
sz_psql "$SZ_DIR" "$SZ_PORT" -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
q "CREATE EXTENSION sessionize" >/dev/null
ingest_scenario

sz_finish t_ingest
