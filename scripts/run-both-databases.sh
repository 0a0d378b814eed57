#!/usr/bin/env bash
# `make test`: the SQLite pass and the PostgreSQL pass at the same time, each with its own workers.
#
# Run one after the other, the two passes left a quarter of the two CPUs idle: a worker waits on PostgreSQL's
# server, on chromium, on a `painpath serve` subprocess starting, and each pass ends on its last long test.
# Side by side, one pass's waits are the other's CPU. Each pass's lines are prefixed with its database, and the
# run fails if either pass fails.
set -u
cd "$(dirname "$0")/.."

run_pass() {  # database, then pytest arguments
  local database=$1
  shift
  PAINPATH_TEST_DB=$database bash scripts/run-tests.sh "$@" 2>&1 | sed -u "s/^/[$database] /"
  return "${PIPESTATUS[0]}"
}

run_pass sqlite &
sqlite_pass=$!
# The browser journeys drive the same services and queries both passes test: once, on SQLite.
run_pass postgresql -m "not e2e" &
postgresql_pass=$!

wait "$sqlite_pass"
sqlite_rc=$?
wait "$postgresql_pass"
postgresql_rc=$?
echo "== SQLite pass: $([ $sqlite_rc -eq 0 ] && echo passed || echo "FAILED ($sqlite_rc)"); PostgreSQL pass: $([ $postgresql_rc -eq 0 ] && echo passed || echo "FAILED ($postgresql_rc)")"
[ "$sqlite_rc" -eq 0 ] && [ "$postgresql_rc" -eq 0 ]
