#!/usr/bin/env bash
# The production-like stack on this machine: PostgreSQL + Redis, gunicorn (web), one Celery
# worker and exactly one Celery beat, from the Procfile, run by honcho. Migrations and
# collectstatic run first. Stop it with Ctrl-C (or SIGTERM): honcho stops all three cleanly.
#
#   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/oversight
#   export CELERY_BROKER_URL=redis://127.0.0.1:6379/0 REDIS_URL=redis://127.0.0.1:6379/1
#   export SECRET_KEY=... ALLOWED_HOSTS=oversight.example.org
#   bash scripts/prod.sh
#
# Plain HTTP on 127.0.0.1 (no TLS in front) needs SECURE_HTTPS=false; behind a TLS proxy keep
# it on and set SECURE_PROXY_SSL_HEADER_ENABLED=true.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/oversight}"
: "${CELERY_BROKER_URL:?CELERY_BROKER_URL must point at Redis, e.g. redis://127.0.0.1:6379/0}"
: "${SECRET_KEY:?SECRET_KEY must be set}"
case "$DATABASE_URL" in
  postgres://* | postgresql://* | pgsql://*) ;;
  *) echo "scripts/prod.sh runs against PostgreSQL; DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac

export DEBUG=false
export REDIS_URL=${REDIS_URL:-$CELERY_BROKER_URL}
export PYTHONUNBUFFERED=1
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
fi
export PATH="$(pwd)/.venv/bin:$PATH"

echo "==> migrate"
python manage.py migrate --noinput
echo "==> collectstatic"
python manage.py collectstatic --noinput --verbosity 0
echo "==> starting web, worker and beat (Procfile) on ${BIND:-127.0.0.1:8000}"
exec honcho --no-colour start --procfile Procfile --env /dev/null
