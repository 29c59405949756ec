"""Real Chromium: record an incident from a vendor's page, see its deadlines with their cites,
find the one due soon in the work queue, record the notice and see it leave the queue."""

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

    key = f"incident:{incident.pk}:individuals"
    page.click("nav >> text=Work queue")
    assert page.locator(f'#work-queue tr[data-key="{key}"]').count() == 1

    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    page.click("text=Record a notice")
    page.select_option("#id_kind", "individuals")
    page.fill("#id_given_on", f"{today:%Y-%m-%d}")
    page.select_option("#id_method", "mail")
    page.click("button[type=submit]")
    page.wait_for_selector("#deadlines")
    assert "done" in page.inner_text('#deadlines tr[data-kind="individuals"]')
    page.click("nav >> text=Work queue")
    page.wait_for_selector("#work-queue")
    assert page.locator(f'#work-queue tr[data-key="{key}"]').count() == 0
