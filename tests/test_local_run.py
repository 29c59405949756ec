"""The README's first command, run as a newcomer runs it: ``scripts/run.sh`` on SQLite with no
Redis, which starts the web server, a real Celery worker and beat on the embedded (filesystem)
broker. The binder is built by that worker while the page shows progress; reminders go out as
``.eml`` files whose links point at the address the app was started on; Ctrl-C stops everything.
"""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import time
import urllib.request
from email import policy
from pathlib import Path

import pytest

from oversight.demo import DEMO_PASSWORD

from .reminders_factories import free_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 240


def _healthz(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
            return json.load(response)
    except Exception:
        return None


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    var = tmp_path_factory.mktemp("local-run")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        # What a newcomer's shell has: none of the test suite's services.
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "CELERY_RESULT_BACKEND",
            "EMAIL_URL",
            "SITE_URL",
            "DEBUG",
            "SECURE_HTTPS",
            "STATICFILES_BACKEND",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(ADDR=f"127.0.0.1:{port}", VAR_DIR=str(var))
    log = open(var / "run.log", "w")
    process = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    health = None
    while time.monotonic() < deadline and process.poll() is None:
        health = _healthz(url)
        if health and health.get("status") == "ok":
            break
        time.sleep(1)
    if not health or health.get("status") != "ok":
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"the local run did not come up: {health}\n{(var / 'run.log').read_text()}")
    yield {"url": url, "var": var, "process": process, "health": health}
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


def test_the_local_run_has_a_real_worker_on_the_embedded_broker(local_run):
    # /healthz asks a Celery worker for a ping: only a real worker on a real broker answers.
    assert local_run["health"]["checks"] == {"database": "ok", "celery": "ok"}
    assert (local_run["var"] / "db.sqlite3").exists()
    assert (local_run["var"] / "celery-broker").is_dir()


def test_reminders_are_eml_files_linking_to_the_address_the_app_runs_on(local_run):
    folder = local_run["var"] / "sent-emails"
    deadline = time.monotonic() + 60
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*.eml")) if folder.exists() else []
        if files:
            break
        time.sleep(1)
    assert files, "the start-up sweep sent no reminder through the worker"
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["Subject"]
    assert message["To"].addresses[0].addr_spec.endswith(".example")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"{local_run['url']}/" in body
    assert "http://127.0.0.1:8000/" not in body or local_run["url"].endswith(":8000")


def _sign_in(page, url: str) -> None:
    """As the demo's practice manager, on the home page."""
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=login]", "manager@riverside.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


@pytest.mark.browser
def test_the_binder_builds_in_the_background_while_the_page_shows_progress(local_run, page):
    url = local_run["url"]
    _sign_in(page, url)
    page.goto(f"{url}/binder/")
    page.click("#binder-form button[type=submit]")
    page.wait_for_selector("text=The binder is being generated")
    # The request came back before the build finished (an inline build would answer "Ready"):
    # the new row shows a progress bar, and the page polls it while the worker builds.
    row = page.locator("tr[data-status]").first
    assert row.get_attribute("data-status") != "done"
    assert row.get_by_role("progressbar").count() == 1
    page.wait_for_selector("tr[data-status=done]", timeout=180_000)
    done = page.locator("tr[data-status=done]").first
    assert "Ready" in done.inner_text()
    assert done.locator("a", has_text="PDF").count() == 1


@pytest.mark.browser
def test_every_page_of_the_menu_opens_on_sqlite(local_run, page):
    # The work queue and the dashboard count in PostgreSQL's SQL where it is there; the local
    # run (SQLite) must open them, and every other page of the menu, all the same.
    url = local_run["url"]
    _sign_in(page, url)
    assert page.get_by_role("heading", level=1).count() == 1
    links = page.locator("nav a[href^='/']").evaluate_all("links => links.map(a => a.pathname)")
    paths = sorted(set(links) - {"/accounts/logout/"})
    assert {"/", "/work-queue/", "/vendors/", "/agreements/", "/reminders/"} <= set(paths), paths
    opened = {}
    for path in [*paths, "/work-queue/?overdue=1", "/work-queue/?page=2", "/vendors/?q=a"]:
        response = page.goto(f"{url}{path}")
        opened[path] = response.status
    assert opened == dict.fromkeys(opened, 200), opened
    page.goto(f"{url}/")
    figures = page.locator("[data-figure]")
    assert figures.count() > 0 and "Server Error" not in page.content()


def test_ctrl_c_stops_the_web_server_the_worker_and_beat(local_run):
    process = local_run["process"]
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=60)
    time.sleep(2)
    # No process of the run's session (web server, worker, beat) is left.
    left = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True)
    assert left.stdout == ""
    # Nothing still listens on the app's port.
    assert _healthz(local_run["url"]) is None
