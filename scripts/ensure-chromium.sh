#!/usr/bin/env bash
# Browser tests drive Debian's headless chromium (package chromium-headless-shell, /usr/bin/chromium-headless-shell)
# through Playwright; Playwright's own browser download is not used. See tests/e2e/conftest.py for why headless.
set -eu
if [ -x /usr/bin/chromium-headless-shell ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Debian's headless chromium is missing: run 'sudo apt-get install -y chromium-headless-shell'" >&2
  exit 1
fi
echo "installing Debian's headless chromium"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null
