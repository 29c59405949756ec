#!/usr/bin/env bash
# One command for a fresh machine: set up and run the app on the embedded default
# (SQLite in var/, no Redis: Celery tasks run inline; emails are written to var/sent-emails/).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtual environment in .venv"
  "$PY" -m venv .venv
fi
echo "==> Installing Python packages (requirements.txt)"
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt

export DEBUG=${DEBUG:-true}
export EMAIL_URL=${EMAIL_URL:-filemail://}
mkdir -p var
if [ -z "${DATABASE_URL:-}" ]; then
  echo "==> Database: SQLite file var/db.sqlite3 (set DATABASE_URL to use PostgreSQL)"
fi
if [ -z "${CELERY_BROKER_URL:-}" ]; then
  echo "==> No CELERY_BROKER_URL: background jobs run inline, no Redis needed"
fi
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
# Without Redis there is no beat: run the reminder sweep once now (what is due is emailed to
# var/sent-emails/). Run it again at any time with: .venv/bin/python manage.py send_reminders
.venv/bin/python manage.py send_reminders || echo "(reminder sweep failed; the app still runs)"
ADDR=${ADDR:-127.0.0.1:8000}
echo
echo "==> Open http://$ADDR/ and sign in with one of the logins above."
echo "    Emails the app sends are written to var/sent-emails/."
exec .venv/bin/python manage.py runserver "$ADDR"
