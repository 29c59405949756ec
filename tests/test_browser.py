"""Real Chromium (Debian package) driven by Playwright against the live test server."""

import pytest
from django.core.management import call_command

from oversight.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    call_command("seed_demo")


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_manager_adds_vendor_and_finds_it_with_its_tier(page, live_server, demo):
    sign_in(page, live_server, "manager@riverside.example")
    assert "Riverside Family Medicine" in page.inner_text("#current-practice")
    page.click("text=Vendors")
    page.click("text=Add vendor")
    page.fill("#id_name", "Atlas Cloud Hosting")
    page.select_option("#id_category", "cloud_hosting")
    page.select_option("#id_status", "prospective")
    page.check("#id_phi_electronic")
    page.select_option("#id_access_level", "hosts")
    page.fill("#id_record_count", "25000")
    page.click("button[type=submit]")
    page.wait_for_selector("#tier-reasons")
    assert "Hosts or stores ePHI" in page.inner_text("#tier-reasons")

    page.goto(f"{live_server.url}/vendors/")
    page.check("#id_tier_0")  # critical
    page.fill("#id_q", "atlas")
    page.click("#vendor-filters button[type=submit]")
    row = page.locator("#vendors tbody tr", has_text="Atlas Cloud Hosting")
    assert row.count() == 1
    assert "Critical" in row.inner_text()
    page.screenshot(path="test-artifacts/vendor-list.png", full_page=True)
