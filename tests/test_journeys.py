"""Browser journeys in real Chromium, as a new user would take them: sign up, create a
practice, invite a manager, who joins, enrols two-factor authentication, adds a vendor and
its signed BAA, records a review, and sees the dashboard change. (Lockout and idle logoff in
the browser: tests/test_security_browser.py.) Screenshots go to test-artifacts/."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.core.cache import cache

from baas.demo import minimal_pdf
from baas.provisions import PROVISIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER_PASSWORD = "Clinic-owner-pass-2026"
MANAGER_PASSWORD = "Manager-strong-pass-2026"


def shot(page, name):
    page.screenshot(path=f"test-artifacts/{name}.png", full_page=True)


def totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


@pytest.fixture(autouse=True)
def _clean_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_new_practice_from_sign_up_to_a_changed_dashboard(page, live_server, tmp_path):
    url = live_server.url
    # 1. Sign up and create the practice.
    page.goto(f"{url}/accounts/signup/")
    page.fill("input[name=email]", "owner@sunrise.example")
    page.fill("input[name=password1]", OWNER_PASSWORD)
    page.fill("input[name=password2]", OWNER_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/practice/new/")
    page.fill("#id_name", "Sunrise Dental")
    page.select_option("#id_timezone", "America/Denver")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{url}/")
    assert "Sunrise Dental" in page.inner_text("#current-practice")

    # 2. Invite a manager.
    page.click("#practice-menu")
    page.click("nav >> text=Members")
    page.fill("#id_email", "pat@sunrise.example")
    page.select_option("#id_role", "manager")
    page.click("#invite-form button[type=submit]")
    page.wait_for_selector("text=Invitation sent to pat@sunrise.example")
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    page.click("nav >> text=owner@sunrise.example")
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))

    # 3. The manager joins through the link and sets a password.
    page.goto(link)
    page.fill("#id_first_name", "Pat")
    page.fill("#id_password1", MANAGER_PASSWORD)
    page.fill("#id_password2", MANAGER_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{url}/")
    assert "as Manager" in page.inner_text("#current-practice")

    # 4. Two-factor authentication: an authenticator app (TOTP).
    page.goto(f"{url}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", MANAGER_PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("#authenticator_secret")
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", totp(secret))
    shot(page, "mfa-enrol")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/2fa/.*"))
    assert "recovery" in page.inner_text("main").lower() or "Authenticator" in page.inner_text(
        "main"
    )

    # 5. Add a vendor.
    page.goto(f"{url}/vendors/new/")
    page.fill("#id_name", "Mountain EHR")
    page.select_option("#id_category", "ehr")
    page.select_option("#id_status", "onboarding")
    page.check("#id_phi_electronic")
    page.select_option("#id_access_level", "hosts")
    page.fill("#id_record_count", "15000")
    page.click("#vendor-form button[type=submit]")
    page.wait_for_selector("#tier-reasons")
    vendor_url = page.url
    page.goto(f"{url}/")
    assert page.inner_text("#gap-count").startswith("1 compliance gap")
    shot(page, "dashboard-with-gap")

    # 6. Its BAA: terms, checklist, signature, the signed PDF.
    page.goto(vendor_url)
    page.click("#baa-panel >> text=Add agreement")
    page.select_option("#id_template_source", "negotiated")
    page.fill("#id_breach_notice_days", "10")
    page.select_option("#id_indemnification", "mutual")
    page.select_option("#id_cap_kind", "none")
    page.click("#agreement-form button[type=submit]")
    page.wait_for_selector("#checklist-form")
    for provision in PROVISIONS:
        if provision.key != "return_destroy":  # answered by the "PHI at termination" term
            page.check(f"#checklist-form input[name={provision.key}][value=present]")
    page.click("#save-checklist")
    page.wait_for_selector("text=Checklist saved")
    page.click("#mark-signed")
    # The practice is in Denver: its today, not the machine's (UTC is a day ahead in the evening).
    page.fill("#id_signed_on", datetime.now(ZoneInfo("America/Denver")).strftime("%Y-%m-%d"))
    page.fill("#id_practice_signatory_name", "Riley Owner")
    page.fill("#id_vendor_signatory_name", "Sam Vendor")
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("text=is signed")
    pdf = tmp_path / "Mountain EHR BAA.pdf"
    pdf.write_bytes(minimal_pdf("Mountain EHR BAA"))
    page.click("#upload-document")
    page.set_input_files("#id_file", str(pdf))
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#documents >> text=Mountain EHR BAA.pdf")
    shot(page, "agreement")

    # 7. A periodic review.
    page.goto(vendor_url)
    page.click("text=Record review")
    page.check("#id_baa_current")
    page.select_option("#id_outcome", "continue")
    page.fill("#id_notes", "Onboarding review with the vendor's security lead.")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#next-review")
    shot(page, "vendor-page")

    # 8. The dashboard shows the gap closed.
    page.goto(f"{url}/")
    assert "No compliance gap" in page.inner_text("#gaps")
    shot(page, "dashboard")
