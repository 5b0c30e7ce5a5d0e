#!/usr/bin/env bash
# Used by `make run` / `make dev`: prepare the database and serve the LMS in the foreground.
# Ctrl-C stops the server, the task worker, the scheduler and, when this script started it, the embedded PostgreSQL
# (a server that was already running before is left running).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG="${DEBUG:-true}"      # a local demo; production sets DEBUG=false and a SECRET_KEY
PORT="${PORT:-8000}"
# Secret system settings (and the certificates' signing keys) need an encryption key: a local demo
# without one gets a key generated once and kept in var/ (git-ignored), so restarts still decrypt.
# (A key in .env wins: the generated one is used only when neither the environment nor .env sets one.)
if [ -z "${SETTINGS_ENCRYPTION_KEYS:-}" ] && ! grep -qsE '^SETTINGS_ENCRYPTION_KEYS=.+' .env; then
  mkdir -p var
  if [ ! -s var/settings_encryption_key ]; then
    (umask 077 && $PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' \
      > var/settings_encryption_key)
  fi
  SETTINGS_ENCRYPTION_KEYS="$(cat var/settings_encryption_key)"
  export SETTINGS_ENCRYPTION_KEYS
fi

started_embedded=""
if [ -z "${DATABASE_URL:-}" ]; then
  if [ ! -e var/pgdata/postmaster.pid ]; then started_embedded=1; fi
  $PY -m lms.embedded_db start
fi
cleanup() {
  [ -n "${scheduler_pid:-}" ] && kill "$scheduler_pid" 2>/dev/null && wait "$scheduler_pid" 2>/dev/null
  [ -n "${worker_pid:-}" ] && kill "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  if [ -n "$started_embedded" ]; then $PY -m lms.embedded_db stop || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

$PY manage.py migrate --noinput
$PY manage.py createcachetable
if $PY manage.py help seed_demo >/dev/null 2>&1; then
  $PY manage.py seed_demo --if-empty
fi
$PY manage.py collectstatic --noinput --verbosity 0

# Background tasks (rollup recomputes after structural edits) run in a worker beside the web server.
# (It reloads on code changes only under `make dev`, beside runserver's own autoreload.)
reload=--no-reload; [ "${SERVER:-gunicorn}" = runserver ] && reload=--reload
$PY manage.py db_worker --queue-name '*' "$reload" &
worker_pid=$!
# The periodic jobs (the daily notification digests, from NOTIFICATION_DIGEST_HOUR on): no cron needed.
$PY manage.py run_scheduler &
scheduler_pid=$!

echo "Sigma LMS is serving on http://127.0.0.1:${PORT}/  (Ctrl-C stops it)"
if [ "${SERVER:-gunicorn}" = runserver ]; then
  $PY manage.py runserver "127.0.0.1:${PORT}" &
else
  # gthread workers (lms/gunicorn_conf.py): a streamed tutor reply holds a thread, not a worker.
  .venv/bin/gunicorn lms.wsgi:application -c lms/gunicorn_conf.py --bind "127.0.0.1:${PORT}" \
    --access-logfile - &
fi
server_pid=$!
wait "$server_pid"
