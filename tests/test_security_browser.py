"""Lockout and idle logoff, observed in a real browser (Debian Chromium through Playwright)."""

import pytest
from django.core.management import call_command

from oversight.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    call_command("seed_demo")


def test_repeated_wrong_passwords_show_the_lockout_page(page, live_server, demo, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", "manager@riverside.example")
        page.fill("input[name=password]", "not-the-password")
        page.click("button[type=submit]")
    assert "Account temporarily locked" in page.inner_text("main")
    assert "30 minutes" in page.inner_text("#lockout-message")

    # The right password does not get in while the lock lasts.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "manager@riverside.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    assert "Account temporarily locked" in page.inner_text("main")
    page.screenshot(path="test-artifacts/lockout.png", full_page=True)


def test_idle_warning_then_stay_signed_in_then_logoff(page, live_server, demo, settings):
    settings.SESSION_COOKIE_AGE = 8
    settings.SESSION_IDLE_WARNING_SECONDS = 5
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "viewer@riverside.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    warning = page.locator("#idle-warning")
    warning.wait_for(state="visible", timeout=10_000)
    assert "signed out in" in warning.inner_text()
    page.screenshot(path="test-artifacts/idle-warning.png")
    page.click("#idle-stay")
    warning.wait_for(state="hidden", timeout=5_000)

    # Still signed in after the keepalive, then nothing: the server ends the session and the
    # page goes to the sign-in form by itself.
    page.wait_for_url(f"{live_server.url}/accounts/login/**", timeout=20_000)
    page.goto(f"{live_server.url}/vendors/")
    assert "/accounts/login/" in page.url  # the server-side session is gone too
