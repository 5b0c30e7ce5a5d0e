#!/usr/bin/env bash
# System packages the LMS needs beyond its virtualenv: bubblewrap (the lab sandbox, docs/labs.md) and Debian's
# python3 with pytest and numpy (the runtime inside the sandbox); for `make test` also Chromium, which the browser
# tests (e2e/) drive: Debian's `chromium`, unless Playwright's own browser is installed or E2E_CHROMIUM names one;
# and GNU gettext (msgfmt), for `make messages` and the test that the committed translation catalogs (.mo) are what
# their .po compile to (serving needs none of it: the .mo files are committed). As root with apt-get they are installed;
# otherwise the missing ones are named. `--warn` (make run) only warns: the site serves, and a lab run reports
# the missing sandbox as its error. Without it (make test) a missing package stops the run, since the sandbox
# tests would otherwise not test anything.
set -euo pipefail
missing=()
[ -x /usr/bin/bwrap ] || missing+=(bubblewrap)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pytest' 2>/dev/null; } || missing+=(python3-pytest)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; } || missing+=(python3-numpy)
if [ "${1:-}" != "--warn" ]; then
  playwright_browsers="${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"
  # The same places e2e/conftest.py looks: E2E_CHROMIUM, the system's, one on the PATH, Playwright's own.
  { [ -x /usr/bin/chromium ] || [ -x "${E2E_CHROMIUM:-/nonexistent}" ] || command -v chromium >/dev/null 2>&1 \
    || compgen -G "$playwright_browsers/chromium*" >/dev/null; } || missing+=(chromium)
  command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages for the lab sandbox, the browser tests and the translation catalogs: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
message="System packages are missing: ${missing[*]} (the lab sandbox; chromium: the browser tests; gettext: the translation catalogs). Install them as root (Debian/Ubuntu: apt-get install -y ${missing[*]}); for the browser, .venv/bin/python -m playwright install chromium works too."
if [ "${1:-}" = "--warn" ]; then
  echo "warning: $message Labs cannot be graded until then." >&2
  exit 0
fi
echo "$message" >&2
exit 1
