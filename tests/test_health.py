"""/healthz (no login; 200 or 503 naming the failed part) and the idle-logoff keepalive."""

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from oversight.celery import app as celery_app


def health(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


def test_healthz_answers_without_login_and_checks_the_database(db, client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""
    status, body = health(client)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_checks_redis_when_configured(db, client, settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.CELERY_BROKER_URL = ""
    status, body = health(client)
    assert status == 200 and body["checks"] == {"database": "ok", "redis": "ok"}


def test_an_unreachable_redis_is_named_and_its_address_is_not_leaked(db, client, settings):
    settings.REDIS_URL = "redis://:hunter2@127.0.0.1:1/0"
    settings.CELERY_BROKER_URL = ""
    status, body = health(client)
    assert status == 503
    assert body["failed"] == ["redis"] and body["checks"]["database"] == "ok"
    assert "hunter2" not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)


@pytest.fixture
def broker(settings, redis_url):
    """Point the Celery app at the test Redis as production does (no eager mode)."""
    saved = {k: celery_app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    celery_app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    celery_app._after_fork()
    settings.REDIS_URL = redis_url
    settings.CELERY_BROKER_URL = redis_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield redis_url
    celery_app.conf.update(**saved)
    celery_app._after_fork()


@pytest.mark.django_db(transaction=True)
def test_healthz_fails_without_a_celery_worker_and_passes_with_one(client, broker):
    from celery.contrib.testing.worker import start_worker

    status, body = health(client)
    assert status == 503 and body["failed"] == ["celery"]
    assert body["checks"]["redis"] == "ok"

    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=20):
        status, body = health(client)
    assert status == 200, body
    assert body["checks"] == {"database": "ok", "redis": "ok", "celery": "ok"}


def test_healthz_is_not_redirected_to_https(db, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301  # everything else is


def test_healthz_refuses_writes(db, client):
    assert client.post("/healthz").status_code == 405


def test_keepalive_needs_a_session_and_renews_it(cast, client, login):
    anonymous = client.get(reverse("session_keepalive"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    member = login(cast.charlie)
    response = member.get(reverse("session_keepalive"))
    assert response.status_code == 200
    assert response.json() == {"idle_seconds": 900}
    # The session is saved again, its server-side expiry 15 minutes from now.
    key = response.cookies["sessionid"].value
    expires = Session.objects.get(session_key=key).expire_date
    assert timedelta(seconds=890) < expires - timezone.now() <= timedelta(seconds=900)
