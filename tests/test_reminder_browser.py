"""The Reminders page in real Chromium: the demo practice after a sweep, under the strict CSP."""

import pytest
from django.core.management import call_command

from reminders.models import Reminder

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sees_what_was_sent_and_what_waits_and_sets_a_preference(page, live_server):
    call_command("seed_demo")
    call_command("send_reminders")
    assert Reminder.objects.exists()
    csp_errors = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in(page, live_server, "admin@riverside.example")
    page.click("nav >> text=Reminders")
    page.wait_for_selector("#upcoming")
    assert "Riverside Family Medicine" in page.inner_text("main")
    sent = page.inner_text("#sent")
    assert "admin@riverside.example" in sent  # escalations and gaps went out at once
    assert "Lakeview" not in page.inner_text("main")
    page.screenshot(path="test-artifacts/reminders.png", full_page=True)

    page.click("text=My reminder preference")
    page.check("input[value=immediate]")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Your reminder preference is saved")
    assert page.is_checked("input[value=immediate]")
    assert csp_errors == []
