#!/usr/bin/env bash
# Run the suite on the database named by PAINPATH_TEST_DB. "No tests collected" is a failure here:
# a suite that silently runs nothing must never look green.
set -u
cd "$(dirname "$0")/.."
echo "== painpath tests on ${PAINPATH_TEST_DB:-sqlite}"
.venv/bin/pytest -q "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests on ${PAINPATH_TEST_DB:-sqlite}: failing on purpose" >&2
  exit 1
fi
exit "$rc"
