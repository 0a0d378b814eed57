#!/usr/bin/env bash
# Run the suite on the database named by PAINPATH_TEST_DB. "No tests collected" is a failure here:
# a suite that silently runs nothing must never look green.
set -u
cd "$(dirname "$0")/.."
echo "== painpath tests on ${PAINPATH_TEST_DB:-sqlite}"
# Every collected test must run: a skip or an xfail fails the run (tests/conftest.py). A test that belongs to
# one database is deselected by the other pass (markers sqlite_only, postgresql_only), which is not a skip.
export PAINPATH_FORBID_SKIPS=1
# Every test process (each worker of both passes, each `painpath` subprocess a test starts) imports the same
# modules. With PYTHONDONTWRITEBYTECODE set (as on CI's machines) each of them compiled every module from source
# and pytest rewrote every test module's asserts again: about 5 s of each worker's start (collection 11.5 s ->
# 6.2 s measured). Writing the caches lets the first process do it for all the others. They go under .venv, not
# beside the sources: a compiled test module records this machine's paths, and the tree holds only what a clone has.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="$PWD/.venv/pycache"
# One worker per CPU (at most 4): each worker has its own migrated database, browser and live server,
# so the tests do not share state. PAINPATH_TEST_WORKERS=0 runs them in this process.
workers="${PAINPATH_TEST_WORKERS:-auto}"
if [ "$workers" = "0" ]; then
  .venv/bin/pytest -q "$@"
else
  # --dist loadscope: each module's tests run on one worker, so a module's costly shared set-up (a demo clinic,
  # a simulated clinic, a module-scoped database) is built once, not once per worker that draws one of its tests.
  # Measured on the SQLite pass, same machine and checkout: 415 s with the default (load), 368 s with loadscope;
  # the PostgreSQL pass the same either way (275 s, against 264-289 s in four runs with load).
  .venv/bin/pytest -q -n "$workers" --maxprocesses=4 --dist loadscope "$@"
fi
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests on ${PAINPATH_TEST_DB:-sqlite}: failing on purpose" >&2
  exit 1
fi
exit "$rc"
