#!/usr/bin/env bash
# One command for a fresh machine: set up and run the app on the embedded default: SQLite in
# var/, and a real Celery worker and beat on kombu's filesystem broker under var/celery-broker/
# (no Redis, no server to install). Emails are written to var/sent-emails/ as .eml files.
# Ctrl-C stops the web server, the worker and beat together.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtual environment in .venv"
  "$PY" -m venv .venv
fi
echo "==> Installing Python packages (requirements.txt)"
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt

ADDR=${ADDR:-127.0.0.1:8000}
export DEBUG=${DEBUG:-true}
export EMAIL_URL=${EMAIL_URL:-filemail://}
# Links in emails point at the address this run serves.
export SITE_URL=${SITE_URL:-http://$ADDR}
export VAR_DIR=${VAR_DIR:-$(pwd)/var}
mkdir -p "$VAR_DIR"
if [ -z "${DATABASE_URL:-}" ]; then
  echo "==> Database: SQLite file $VAR_DIR/db.sqlite3 (set DATABASE_URL to use PostgreSQL)"
fi
if [ -z "${CELERY_BROKER_URL:-}" ]; then
  export CELERY_BROKER_URL=filesystem://
  echo "==> Background jobs: a Celery worker and beat on the embedded broker in $VAR_DIR/celery-broker/"
fi
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo

pids=()
stop() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    echo "==> Stopping the worker and beat"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop EXIT INT TERM
LOGS="$VAR_DIR/logs"
mkdir -p "$LOGS"
.venv/bin/celery -A oversight worker --loglevel INFO --pool threads --concurrency 2 \
  --without-gossip --without-mingle --hostname "local@%h" >"$LOGS/worker.log" 2>&1 &
pids+=($!)
.venv/bin/celery -A oversight beat --loglevel INFO \
  --schedule "$VAR_DIR/celerybeat-schedule" >"$LOGS/beat.log" 2>&1 &
pids+=($!)
echo "==> Worker and beat started (logs in $LOGS/)"
# Beat sweeps reminders every 15 minutes; sweep once now so what is due goes out at once.
.venv/bin/python manage.py send_reminders || echo "(reminder sweep failed; the app still runs)"

echo
echo "==> Open http://$ADDR/ and sign in with one of the logins above."
echo "    Emails the app sends are written to $VAR_DIR/sent-emails/ (.eml files)."
echo "    Press Ctrl-C to stop the web server, the worker and beat."
.venv/bin/python manage.py runserver --noreload "$ADDR"
