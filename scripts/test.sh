#!/usr/bin/env bash
# One command for a fresh machine: install everything and run the whole test suite.
# Tests use PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379). With CI=true both are
# required (started if stopped) and so is Chromium for the browser tests; without CI the suite
# falls back to SQLite, and skips what needs Redis or Chromium, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
CI=${CI:-}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt

PG_HOST=${PG_HOST:-127.0.0.1}
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@$PG_HOST:5432/oversight}
REDIS=${TEST_REDIS_URL:-redis://127.0.0.1:6379/9}

pg_up() { .venv/bin/python - "$PG_URL" <<'PYEOF'
import sys, psycopg, urllib.parse as u
p = u.urlparse(sys.argv[1])
try:
    psycopg.connect(host=p.hostname, port=p.port or 5432, user=p.username, dbname="postgres", connect_timeout=3).close()
except Exception as e:
    sys.exit(1)
PYEOF
}
redis_up() { .venv/bin/python -c "import redis,sys; redis.Redis.from_url('$REDIS', socket_connect_timeout=3).ping()" 2>/dev/null; }

if [ -n "$CI" ]; then
  if ! pg_up; then
    echo "==> PostgreSQL is not answering; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    sleep 3
  fi
  if ! redis_up; then
    echo "==> Redis is not answering; starting it"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
    sleep 1
  fi
  pg_up || { echo "FATAL: PostgreSQL unreachable at $PG_URL (required under CI)"; exit 1; }
  redis_up || { echo "FATAL: Redis unreachable at $REDIS (required under CI)"; exit 1; }
  command -v chromium >/dev/null || { echo "FATAL: chromium is not installed (required under CI)"; exit 1; }
  export DATABASE_URL=$PG_URL REDIS_URL=$REDIS TEST_REQUIRE_SERVICES=1
else
  if pg_up; then
    echo "==> Tests on PostgreSQL ($PG_URL)"
    export DATABASE_URL=$PG_URL
  else
    echo "==> PostgreSQL is not reachable: FALLING BACK TO SQLITE (CI uses PostgreSQL)"
    export DATABASE_URL=sqlite:///$(pwd)/var/test.sqlite3
  fi
  if redis_up; then
    export REDIS_URL=$REDIS
  else
    echo "==> Redis is not reachable: tests that need it will be skipped"
  fi
  command -v chromium >/dev/null || echo "==> chromium not found: browser tests will be skipped (apt-get install chromium)"
fi

export SECRET_KEY=${SECRET_KEY:-test-secret-key-not-for-production-0123456789abcdefghij}
export DEBUG=false SECURE_HTTPS=false STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage
export EMAIL_URL=smtp://127.0.0.1:1025 DJANGO_ALLOW_ASYNC_UNSAFE=true
export VAR_DIR=${TEST_VAR_DIR:-$(pwd)/var/test}
exec .venv/bin/pytest "$@"
