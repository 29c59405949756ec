#!/usr/bin/env bash
# CI smoke test of the production-like stack (scripts/prod.sh: gunicorn + Celery worker + beat
# from the Procfile, PostgreSQL, Redis, DEBUG off, collected static files):
#   start it on 127.0.0.1, wait for /healthz (database, Redis and a Celery worker all answer),
#   sign in through HTTP with the CSRF token like a browser, fetch the home page and a signed
#   BAA document (and check it is refused without a session), check the
#   security headers and the one-line JSON request log, end the Celery worker and check that it
#   is started again (scripts/respawn.sh) while the site stays up, then stop the stack with
#   SIGTERM and check that every process is gone.
# Uses its own database (SMOKE_DATABASE_URL, recreated) and Redis db (SMOKE_REDIS_URL).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${SMOKE_PORT:-8765}
DB_URL=${SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/oversight_smoke}
REDIS=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/15}
WORK=$(mktemp -d)
LOG=$WORK/stack.log
PY=.venv/bin/python

echo "==> smoke: fresh database $DB_URL, Redis $REDIS, log $LOG"
$PY - "$DB_URL" "$REDIS" <<'PYEOF'
import sys, urllib.parse as u
import psycopg, redis
p = u.urlparse(sys.argv[1])
name = p.path.lstrip("/")
with psycopg.connect(host=p.hostname, port=p.port or 5432, user=p.username, dbname="postgres", autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    c.execute(f'CREATE DATABASE "{name}"')
redis.Redis.from_url(sys.argv[2]).flushdb()
PYEOF

export DATABASE_URL=$DB_URL CELERY_BROKER_URL=$REDIS REDIS_URL=$REDIS
export SECRET_KEY="smoke-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=127.0.0.1 BIND=127.0.0.1:$PORT SITE_URL=http://127.0.0.1:$PORT
export SECURE_HTTPS=false EMAIL_URL=consolemail:// VAR_DIR=$WORK/var WEB_CONCURRENCY=2
unset STATICFILES_BACKEND DEBUG

setsid bash scripts/prod.sh >"$LOG" 2>&1 &
STACK=$!
stop() {
  if kill -0 "$STACK" 2>/dev/null; then
    kill -TERM "$STACK" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$STACK" 2>/dev/null || break; sleep 0.5; done
  fi
  kill -KILL -- "-$STACK" 2>/dev/null || true
}
trap 'status=$?; stop; if [ $status -ne 0 ]; then echo "---- stack log"; tail -n 80 "$LOG"; fi; exit $status' EXIT

echo "==> waiting for http://127.0.0.1:$PORT/healthz"
ok=""
for _ in $(seq 1 120); do
  if ! kill -0 "$STACK" 2>/dev/null; then echo "FAIL: the stack exited early"; exit 1; fi
  if body=$(curl -fsS "http://127.0.0.1:$PORT/healthz" 2>/dev/null); then ok=1; break; fi
  sleep 1
done
[ -n "$ok" ] || { echo "FAIL: /healthz never answered 200"; curl -sS "http://127.0.0.1:$PORT/healthz" || true; exit 1; }
echo "    healthz: $body"
echo "$body" | grep -q '"celery":"ok"\|"celery": "ok"' || { echo "FAIL: the Celery worker was not checked"; exit 1; }

echo "==> seed demo data"
$PY manage.py seed_demo >/dev/null

echo "==> sign in over HTTP and fetch the home page"
$PY - "http://127.0.0.1:$PORT" <<'PYEOF'
import http.cookiejar, os, re, sys, urllib.error, urllib.parse, urllib.request

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")
django.setup()
from oversight.demo import DEMO_PASSWORD  # noqa: E402

base = sys.argv[1]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/accounts/login/", timeout=20)
html = page.read().decode()
csp = page.headers.get("Content-Security-Policy", "")
assert "default-src 'self'" in csp and "unsafe-inline" not in csp, csp
assert page.headers.get("X-Frame-Options") == "DENY"
assert page.headers.get("X-Content-Type-Options") == "nosniff"
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
data = urllib.parse.urlencode(
    {"csrfmiddlewaretoken": token, "login": "manager@riverside.example", "password": DEMO_PASSWORD}
).encode()
request = urllib.request.Request(base + "/accounts/login/", data=data, headers={"Referer": base + "/accounts/login/"})
home = opener.open(request, timeout=20)
text = home.read().decode()
assert home.status == 200 and urllib.parse.urlparse(home.url).path == "/", (home.status, home.url)
assert "Riverside Family Medicine" in text and "Sign out" in text, "not the signed-in home page"
static = re.search(r'src="(/static/[^"]+bootstrap[^"]+\.js)"', text).group(1)
assert opener.open(base + static, timeout=20).status == 200
print("    signed in as manager@riverside.example; home page and", static, "served")

# A signed BAA document: only for the signed-in member, as an attachment with its real type.
listing = opener.open(base + "/agreements/", timeout=20).read().decode()
agreements = re.findall(r'href="(/agreements/\d+/)"', listing)
document = None
for url in agreements:
    detail = opener.open(base + url, timeout=20).read().decode()
    found = re.search(r'href="(/agreements/documents/\d+/)"', detail)
    if found:
        document = found.group(1)
        break
assert document, "no signed BAA document found in the demo data"
download = opener.open(base + document, timeout=20)
body = download.read()
assert download.headers["Content-Type"] == "application/pdf", download.headers["Content-Type"]
assert download.headers["Content-Disposition"].startswith("attachment"), download.headers
assert body.startswith(b"%PDF-"), body[:20]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


anonymous = urllib.request.build_opener(NoRedirect)
try:
    anonymous.open(base + document, timeout=20)
    raise AssertionError("the document was served without a session")
except urllib.error.HTTPError as error:
    assert error.code == 302 and "/accounts/login/" in error.headers["Location"], error.code
print("    BAA document", document, "downloaded as an attachment; anonymous -> sign-in page")
PYEOF

grep -q '"view":"home","status":200' "$LOG" || { echo "FAIL: no JSON request line for the home page"; exit 1; }
if grep -q 'demo-Oversight\|csrfmiddlewaretoken' "$LOG"; then echo "FAIL: a secret reached the log"; exit 1; fi

echo "==> the worker exits on its own: it is started again, the site stays up"
worker_pid() { pgrep -o -f 'bin/celery -A oversight worker' || true; }
first=$(worker_pid)
[ -n "$first" ] || { echo "FAIL: no Celery worker process found"; exit 1; }
kill -TERM "$first"
again=""
for _ in $(seq 1 90); do
  if ! kill -0 "$STACK" 2>/dev/null; then echo "FAIL: the stack stopped when the worker exited"; exit 1; fi
  now=$(worker_pid)
  if [ -n "$now" ] && [ "$now" != "$first" ] \
    && body=$(curl -fsS "http://127.0.0.1:$PORT/healthz" 2>/dev/null) \
    && echo "$body" | grep -q '"celery":"ok"\|"celery": "ok"'; then again=1; break; fi
  sleep 1
done
[ -n "$again" ] || { echo "FAIL: no worker answered /healthz after the first exited"; exit 1; }
grep -q "respawn: 'celery -A oversight worker" "$LOG" || { echo "FAIL: the restart was not logged"; exit 1; }
echo "    worker $first exited; worker $now answers /healthz"

echo "==> stopping (SIGTERM)"
kill -TERM "$STACK"
for _ in $(seq 1 60); do kill -0 "$STACK" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$STACK" 2>/dev/null; then echo "FAIL: the stack did not stop within 30 s"; exit 1; fi
sleep 1
if pgrep -g "$STACK" >/dev/null 2>&1; then echo "FAIL: processes left behind:"; pgrep -a -g "$STACK"; exit 1; fi
trap - EXIT
rm -rf "$WORK"
echo "==> smoke test passed: stack started, healthy, served a signed-in page and stopped cleanly"
