#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright; Playwright's own browser download is not used.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Debian's chromium is missing: run 'sudo apt-get install -y chromium'" >&2
  exit 1
fi
echo "installing Debian's chromium"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
