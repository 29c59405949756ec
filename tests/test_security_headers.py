"""Security headers (CSP and friends), the product's own error pages that leak nothing (DEBUG
off, as in the suite), the one-line request log without PHI or secrets, and the production
static files build."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.http import HttpResponse
from django.urls import include, path, reverse

ROOT = Path(__file__).resolve().parent.parent


def boom(request):
    raise RuntimeError("secret-internal-detail 078-05-1120")


def ok(request):
    return HttpResponse("fine")


# Used as ROOT_URLCONF by the 500 test: the product's URLs plus one view that fails.
urlpatterns = [path("boom/", boom), path("", include("oversight.urls"))]


def csp_of(response):
    return dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )


def test_pages_carry_a_strict_content_security_policy(cast, login):
    response = login(cast.bob).get(reverse("vendor_list"))
    policy = csp_of(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "http" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_inline_script_or_event_handler_on_the_main_pages(cast, login, vendor):
    client = login(cast.alice)
    pages = [
        "/",
        reverse("vendor_list"),
        reverse("vendor_detail", args=[vendor.pk]),
        reverse("vendor_create"),
        reverse("members"),
        reverse("practice_settings"),
        reverse("account_login"),
    ]
    for url in pages:
        html = client.get(url).text
        # Every <script> has a src= (JSON data blocks are not executed and are allowed).
        for tag in html.split("<script")[1:]:
            head = tag.split(">", 1)[0]
            assert "src=" in head or "application/json" in head, (url, head)
        assert " onclick=" not in html and " onchange=" not in html and " onsubmit=" not in html
        assert " style=" not in html, url


def test_idle_logoff_figures_are_on_the_page_for_the_warning_script(cast, login, client):
    html = login(cast.charlie).get("/").text
    assert 'data-idle-seconds="900"' in html and 'data-idle-warning-seconds="90"' in html
    assert 'id="idle-warning"' in html and "/static/js/idle.js" in html
    assert "data-idle-seconds" not in client.__class__().get(reverse("account_login")).text


# --- error pages ---------------------------------------------------------------------------


def test_404_is_the_product_page(cast, login):
    response = login(cast.bob).get("/no/such/page/")
    assert response.status_code == 404
    assert "There is nothing here" in response.text
    assert "Traceback" not in response.text and "urlpatterns" not in response.text


def test_400_for_a_forged_host_is_the_product_page(client):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Bad request" in response.text and "evil.example" not in response.text


def test_403_is_the_product_page(cast, login):
    response = login(cast.charlie).post(reverse("vendor_create"), {"name": "X"})
    assert response.status_code == 403 and "Not allowed" in response.text


def test_a_stale_form_gets_the_page_expired_page(cast, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("account_login"), {"login": "bob@a.test", "password": "x"})
    assert response.status_code == 403
    assert "This page has expired" in response.text and "CSRF" not in response.text


def test_500_is_the_product_page_and_leaks_nothing(db, client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret-internal-detail" not in response.text and "078-05" not in response.text
    assert "Traceback" not in response.text
    assert response["Content-Security-Policy"]


# --- the request log -----------------------------------------------------------------------


def request_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "oversight.request"]


def test_one_log_line_per_request_with_user_and_practice_and_no_query(cast, login, caplog):
    client = login(cast.bob)
    with caplog.at_level(logging.INFO, logger="oversight.request"):
        client.get(reverse("vendor_list"), {"q": "Jane Doe DOB 1970-01-01"})
    (line,) = request_lines(caplog)
    assert line["method"] == "GET" and line["path"] == "/vendors/" and line["status"] == 200
    assert line["user_id"] == cast.bob.user_id and line["practice_id"] == cast.practice.id
    assert line["view"] == "vendor_list" and line["duration_ms"] >= 0
    assert "Jane" not in json.dumps(line) and "1970" not in json.dumps(line)


def test_secret_tokens_in_urls_are_logged_as_the_pattern(db, client, caplog):
    with caplog.at_level(logging.INFO, logger="oversight.request"):
        client.get("/calendar/SuperSecretFeedToken123.ics")
        client.get("/invitations/AnotherSecretToken456/")
    lines = request_lines(caplog)
    assert [line["path"] for line in lines] == [
        "/calendar/<str:token>.ics",
        "/invitations/<str:token>/",
    ]
    assert all(line["user_id"] is None for line in lines)
    assert "Secret" not in caplog.text


def test_the_request_log_writes_nothing_to_the_database(cast, login, caplog):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from oversight.middleware import RequestLogMiddleware

    client = login(cast.bob)
    with CaptureQueriesContext(connection) as with_log:
        client.get(reverse("vendor_list"))
    # The middleware itself: run it around a trivial response; it issues no query at all.
    request = client.get(reverse("vendor_list")).wsgi_request
    with CaptureQueriesContext(connection) as queries:
        RequestLogMiddleware(ok)(request)
    assert len(queries) == 0
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
        and "django_session" not in q["sql"]
        and "axes" not in q["sql"]
        for q in with_log.captured_queries
    )


# --- production static files ---------------------------------------------------------------


def test_collectstatic_builds_the_hashed_compressed_files(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("STATICFILES_BACKEND",)}
    env.update(DEBUG="false", VAR_DIR=str(tmp_path), SECRET_KEY="collectstatic-test-key-0123")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["js/idle.js"]
    assert hashed != "js/idle.js" and (tmp_path / "staticfiles" / (hashed + ".gz")).exists()
