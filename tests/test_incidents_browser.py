"""Real Chromium: record an incident from a vendor's page, see its deadlines with their cites,
assess it, see its deadline counted on the dashboard and listed in the work queue, record the
notices and see the incident become "notified" and the deadline leave the queue."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from incidents.models import VendorIncident
from oversight.models import Organization

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    call_command("seed_demo")


def test_record_an_incident_see_its_deadlines_and_record_the_notice(page, live_server, demo):
    practice = Organization.objects.get(name="Riverside Family Medicine")
    today = practice.today()
    sign_in(page, live_server, "manager@riverside.example")
    page.click("nav >> text=Vendors")
    page.click("text=ChartWell EHR")
    page.click("#incidents >> text=Record an incident")
    page.wait_for_selector("#id_title")
    page.fill("#id_title", "Misconfigured storage bucket")
    page.fill("#id_vendor_discovered_on", f"{today - timedelta(days=55):%Y-%m-%d}")
    page.fill("#id_vendor_notified_on", f"{today - timedelta(days=50):%Y-%m-%d}")
    page.fill("#id_description", "A storage bucket with scanned referrals was public for a day.")
    page.fill("#id_individuals_affected", "80")
    page.fill("#id_states", "NY: 80")
    page.click("button[type=submit]")
    page.wait_for_selector("#deadlines")
    incident = VendorIncident.objects.get(title="Misconfigured storage bucket")
    deadlines = page.inner_text("#deadlines")
    individuals_due = today + timedelta(days=5)
    assert "45 CFR 164.404(b)" in deadlines and f"{individuals_due:%Y-%m-%d}" in deadlines
    assert "45 CFR 164.408(c)" in deadlines  # 80 people: the annual log
    assert "due soon" in page.inner_text('#deadlines tr[data-kind="individuals"]')

    assert "Investigating" in page.inner_text("main")

    # Assess it: the four factors of 164.402(2) and the conclusion.
    page.click("text=Edit")
    page.wait_for_selector("#id_factor_nature")
    page.fill("#id_factor_nature", "Scanned referrals: names, dates of birth, diagnoses.")
    page.fill("#id_factor_recipient", "Unknown: the bucket was publicly listable.")
    page.fill("#id_factor_acquired", "Access logs show two downloads from outside.")
    page.fill("#id_factor_mitigation", "Bucket made private; the downloads could not be traced.")
    page.select_option("#id_conclusion", "breach")
    page.click("button[type=submit]")
    page.wait_for_selector("#deadlines")
    assert "Assessed" in page.inner_text("main")
    assert "Breach: notification required" in page.inner_text("main")

    # The dashboard counts the deadline; its figure opens the work queue that lists it.
    key = f"incident:{incident.pk}:individuals"
    page.goto(f"{live_server.url}/")
    figure = page.locator("#breach-notices")
    assert int(figure.inner_text()) >= 1
    figure.click()
    page.wait_for_selector("#work-queue")
    assert page.locator(f'#work-queue tr[data-key="{key}"]').count() == 1
    assert f"{individuals_due:%Y-%m-%d}" in page.inner_text(f'#work-queue tr[data-key="{key}"]')

    # Record the notices: to the individuals, then the annual log entry to HHS.
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    for kind, method in (("individuals", "mail"), ("hhs", "portal")):
        page.click("text=Record a notice")
        page.select_option("#id_kind", kind)
        page.fill("#id_given_on", f"{today:%Y-%m-%d}")
        page.select_option("#id_method", method)
        page.click("button[type=submit]")
        page.wait_for_selector("#deadlines")
    assert "done" in page.inner_text('#deadlines tr[data-kind="individuals"]')
    assert "done" in page.inner_text('#deadlines tr[data-kind="hhs_annual"]')
    assert "Notified" in page.inner_text("main")
    page.click("nav >> text=Work queue")
    page.wait_for_selector("#work-queue")
    assert page.locator(f'#work-queue tr[data-key="{key}"]').count() == 0
