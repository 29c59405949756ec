"""``/healthz`` for load balancers and the production smoke test, and the idle-logoff keepalive.

``/healthz`` needs no login and says only which part failed, never why (the reason goes to the
server log): ``{"status": "ok", "checks": {"database": "ok", "redis": "ok", "celery": "ok"}}``
with 200, or ``"status": "fail"`` with 503. Redis is checked when ``REDIS_URL`` or a Redis
``CELERY_BROKER_URL`` is configured, and a Celery worker must answer a ping whenever a broker is
configured (without one, tasks run inline and there is no worker to ask).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis_urls() -> list[str]:
    urls = [getattr(settings, "REDIS_URL", ""), getattr(settings, "CELERY_BROKER_URL", "")]
    seen: list[str] = []
    for url in urls:
        if url and url.startswith(("redis://", "rediss://", "unix://")) and url not in seen:
            seen.append(url)
    return seen


def check_redis() -> None:
    import redis

    for url in _redis_urls():
        client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()


def check_celery() -> None:
    from .celery import app

    replies = app.control.ping(timeout=TIMEOUT_SECONDS, limit=1)
    if not replies:
        raise RuntimeError("no Celery worker answered the ping")


def run_checks() -> dict[str, str]:
    checks: dict[str, object] = {"database": check_database}
    if _redis_urls():
        checks["redis"] = check_redis
    if getattr(settings, "CELERY_BROKER_URL", "") and not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["celery"] = check_celery
    results: dict[str, str] = {}
    for name, check in checks.items():
        if name == "celery" and results.get("redis") == "fail":
            results[name] = "fail"  # no broker, no worker: skip the 2 s wait
            continue
        try:
            check()  # type: ignore[operator]
        except Exception:
            log.exception("health check %s failed", name)
            results[name] = "fail"
        else:
            results[name] = "ok"
    return results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = run_checks()
    failed = [name for name, state in results.items() if state != "ok"]
    body = {"status": "fail" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


@never_cache
@require_GET
@login_required
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": any authenticated request renews the idle timer (the session is saved
    on every request); this one is just the cheapest. Anonymous -> login redirect, which the
    script reads as "already signed out"."""
    return JsonResponse({"idle_seconds": settings.SESSION_COOKIE_AGE})


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers and crawlers ask for ``/favicon.ico``; the icon is a static SVG."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
